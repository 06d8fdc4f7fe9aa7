namespace Homer.Actors.Dialogs;

/// <summary>
/// The timers of a <see cref="DialogHost"/>'s dialogs (checkpoint, idle, restore and read timeouts), kept by the host
/// in one queue with one Akka timer for the earliest, instead of an Akka timer per dialog and kind: every call started
/// and cancelled three or four of those, each five objects and a trip through the scheduler's wheel. A timer may fire
/// up to <see cref="Coalesce"/> late, never early, and timers due together fire in one wake-up in deadline order.
/// Not thread-safe: the host's own message handling is its only user.
/// </summary>
public sealed class DialogTimers
{
    /// <summary>The host's one Akka timer message: some dialog timer is due.</summary>
    public sealed class Wake
    {
        public static readonly Wake Instance = new();
    }

    /// <summary>How late a timer may fire so that a busy host wakes at most this often.</summary>
    public static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(CoalesceMs);

    private const long CoalesceMs = 10;

    /// <summary>
    /// The clock of the deadlines, in milliseconds: the high-resolution one. <see cref="Environment.TickCount64"/> moves
    /// in steps of several milliseconds on Linux, so a timer of 1 ms woke the host before the clock had moved and
    /// waited for the next wake-up.
    /// </summary>
    public static long NowMs() => System.Diagnostics.Stopwatch.GetTimestamp() / (System.Diagnostics.Stopwatch.Frequency / 1000);

    // Deadlines in NowMs milliseconds. The queue keeps entries of timers since restarted or cancelled
    // (removing from a heap is a search); the dictionary says which entry is current, and stale ones are skipped.
    private readonly PriorityQueue<HostedDialog.Due, long> _queue = new();
    private readonly Dictionary<HostedDialog.Due, long> _deadlines = new(ReferenceEqualityComparer.Instance);
    /// <summary>When the host's Akka timer fires; 0 while none is set.</summary>
    private long _wakeAtMs;

    /// <summary>Timers set.</summary>
    public int Count => _deadlines.Count;

    /// <summary>Entries in the queue, stale ones included: at most about four per timer set.</summary>
    public int Queued => _queue.Count;

    /// <summary>
    /// Starts (or restarts) <paramref name="due"/>'s timer. Returns the delay to set the host's Akka timer to when it
    /// must wake earlier than it is set to, else null.
    /// </summary>
    public TimeSpan? Start(HostedDialog.Due due, TimeSpan delay, long nowMs)
    {
        var at = nowMs + Math.Max(0, (long)Math.Ceiling(delay.TotalMilliseconds));
        _deadlines[due] = at;
        _queue.Enqueue(due, at);
        if (_queue.Count > 4 * _deadlines.Count + 64)
            Compact();
        if (_wakeAtMs != 0 && _wakeAtMs <= at + CoalesceMs)
            return null;
        _wakeAtMs = at;
        return TimeSpan.FromMilliseconds(at - nowMs);
    }

    public void Cancel(HostedDialog.Due due) => _deadlines.Remove(due);

    /// <summary>
    /// The timers due at <paramref name="nowMs"/>, earliest first. Each is still to be confirmed with <see cref="Fire"/>
    /// just before it runs: running an earlier one may cancel or restart a later one.
    /// </summary>
    public (HostedDialog.Due Due, long At)[] TakeDue(long nowMs)
    {
        _wakeAtMs = 0;
        List<(HostedDialog.Due, long)>? taken = null;
        while (_queue.TryPeek(out var due, out var at) && at <= nowMs)
        {
            _queue.Dequeue();
            if (_deadlines.TryGetValue(due, out var current) && current == at)
                (taken ??= []).Add((due, at));
        }
        return taken?.ToArray() ?? [];
    }

    /// <summary>Whether the timer taken by <see cref="TakeDue"/> for <paramref name="at"/> is still set; if so it is done now.</summary>
    public bool Fire(HostedDialog.Due due, long at)
    {
        if (!_deadlines.TryGetValue(due, out var current) || current != at)
            return false;
        _deadlines.Remove(due);
        return true;
    }

    /// <summary>After a wake-up: how long until the next one (at least <see cref="Coalesce"/>), or null when no timer is set.</summary>
    public TimeSpan? WakeIn(long nowMs)
    {
        while (_queue.TryPeek(out var due, out var at))
        {
            if (_deadlines.TryGetValue(due, out var current) && current == at)
            {
                if (_wakeAtMs != 0 && _wakeAtMs <= at + CoalesceMs)
                    return null;
                _wakeAtMs = Math.Max(at, nowMs + CoalesceMs);
                return TimeSpan.FromMilliseconds(_wakeAtMs - nowMs);
            }
            _queue.Dequeue();
        }
        return null;
    }

    private void Compact()
    {
        _queue.Clear();
        foreach (var (due, at) in _deadlines)
            _queue.Enqueue(due, at);
    }
}
