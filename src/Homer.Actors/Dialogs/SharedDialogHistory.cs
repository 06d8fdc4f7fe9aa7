using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// One node's <see cref="IDialogHistory"/>: after a crash or a restart every moved shard's ledger asks the store for the
/// dialog ids of nearly the same window at nearly the same moment, and each keeps only its own shard's. Requests whose
/// window starts at most <see cref="Slack"/> after one asked less than <see cref="Reuse"/> ago (and ends no later than
/// it) share that read, cut to their own window by the capture times of each id: the same answer as a read of their
/// own, a moment older. A closed window is read <see cref="Reuse"/> longer than asked, so that the shards opening in
/// the next moments (whose windows end that much later) share it too.
/// </summary>
public sealed class SharedDialogHistory(IDialogHistory inner) : IDialogHistory
{
    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private (long FromMicros, long ToMicros, int Limit, DateTime AskedAt, Task<IReadOnlyList<DialogActivity>> Ids)? _last;

    public Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default) =>
        Shared(fromMicros, long.MaxValue, limit);

    public Task<IReadOnlyList<DialogActivity>> DialogIdsBetweenAsync(long fromMicros, long toMicros, int limit, CancellationToken ct = default) =>
        Shared(fromMicros, toMicros, limit);

    private async Task<IReadOnlyList<DialogActivity>> Shared(long fromMicros, long toMicros, int limit)
    {
        Task<IReadOnlyList<DialogActivity>> read;
        var shared = false;
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            if (_last is { } last && now - last.AskedAt < Reuse && last.Limit >= limit && last.FromMicros <= fromMicros
                && toMicros <= last.ToMicros
                && fromMicros - last.FromMicros <= (long)Slack.TotalMicroseconds && !last.Ids.IsFaulted && !last.Ids.IsCanceled)
            {
                read = last.Ids;
                shared = true;
            }
            else if (toMicros == long.MaxValue)
            {
                read = inner.DialogIdsSinceAsync(fromMicros, limit, CancellationToken.None);
                _last = (fromMicros, long.MaxValue, limit, now, read);
            }
            else
            {
                var readTo = toMicros + (long)Reuse.TotalMicroseconds;
                read = inner.DialogIdsBetweenAsync(fromMicros, readTo, limit, CancellationToken.None);
                _last = (fromMicros, readTo, limit, now, read);
            }
        }
        var ids = await read.ConfigureAwait(false);
        if (!shared && toMicros == long.MaxValue)
            return ids;
        return ids.Where(a => a.LastMicros >= fromMicros && (a.FirstMicros == 0 || a.FirstMicros <= toMicros)).ToArray();
    }

    public Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default) =>
        inner.MessagesSinceAsync(dialogId, fromMicros, limit, ct);

    public Task<IReadOnlyList<CapturedMessage>> MessagesOfAsync(IReadOnlyCollection<string> dialogIds, long fromMicros, int limit,
        CancellationToken ct = default) =>
        inner.MessagesOfAsync(dialogIds, fromMicros, limit, ct);
}
