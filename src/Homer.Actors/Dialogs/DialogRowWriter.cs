using Akka.Actor;
using Akka.Event;
using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// One per dialog node: gathers dialog rows, keeps only the newest per Call-ID, and upserts them in one statement per
/// flush (by size or time), one flush in flight at a time. A failed flush is merged back and retried with the next.
/// </summary>
public sealed class DialogRowWriter : ReceiveActor, IWithTimers
{
    private sealed class FlushNow
    {
        public static readonly FlushNow Instance = new();
    }

    private sealed record Flushed(int Count, Exception? Error, IReadOnlyList<DialogRow> Rows);

    /// <summary>Asks for the number of rows written so far (tests, metrics); answered with a long.</summary>
    public sealed class GetWritten
    {
        public static readonly GetWritten Instance = new();
    }

    private readonly Func<IReadOnlyList<DialogRow>, Task<int>> _write;
    private readonly DialogRowWriterSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Dictionary<string, DialogRow> _pending = new(StringComparer.Ordinal);
    private bool _inFlight;
    private long _written;
    private int _failures;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DialogStore store, DialogRowWriterSettings settings) =>
        Props(rows => WriteAndCount(store, rows), settings);

    private static async Task<int> WriteAndCount(DialogStore store, IReadOnlyList<DialogRow> rows)
    {
        var result = await store.UpsertAndCountAsync(rows, default);
        Stats.CallMetrics.Observe(result);
        return result.Rows;
    }

    public static Props Props(Func<IReadOnlyList<DialogRow>, Task<int>> write, DialogRowWriterSettings settings) =>
        Akka.Actor.Props.Create(() => new DialogRowWriter(write, settings));

    public DialogRowWriter(Func<IReadOnlyList<DialogRow>, Task<int>> write, DialogRowWriterSettings settings)
    {
        _write = write;
        _settings = settings;
        Receive<DialogRow>(row =>
        {
            _pending[row.CallId] = row;
            if (_pending.Count >= _settings.MaxBatch)
                Flush();
            else if (!Timers.IsTimerActive(FlushNow.Instance))
                Timers.StartSingleTimer(FlushNow.Instance, FlushNow.Instance, _settings.FlushInterval);
        });
        Receive<FlushNow>(_ => Flush());
        Receive<Flushed>(f =>
        {
            _inFlight = false;
            if (f.Error is null)
            {
                _written += f.Rows.Count;
                _failures = 0;
            }
            else
            {
                _failures++;
                _log.Warning("Writing {0} dialog rows failed (attempt {1}), retrying with the next batch: {2}", f.Rows.Count, _failures, f.Error.Message);
                // Newer versions that arrived meanwhile win over the failed ones.
                foreach (var row in f.Rows)
                    _pending.TryAdd(row.CallId, row);
            }
            if (_pending.Count > 0)
                Timers.StartSingleTimer(FlushNow.Instance, FlushNow.Instance,
                    f.Error is null ? _settings.FlushInterval : TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * Math.Pow(2, _failures))));
        });
        Receive<GetWritten>(_ => Sender.Tell(_written));
    }

    private void Flush()
    {
        if (_inFlight || _pending.Count == 0)
            return;
        var rows = _pending.Values.ToArray();
        _pending = new Dictionary<string, DialogRow>(StringComparer.Ordinal);
        _inFlight = true;
        Timers.Cancel(FlushNow.Instance);
        _write(rows).ContinueWith(
            t => new Flushed(rows.Length, t.Exception?.GetBaseException(), rows),
            TaskContinuationOptions.ExecuteSynchronously).PipeTo(Self);
    }

    protected override void PostStop()
    {
        // Shutdown: a last synchronous attempt, so the final states of passivated dialogs are not lost.
        if (_pending.Count == 0 || _inFlight)
            return;
        try
        {
            _write(_pending.Values.ToArray()).Wait(TimeSpan.FromSeconds(5));
        }
        catch (Exception e)
        {
            _log.Warning("Last write of {0} dialog rows at shutdown failed: {1}", _pending.Count, e.Message);
        }
    }
}

public sealed record DialogRowWriterSettings
{
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    public int MaxBatch { get; init; } = 2_000;
}
