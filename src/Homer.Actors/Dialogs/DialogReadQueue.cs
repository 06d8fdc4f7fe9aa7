using Homer.Storage;
using Prometheus;

namespace Homer.Actors.Dialogs;

/// <summary>
/// The node's queue for catch-up reads of the message store (ADR 0004, addendum): at most <c>concurrency</c> reads
/// run at once, whatever the number of shards recovering, and a read waits (up to <c>maxYield</c>) while the node's
/// ingest is behind, so recovery work never takes PostgreSQL, connections or CPU from the COPY path. The reads go
/// through their own small connection pool (see <see cref="Hosting.DialogHostingExtensions"/>), never the one the COPY
/// uses. Nothing here waits in ingest: dialogs keep their live messages aside while their catch-up is pending.
/// </summary>
public sealed class DialogReadQueue(IDialogHistory inner, int concurrency, Func<bool>? ingestBusy = null, TimeSpan? maxYield = null) : IDialogHistory, IDisposable
{
    public static readonly Gauge Waiting = Metrics.CreateGauge("homer_dialog_store_reads_waiting",
        "Catch-up reads of the message store waiting for their turn (the node runs homer.dialog.recovery.read-concurrency at once).");
    public static readonly Counter Reads = Metrics.CreateCounter("homer_dialog_store_reads_total",
        "Catch-up reads of the message store (dialog ids of a window, or the messages of a shard's dialogs).", "kind");
    public static readonly Counter Yielded = Metrics.CreateCounter("homer_dialog_store_read_yield_seconds_total",
        "Seconds catch-up reads waited because the node's ingest was behind (its edge buffer filling).");

    private static readonly TimeSpan YieldStep = TimeSpan.FromMilliseconds(50);
    private readonly SemaphoreSlim _slots = new(Math.Max(1, concurrency));
    private readonly TimeSpan _maxYield = maxYield ?? TimeSpan.FromSeconds(5);

    public int Concurrency { get; } = Math.Max(1, concurrency);

    public Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default) =>
        Run("ids", () => inner.DialogIdsSinceAsync(fromMicros, limit, ct), ct);

    public Task<IReadOnlyList<DialogActivity>> DialogIdsBetweenAsync(long fromMicros, long toMicros, int limit, CancellationToken ct = default) =>
        Run("ids", () => inner.DialogIdsBetweenAsync(fromMicros, toMicros, limit, ct), ct);

    public Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default) =>
        Run("dialog", () => inner.MessagesSinceAsync(dialogId, fromMicros, limit, ct), ct);

    public Task<IReadOnlyList<CapturedMessage>> MessagesOfAsync(IReadOnlyCollection<string> dialogIds, long fromMicros, int limit,
        CancellationToken ct = default) =>
        Run("shard", () => inner.MessagesOfAsync(dialogIds, fromMicros, limit, ct), ct);

    private async Task<T> Run<T>(string kind, Func<Task<T>> read, CancellationToken ct)
    {
        Waiting.Inc();
        var waiting = true;
        var holding = false;
        try
        {
            await _slots.WaitAsync(ct).ConfigureAwait(false);
            holding = true;
            // The COPY path first: while ingest is behind, wait a little (bounded, so recovery is never starved for good).
            var yielded = TimeSpan.Zero;
            while (ingestBusy is not null && yielded < _maxYield && ingestBusy())
            {
                await Task.Delay(YieldStep, ct).ConfigureAwait(false);
                yielded += YieldStep;
            }
            if (yielded > TimeSpan.Zero)
                Yielded.Inc(yielded.TotalSeconds);
            Waiting.Dec();
            waiting = false;
            Reads.WithLabels(kind).Inc();
            return await read().ConfigureAwait(false);
        }
        finally
        {
            if (waiting)
                Waiting.Dec();
            if (holding)
                _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
