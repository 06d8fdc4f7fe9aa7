using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Homer.Hep;

namespace Homer.Agent.Tests;

/// <summary>A HEP server for tests: UDP or TCP on 127.0.0.1, every packet decoded with our <see cref="HepDecoder"/>.</summary>
public sealed class HepReceiver : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Socket _socket;
    private readonly Task _loop;
    private readonly List<Socket> _connections = [];

    public ConcurrentQueue<HepMessage> Messages { get; } = new();
    public ConcurrentQueue<byte[]> Raw { get; } = new();
    public int DecodeErrors;
    public int Port { get; }
    public bool IsTcp { get; }

    private HepReceiver(bool tcp, int port)
    {
        IsTcp = tcp;
        _socket = tcp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        if (!tcp) _socket.ReceiveBufferSize = 16 << 20;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        if (tcp)
        {
            _socket.Listen(16);
            _loop = Task.Run(AcceptLoop);
        }
        else
        {
            _loop = Task.Run(UdpLoop);
        }
    }

    public static HepReceiver Udp(int port = 0) => new(false, port);
    public static HepReceiver Tcp(int port = 0) => new(true, port);

    public string Target => $"{(IsTcp ? "tcp" : "udp")}:127.0.0.1:{Port}";

    private async Task UdpLoop()
    {
        var buffer = new byte[70_000];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            Accept(buffer.AsSpan(0, n));
        }
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket c;
            try
            {
                c = await _socket.AcceptAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            lock (_connections) _connections.Add(c);
            _ = Task.Run(() => ReadConnection(c));
        }
    }

    private async Task ReadConnection(Socket c)
    {
        var framer = new HepStreamFramer(HepGarbagePolicy.Close);
        var buffer = new byte[65_536];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = await c.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) return;
                framer.Append(buffer.AsSpan(0, n));
                while (true)
                {
                    var r = framer.Next(out var packet);
                    if (r == HepFrameResult.Packet) Accept(packet);
                    else if (r == HepFrameResult.Closed)
                    {
                        Interlocked.Increment(ref DecodeErrors);
                        return;
                    }
                    else break;
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
        }
        finally
        {
            c.Dispose();
        }
    }

    private void Accept(ReadOnlySpan<byte> data)
    {
        Raw.Enqueue(data.ToArray());
        if (HepDecoder.TryDecode(data, out var packet, out _, out _))
            Messages.Enqueue(packet.ToMessage(data));
        else
            Interlocked.Increment(ref DecodeErrors);
    }

    public async Task<bool> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Messages.Count < count)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>Waits until no packet arrived for <paramref name="quiet"/>, so tests can assert nothing extra came.</summary>
    public async Task SettleAsync(TimeSpan quiet)
    {
        var last = -1;
        while (Messages.Count != last)
        {
            last = Messages.Count;
            await Task.Delay(quiet);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        lock (_connections)
            foreach (var c in _connections)
                c.Dispose();
        try { await _loop; } catch (Exception) { }
        _stop.Dispose();
    }
}
