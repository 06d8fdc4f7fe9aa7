using System.Text.Json;

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

    /// <summary>The counters as JSON properties, for the end-of-run summary and the live API's stats.</summary>
    public void WriteCounters(Utf8JsonWriter w)
    {
        w.WriteNumber("sent", Interlocked.Read(ref Sent));
        w.WriteNumber("bytes", Interlocked.Read(ref SentBytes));
        w.WriteNumber("dropped", Interlocked.Read(ref Dropped));
        w.WriteNumber("errors", Interlocked.Read(ref Errors));
        w.WriteNumber("connects", Interlocked.Read(ref Connects));
        w.WriteNumber("spilled", Interlocked.Read(ref Spilled));
        w.WriteNumber("replayed", Interlocked.Read(ref Replayed));
        w.WriteNumber("writes", Interlocked.Read(ref Writes));
    }
}
