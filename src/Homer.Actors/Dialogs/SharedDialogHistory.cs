using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// One node's <see cref="IDialogHistory"/>: after a crash every moved shard's ledger asks the store for the Call-IDs of
/// nearly the same window at nearly the same moment, and each keeps only its own shard's. Requests whose window starts
/// at most <see cref="Slack"/> after one asked less than <see cref="Reuse"/> ago share that read, cut to their own
/// window by the newest capture time of each id: the same answer as a read of their own, a moment older.
/// </summary>
public sealed class SharedDialogHistory(IDialogHistory inner) : IDialogHistory
{
    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private (long FromMicros, int Limit, DateTime AskedAt, Task<IReadOnlyList<DialogActivity>> Ids)? _last;

    public async Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default)
    {
        Task<IReadOnlyList<DialogActivity>> read;
        var shared = false;
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            if (_last is { } last && now - last.AskedAt < Reuse && last.Limit >= limit && last.FromMicros <= fromMicros
                && fromMicros - last.FromMicros <= (long)Slack.TotalMicroseconds && !last.Ids.IsFaulted && !last.Ids.IsCanceled)
            {
                read = last.Ids;
                shared = true;
            }
            else
            {
                read = inner.DialogIdsSinceAsync(fromMicros, limit, CancellationToken.None);
                _last = (fromMicros, limit, now, read);
            }
        }
        var ids = await read.ConfigureAwait(false);
        return shared ? ids.Where(a => a.LastMicros >= fromMicros).ToArray() : ids;
    }

    public Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default) =>
        inner.MessagesSinceAsync(dialogId, fromMicros, limit, ct);
}
