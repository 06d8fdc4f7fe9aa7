using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// One node's <see cref="IDialogHistory"/>: after a crash every moved shard's ledger asks the store for the Call-IDs of
/// nearly the same window at nearly the same moment, and each keeps only its own shard's. Requests whose window starts
/// at most <see cref="Slack"/> after one asked less than <see cref="Reuse"/> ago share that read: a wider window only
/// wakes a few dialogs that find nothing newer than their own window and stop.
/// </summary>
public sealed class SharedDialogHistory(IDialogHistory inner) : IDialogHistory
{
    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private (long FromMicros, int Limit, DateTime AskedAt, Task<IReadOnlyList<string>> Ids)? _last;

    public Task<IReadOnlyList<string>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            if (_last is { } last && now - last.AskedAt < Reuse && last.Limit >= limit && last.FromMicros <= fromMicros
                && fromMicros - last.FromMicros <= (long)Slack.TotalMicroseconds && !last.Ids.IsFaulted && !last.Ids.IsCanceled)
                return last.Ids;
            var ids = inner.DialogIdsSinceAsync(fromMicros, limit, CancellationToken.None);
            _last = (fromMicros, limit, now, ids);
            return ids;
        }
    }

    public Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default) =>
        inner.MessagesSinceAsync(dialogId, fromMicros, limit, ct);
}
