namespace Homer.Agent.Output;

/// <summary>One HEP server. <see cref="Send"/> never blocks the capture thread for long: TCP queues, UDP sends.</summary>
public interface IHepOutput : IAsyncDisposable
{
    string Name { get; }
    /// <summary>False while the server is known to be unreachable; failover skips it.</summary>
    bool IsHealthy { get; }
    OutputStats Stats { get; }
    /// <summary>Returns false when the packet was dropped (counted in <see cref="OutputStats.Dropped"/>).</summary>
    bool Send(ReadOnlySpan<byte> packet);
    /// <summary>Waits until everything queued was written, or the timeout. True when nothing is left.</summary>
    Task<bool> FlushAsync(TimeSpan timeout);
}

public sealed class OutputStats
{
    public long Sent;
    public long SentBytes;
    public long Dropped;
    public long Errors;
    public long Connects;
    public long Queued;
    public long Spilled;
    public long Replayed;
    /// <summary>TCP/TLS: writes to the connection; fewer than <see cref="Sent"/> when packets were aggregated.</summary>
    public long Writes;
}
