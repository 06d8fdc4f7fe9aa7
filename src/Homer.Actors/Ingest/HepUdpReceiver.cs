using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Homer.Actors.Ingest;

/// <summary>
/// The UDP edge: a receive loop that copies each datagram into the one bounded buffer of the ingest path.
/// UDP cannot be backpressured, so when the graph falls behind this is the single place where packets are
/// dropped, and each drop is counted.
/// The loop is a dedicated thread blocked in the receive call: under load it finds the next datagram queued and
/// never sleeps, and when idle the kernel wakes this one thread. An asynchronous receive costs a hop through the
/// socket engine's thread and one to the pool per datagram, which on our 2-core machines was a large share of the
/// node's CPU (context switches) at 5 000 packets/s.
/// </summary>
public sealed class HepUdpReceiver : IAsyncDisposable
{
    // The largest UDP payload; HEP senders never exceed it.
    private const int MaxDatagram = 65_535;

    private readonly Socket _socket;
    private readonly ChannelWriter<HepDatagram> _output;
    private readonly IngestCounters _counters;
    private readonly ILogger _logger;
    private readonly HepSource _source;
    private readonly Thread _loop;
    private volatile bool _stopping;
    private long _lastDropLogTicks;

    public IPEndPoint LocalEndpoint { get; }

    public HepUdpReceiver(HepListenerOptions options, ChannelWriter<HepDatagram> output, IngestCounters counters, ILogger logger)
    {
        _output = output;
        _counters = counters;
        _logger = logger;
        _source = HepSource.For(options);
        _socket = new Socket(options.Endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        // A large kernel buffer absorbs bursts while the graph catches up; the kernel may cap it (net.core.rmem_max).
        _socket.ReceiveBufferSize = options.ReceiveBufferBytes;
        _socket.Bind(options.Endpoint);
        LocalEndpoint = (IPEndPoint)_socket.LocalEndPoint!;
        // Linux reports twice the granted size; anything below the request means net.core.rmem_max capped it.
        if (_socket.ReceiveBufferSize / 2 < options.ReceiveBufferBytes)
            _logger.LogWarning("HEP/UDP {Endpoint}: the kernel granted a {Granted} byte receive buffer of the {Wanted} asked; " +
                "raise net.core.rmem_max (run.sh does as root) or bursts will be dropped by the kernel",
                LocalEndpoint, _socket.ReceiveBufferSize / 2, options.ReceiveBufferBytes);
        _loop = new Thread(ReceiveLoop) { IsBackground = true, Name = $"hep-udp {LocalEndpoint}" };
        _loop.Start();
    }

    private void ReceiveLoop()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var address = new SocketAddress(LocalEndpoint.AddressFamily);
        var template = new IPEndPoint(LocalEndpoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        // Agents are few and send from one port each: the sender of the previous datagram is usually the sender of this one.
        var lastAddress = new SocketAddress(LocalEndpoint.AddressFamily);
        IPEndPoint? lastSender = null;
        while (!_stopping)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(buffer, SocketFlags.None, address);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                if (_stopping)
                    break;
                // ICMP errors and the like surface here on some kernels; they concern one datagram, not the socket.
                _logger.LogDebug(e, "UDP receive error on {Endpoint}", LocalEndpoint);
                continue;
            }

            _counters.OnReceived();
            if (lastSender is null || !address.Equals(lastAddress))
            {
                lastSender = (IPEndPoint)template.Create(address);
                address.Buffer.Span[..address.Size].CopyTo(lastAddress.Buffer.Span);
                lastAddress.Size = address.Size;
            }
            var datagram = new HepDatagram(buffer.AsSpan(0, received).ToArray(), lastSender, DateTimeOffset.UtcNow, _source);
            if (!_output.TryWrite(datagram))
                OnBufferFull(datagram);
        }
    }

    private void OnBufferFull(HepDatagram datagram)
    {
        _counters.OnDropped(DropReason.BufferFull);
        // One line per second at most: a flood of drops must not become a flood of log lines.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastDropLogTicks);
        if (now - last >= 1000 && Interlocked.CompareExchange(ref _lastDropLogTicks, now, last) == last)
            _logger.LogWarning("HEP/UDP ingest buffer full: dropping datagrams (last from {Sender}); {Dropped} dropped so far",
                datagram.Sender, _counters.Dropped(DropReason.BufferFull));
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        // Closing the socket ends the blocked receive (ObjectDisposedException or an interrupted-call SocketException).
        _socket.Close();
        await Task.Run(() => _loop.Join(TimeSpan.FromSeconds(5)));
    }
}
