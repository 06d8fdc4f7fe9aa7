namespace Homer.Agent.Capture;

/// <summary>
/// Run-time changes to a live capture. The capture thread owns the pcap handle, so a new BPF filter is handed over
/// and applied between two reads; the caller learns whether libpcap accepted it.
/// </summary>
public sealed class LiveControl
{
    private (string Filter, TaskCompletionSource<string?> Done)? _pending;
    private readonly Lock _lock = new();

    public string? CurrentFilter { get; internal set; }

    /// <summary>Returns null when applied, or libpcap's error.</summary>
    public Task<string?> SetFilterAsync(string filter)
    {
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _pending?.Done.TrySetResult("superseded by a newer filter");
            _pending = (filter, done);
        }

        return done.Task;
    }

    internal bool TryTake(out string filter, out TaskCompletionSource<string?> done)
    {
        lock (_lock)
        {
            if (_pending is { } p)
            {
                _pending = null;
                (filter, done) = p;
                return true;
            }
        }

        filter = "";
        done = null!;
        return false;
    }

    /// <summary>Fails whatever is still waiting, once the capture has stopped.</summary>
    internal void Close()
    {
        if (TryTake(out _, out var done)) done.TrySetResult("capture is not running");
    }
}
