namespace Homer.Storage;

/// <summary>A writer with work pending and no successful write since <see cref="Since"/>.</summary>
public sealed record StalledWriter(string Writer, DateTimeOffset Since, string? LastError);

/// <summary>
/// Knows, per batch writer (messages, dialogs, …), whether it has work waiting and when it last made progress (a
/// successful write, or a refused row isolated and quarantined). A writer that has had work waiting without progress
/// for <see cref="StallAfter"/> is stalled: /healthz answers degraded naming it and the alarm engine raises
/// STORAGE_STALLED until it makes progress again. One per node (a service), never static: several nodes may share a
/// process in tests.
/// </summary>
public sealed class StorageWatchdog(TimeSpan stallAfter, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset? WaitingSince, string? LastError)> _writers = new(StringComparer.Ordinal);

    /// <summary>homer.storage.stall-after: how long pending work may wait without progress before the writer counts as stalled.</summary>
    public TimeSpan StallAfter { get; } = stallAfter;

    public static readonly TimeSpan DefaultStallAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What a writer reports after each attempt (and when work arrives): whether the attempt made progress and whether
    /// work is still waiting, with the error of a failed attempt.
    /// </summary>
    public void Report(string writer, bool progressed, bool pending, string? error = null)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _writers.TryGetValue(writer, out var state);
            if (!pending)
                state = (null, null);
            else if (progressed)
                state = (now, null);
            else
                state = (state.WaitingSince ?? now, error ?? state.LastError);
            _writers[writer] = state;
        }
    }

    /// <summary>Whether the writer has work waiting (stalled or not yet).</summary>
    public bool IsWaiting(string writer)
    {
        lock (_gate)
            return _writers.TryGetValue(writer, out var state) && state.WaitingSince is not null;
    }

    /// <summary>The writers stalled right now, by name.</summary>
    public IReadOnlyList<StalledWriter> Stalled()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return _writers
                .Where(w => w.Value.WaitingSince is { } since && now - since >= StallAfter)
                .Select(w => new StalledWriter(w.Key, w.Value.WaitingSince!.Value, w.Value.LastError))
                .OrderBy(w => w.Writer, StringComparer.Ordinal)
                .ToList();
        }
    }
}
