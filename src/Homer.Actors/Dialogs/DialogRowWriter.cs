using Akka.Actor;
using Akka.Event;
using Homer.Actors.Storage;
using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// One per dialog node: gathers dialog rows, keeps only the newest per Call-ID, and upserts them in one statement per
/// flush (by size or time, at most <see cref="DialogRowWriterSettings.MaxBatch"/> rows), one flush in flight at a time.
/// A row PostgreSQL refuses for good (a value it cannot index, a constraint) is isolated by bisecting the batch and
/// goes to the quarantine as JSON; every other row is written. A batch that fails for a transient reason (PostgreSQL
/// unreachable) is merged back and retried with backoff; what waits is bounded in rows and bytes, and beyond the
/// bound the rows seen longest ago are shed (counted in <c>homer_writer_shed_total</c>): memory never grows
/// without bound, whatever PostgreSQL does.
/// </summary>
public sealed class DialogRowWriter : ReceiveActor, IWithTimers
{
    /// <summary>The writer's name in metrics, logs and the storage watchdog.</summary>
    public const string WriterName = "dialogs";

    private sealed class FlushNow
    {
        public static readonly FlushNow Instance = new();
    }

    private sealed record Flushed(long Written, IReadOnlyList<RefusedRow<DialogRow>> Quarantined,
        IReadOnlyList<RefusedRow<DialogRow>> Lost, IReadOnlyList<DialogRow> Unwritten, Exception? Error);

    /// <summary>Asks for the number of rows written so far (tests, metrics); answered with a long.</summary>
    public sealed class GetWritten
    {
        public static readonly GetWritten Instance = new();
    }

    /// <summary>Asks what waits to be written; answered with <see cref="PendingStatus"/>.</summary>
    public sealed class GetPending
    {
        public static readonly GetPending Instance = new();
    }

    public sealed record PendingStatus(int Rows, long Bytes, long Shed, long Quarantined);

