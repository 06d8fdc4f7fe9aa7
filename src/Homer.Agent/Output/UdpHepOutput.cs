using System.Net;
using System.Net.Sockets;

namespace Homer.Agent.Output;

/// <summary>HEP over UDP: one datagram per packet on a connected socket, so ICMP port-unreachable marks the server unhealthy.</summary>
public sealed class UdpHepOutput : IHepOutput
{
    private static readonly long UnhealthyTicks = TimeSpan.FromSeconds(1).Ticks;
    private readonly Socket _socket;
    private long _unhealthyUntil;

    public UdpHepOutput(HepTarget target, IPEndPoint endPoint)
    {
        Name = target.ToString();
        _socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.SendBufferSize = 4 << 20;
        _socket.Connect(endPoint);
    }

    public string Name { get; }
    public OutputStats Stats { get; } = new();
    public bool IsHealthy => DateTime.UtcNow.Ticks >= Volatile.Read(ref _unhealthyUntil);

    public bool Send(ReadOnlySpan<byte> packet)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _socket.Send(packet);
                Interlocked.Increment(ref Stats.Sent);
                Interlocked.Add(ref Stats.SentBytes, packet.Length);
                return true;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.NoBufferSpaceAvailable && attempt < 3)
            {
                Thread.Yield();
            }
            catch (SocketException)
            {
                // A refused datagram reports on the next send; that datagram is lost either way.
                Interlocked.Increment(ref Stats.Errors);
                Interlocked.Increment(ref Stats.Dropped);
                Volatile.Write(ref _unhealthyUntil, DateTime.UtcNow.Ticks + UnhealthyTicks);
                return false;
            }
        }
    }

    public Task<bool> FlushAsync(TimeSpan timeout) => Task.FromResult(true);

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
