using System.Net;
using System.Net.Sockets;

namespace Homer.Agent.Output;

public enum OutputMode
{
    /// <summary>Every packet to every server.</summary>
    Fanout,
    /// <summary>Every packet to the first healthy server in the order given.</summary>
    Failover,
}

/// <summary>A named set of HEP servers used together (fan-out or failover).</summary>
public sealed class HepOutputGroup : IAsyncDisposable
{
    public HepOutputGroup(string name, IReadOnlyList<IHepOutput> outputs, OutputMode mode)
    {
        Name = name;
        Outputs = outputs;
        Mode = mode;
        if (mode != OutputMode.Failover) return;
        // Failover needs to see a dead UDP server's refusal on the next datagram, not a batch later.
        foreach (var o in outputs)
            if (o is UdpHepOutput udp)
                udp.SendEachAtOnce();
    }

    public string Name { get; }
    public IReadOnlyList<IHepOutput> Outputs { get; }
    public OutputMode Mode { get; }
    /// <summary>Packets no server took (fan-out: counted per server in each output's stats instead).</summary>
    public long Undelivered;

    public static IHepOutput Create(HepTarget target, TcpOutputSettings tcp)
    {
        if (target.Transport is HepTransport.Tcp or HepTransport.Tls)
            return new TcpHepOutput(target, tcp);
        var addresses = Dns.GetHostAddresses(target.Host);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new UdpHepOutput(target, new IPEndPoint(address, target.Port));
    }

    public void Send(ReadOnlySpan<byte> packet)
    {
        if (Mode == OutputMode.Fanout)
        {
            foreach (var o in Outputs)
                o.Send(packet);
            return;
        }

        foreach (var o in Outputs)
            if (o.IsHealthy && o.Send(packet))
                return;
        // Nobody is up: the first server queues (TCP) or tries anyway (UDP).
        if (!Outputs[0].Send(packet))
            Interlocked.Increment(ref Undelivered);
    }

    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        var all = true;
        foreach (var o in Outputs)
            all &= await o.FlushAsync(timeout);
        return all;
    }

    public long Dropped
    {
        get
        {
            var d = Interlocked.Read(ref Undelivered);
            if (Mode == OutputMode.Fanout)
                foreach (var o in Outputs)
                    d += Interlocked.Read(ref o.Stats.Dropped);
            return d;
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var o in Outputs)
            await o.DisposeAsync();
    }
}