    private readonly Func<IReadOnlyList<DialogRow>, Task<int>> _write;
    private readonly Func<IReadOnlyList<QuarantineEntry>, Task>? _quarantine;
    private readonly StorageWatchdog? _watchdog;
    private readonly DialogRowWriterSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Dictionary<string, DialogRow> _pending = new(StringComparer.Ordinal);
    private long _pendingBytes;
    private bool _inFlight;
    private long _written;
    private long _shed;
    private long _quarantined;
    private int _failures;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DialogStore store, DialogRowWriterSettings settings) =>
        Props(rows => WriteAndCount(store, rows), settings);

    /// <summary>The node's writer: refused rows go to <paramref name="quarantine"/>, stalls are reported to <paramref name="watchdog"/>.</summary>
    public static Props Props(DialogStore store, QuarantineStore quarantine, StorageWatchdog? watchdog, DialogRowWriterSettings settings) =>
        Props(rows => WriteAndCount(store, rows), settings, entries => quarantine.AddAsync(entries), watchdog);

    private static async Task<int> WriteAndCount(DialogStore store, IReadOnlyList<DialogRow> rows)
    {
        var result = await store.UpsertAndCountAsync(rows, default);
        Stats.CallMetrics.Observe(result);
        return result.Rows;
    }

    public static Props Props(Func<IReadOnlyList<DialogRow>, Task<int>> write, DialogRowWriterSettings settings,
        Func<IReadOnlyList<QuarantineEntry>, Task>? quarantine = null, StorageWatchdog? watchdog = null) =>
        Akka.Actor.Props.Create(() => new DialogRowWriter(write, settings, quarantine, watchdog));

    public DialogRowWriter(Func<IReadOnlyList<DialogRow>, Task<int>> write, DialogRowWriterSettings settings,
        Func<IReadOnlyList<QuarantineEntry>, Task>? quarantine, StorageWatchdog? watchdog)
    {
        _write = write;
        _settings = settings;
        _quarantine = quarantine;
        _watchdog = watchdog;
        Receive<DialogRow>(row =>
        {
            if (_pending.TryGetValue(row.CallId, out var older))
                _pendingBytes -= SizeOf(older);
            _pending[row.CallId] = row;
            _pendingBytes += SizeOf(row);
            if (_failures > 0)
                Bound();
            if (_pending.Count == 1 && !_inFlight)
                _watchdog?.Report(WriterName, progressed: false, pending: true);
            if (_pending.Count >= _settings.MaxBatch)
                Flush();
            else if (!Timers.IsTimerActive(FlushNow.Instance) && !_inFlight)
                Timers.StartSingleTimer(FlushNow.Instance, FlushNow.Instance, _settings.FlushInterval);
        });
        Receive<FlushNow>(_ => Flush());
        Receive<Flushed>(OnFlushed);
        Receive<GetWritten>(_ => Sender.Tell(_written));
        Receive<GetPending>(_ => Sender.Tell(new PendingStatus(_pending.Count, _pendingBytes, _shed, _quarantined)));
    }

    private void OnFlushed(Flushed f)
    {
        _inFlight = false;
        _written += f.Written;
        foreach (var refused in f.Quarantined)
        {
            _quarantined++;
            StorageMetrics.OnQuarantined(WriterName, refused.SqlState);
            _log.Warning("PostgreSQL refused the dialog row of Call-ID {0} for good ({1}: {2}); wrote the others, quarantined it",
                Shorten(refused.Row.CallId), refused.SqlState, Shorten(refused.Error));
        }
        if (f.Lost.Count > 0)
        {
            _shed += f.Lost.Count;
            StorageMetrics.OnShed(WriterName, f.Lost.Count);
            _log.Error("Lost {0} dialog rows PostgreSQL refused for good and the quarantine did not take: {1}", f.Lost.Count, Shorten(f.Lost[0].Error));
        }

        if (f.Error is null)
        {
            _failures = 0;
        }
        else
        {
            _failures++;
            _log.Warning("Writing {0} dialog rows failed (attempt {1}), retrying with the next batch: {2}", f.Unwritten.Count, _failures, f.Error.Message);
            // Newer versions that arrived meanwhile win over the failed ones.
            foreach (var row in f.Unwritten)
            {
                if (_pending.TryAdd(row.CallId, row))
                    _pendingBytes += SizeOf(row);
            }
            Bound();
        }
        var progressed = f.Written > 0 || f.Quarantined.Count > 0 || f.Error is null;
        _watchdog?.Report(WriterName, progressed, _pending.Count > 0, f.Error?.Message);
        if (_pending.Count == 0)
            return;
        if (f.Error is null && _pending.Count >= _settings.MaxBatch)
            Flush();
        else
            Timers.StartSingleTimer(FlushNow.Instance, FlushNow.Instance,
                f.Error is null ? _settings.FlushInterval : TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * Math.Pow(2, Math.Min(_failures, 16)))));
    }

    /// <summary>
    /// Keeps what waits within the bounds: beyond them, the rows seen longest ago go first (their dialogs are the
    /// likeliest to be over; a newer row of a live dialog will come again), down to nine tenths of the bounds.
    /// </summary>
    private void Bound()
    {
        if (_pending.Count <= _settings.MaxPendingRows && _pendingBytes <= _settings.MaxPendingBytes)
            return;
        var rowsTarget = _settings.MaxPendingRows * 9 / 10;
        var bytesTarget = _settings.MaxPendingBytes * 9 / 10;
        var shed = 0;
        foreach (var row in _pending.Values.OrderBy(r => r.LastSeen).ToList())
        {
            if (_pending.Count <= rowsTarget && _pendingBytes <= bytesTarget)
                break;
            _pending.Remove(row.CallId);
            _pendingBytes -= SizeOf(row);
            shed++;
        }
        _shed += shed;
        StorageMetrics.OnShed(WriterName, shed);
        _log.Error("PostgreSQL has not taken dialog rows for {0} attempts: shed the {1} rows seen longest ago to stay within {2} rows and {3} bytes ({4} shed so far)",
            _failures, shed, _settings.MaxPendingRows, _settings.MaxPendingBytes, _shed);
    }

    private void Flush()
    {
        if (_inFlight || _pending.Count == 0)
            return;
        DialogRow[] rows;
        if (_pending.Count <= _settings.MaxBatch)
        {
            rows = _pending.Values.ToArray();
            _pending = new Dictionary<string, DialogRow>(StringComparer.Ordinal);
            _pendingBytes = 0;
        }
        else
        {
            rows = _pending.Values.Take(_settings.MaxBatch).ToArray();
            foreach (var row in rows)
            {
                _pending.Remove(row.CallId);
                _pendingBytes -= SizeOf(row);
            }
        }
        _inFlight = true;
        Timers.Cancel(FlushNow.Instance);
        WriteIsolating(rows, _write, _quarantine).PipeTo(Self);
    }

    /// <summary>Runs off the actor: writes the batch, isolates and quarantines what PostgreSQL refuses for good.</summary>
    private static async Task<Flushed> WriteIsolating(IReadOnlyList<DialogRow> rows, Func<IReadOnlyList<DialogRow>, Task<int>> write,
        Func<IReadOnlyList<QuarantineEntry>, Task>? quarantine)
    {
        var result = await BatchIsolation.WriteAsync(rows, async (batch, _) => (long)await write(batch));
        if (result.Refused.Count == 0)
            return new Flushed(result.Written, [], [], result.Unwritten, result.TransientError);
        if (quarantine is null)
            return new Flushed(result.Written, [], result.Refused, result.Unwritten, result.TransientError);
        try
        {
            await quarantine(result.Refused.Select(r => QuarantineEntry.ForRow(QuarantineKind.Dialog, "dialogs", r, r.Row.StartedAt, r.Row.Node)).ToList());
            return new Flushed(result.Written, result.Refused, [], result.Unwritten, result.TransientError);
        }
        catch (Exception e) when (!StorageErrors.IsPermanent(e))
        {
            return new Flushed(result.Written, [], [], [.. result.Refused.Select(r => r.Row), .. result.Unwritten], result.TransientError ?? e);
        }
        catch (Exception e)
        {
            return new Flushed(result.Written, [], [.. result.Refused.Select(r => r with { Error = r.Error + "; quarantine refused it too: " + e.Message })],
                result.Unwritten, result.TransientError);
        }
    }

    /// <summary>About what a row holds in memory: its strings (UTF-16) and the fixed fields.</summary>
    internal static long SizeOf(DialogRow row) => 256 + 2L * (
        row.CallId.Length + row.Kind.Length + row.State.Length + Len(row.FromUser) + Len(row.ToUser) + Len(row.RuriUser)
        + Len(row.CallerIp) + Len(row.CalleeIp) + Len(row.FinalReason) + Len(row.HangupBy) + Len(row.CorrelationGroup) + Len(row.Node));

    private static int Len(string? s) => s?.Length ?? 0;

    private static string? Shorten(string? text) => text is { Length: > 200 } ? text[..200] + "…" : text;

    protected override void PostStop()
    {
        // Shutdown: a last synchronous attempt, so the final states of passivated dialogs are not lost.
        if (_pending.Count == 0 || _inFlight)
            return;
        try
        {
            WriteIsolating(_pending.Values.ToArray(), _write, _quarantine).Wait(TimeSpan.FromSeconds(5));
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
    /// <summary>homer.dialog.rows.max-pending-rows: rows waiting while PostgreSQL does not take them, at most.</summary>
    public int MaxPendingRows { get; init; } = 100_000;
    /// <summary>homer.dialog.rows.max-pending-bytes: about the memory those rows hold, at most.</summary>
    public long MaxPendingBytes { get; init; } = 64L << 20;
}
