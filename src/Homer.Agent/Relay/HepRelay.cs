using System.Net;
using System.Net.Sockets;
using Homer.Agent.Output;
using Homer.Hep;

namespace Homer.Agent.Relay;

/// <summary>Relay counters; read by the summary and <c>GET /api/stats</c>.</summary>
public sealed class RelayStats
{
    /// <summary>HEP packets (UDP datagrams, or packets framed on a TCP stream) that arrived, valid or not.</summary>
    public long Received;
    /// <summary>Valid packets handed to the outputs (which count their own drops).</summary>
    public long Forwarded;
    /// <summary>Datagrams and framed packets that are not HEP, dropped and not forwarded.</summary>
    public long Invalid;
    /// <summary>Bytes skipped on TCP streams to find the next "HEP3" (garbage between packets, HEPv1/v2 which TCP cannot frame).</summary>
    public long StreamBytesSkipped;
    public long UdpReceived;
    public long TcpReceived;
    public long TcpConnections;
    /// <summary>HEPv1/v2 packets re-encoded as HEP3 because a TCP/TLS server cannot frame v1/v2 (they carry no length).</summary>
    public long Converted;
}

/// <summary>
/// Relay mode: takes HEP from remote agents on UDP and TCP listeners and forwards every valid packet, byte for byte
/// (capture id, timestamps, node name, every chunk as the agent wrote it), to one output group, whose TCP/TLS servers
/// get them aggregated (all that is queued in one write, up to 64 KiB) and through the disk buffer while down, and
/// whose UDP servers get them in <c>sendmmsg</c> batches. Each packet is checked with <see cref="HepDecoder"/> only to
/// keep garbage from the servers: it is counted, logged (rate-limited) and dropped. Nothing is re-encoded, except
/// HEPv1/v2 datagrams bound for a TCP/TLS server, which cannot carry them (see <see cref="RelayStats.Converted"/>).
/// </summary>
public sealed class HepRelay : IAsyncDisposable
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private readonly HepOutputGroup _output;
    private readonly Action<string> _log;
    private readonly List<Socket> _sockets = [];
    private readonly List<Thread> _threads = [];
    private readonly List<Socket> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _logGate = new();
    private DateTime _lastLog = DateTime.MinValue;
    private long _invalidAtLastLog;

    private readonly bool _streamOutputs;

    public HepRelay(IReadOnlyList<HepTarget> listen, HepOutputGroup output, Action<string> log)
    {
        _output = output;
        _log = log;
        _streamOutputs = output.Outputs.Any(o => o is TcpHepOutput);
        try
        {
            foreach (var l in listen)
            {
                var address = IPAddress.Parse(l.Host);
                var endPoint = new IPEndPoint(address, l.Port);
                if (l.Transport == HepTransport.Udp)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 16 << 20 };
                    socket.Bind(endPoint);
                    _sockets.Add(socket);
                    LocalEndPoints.Add(new HepTarget(HepTransport.Udp, l.Host, ((IPEndPoint)socket.LocalEndPoint!).Port));
                    Start($"relay udp {endPoint}", () => UdpLoop(socket));
                }
                else
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    socket.Bind(endPoint);
                    socket.Listen(512);
                    _sockets.Add(socket);
                    LocalEndPoints.Add(new HepTarget(HepTransport.Tcp, l.Host, ((IPEndPoint)socket.LocalEndPoint!).Port));
                    Start($"relay tcp {endPoint}", () => AcceptLoop(socket));
                }
            }
        }
        catch
        {
            foreach (var s in _sockets) s.Dispose();
            throw;
        }
    }

    public RelayStats Stats { get; } = new();
    /// <summary>Where the relay listens (port 0 resolved).</summary>
    public List<HepTarget> LocalEndPoints { get; } = [];

    /// <summary>Parses a <c>--listen</c> value: <c>udp:ADDRESS:PORT</c> or <c>tcp:ADDRESS:PORT</c>, comma-separated.</summary>
    public static List<HepTarget> ParseListen(IEnumerable<string> values)
    {
        var result = new List<HepTarget>();
        foreach (var text in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!HepTarget.TryParse(text, out var target, out var error)) throw new FormatException(error);
            if (target!.Transport == HepTransport.Tls) throw new FormatException($"'{text}': the relay listens on udp or tcp (TLS: put a TLS terminator in front).");
            if (!IPAddress.TryParse(target.Host, out _)) throw new FormatException($"'{text}': listen on an IP address, e.g. 0.0.0.0.");
            result.Add(target);
        }

        if (result.Count == 0) throw new FormatException("give at least one udp:ADDRESS:PORT or tcp:ADDRESS:PORT to listen on.");
        return result;
    }

    private void Start(string name, Action loop)
    {
        var thread = new Thread(() => loop()) { IsBackground = true, Name = name };
        _threads.Add(thread);
        thread.Start();
    }

    private void UdpLoop(Socket socket)
    {
        var buffer = new byte[65_536];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested) return;
                // ICMP errors surface on receive for some kernels; the socket stays usable.
                continue;
            }

            Interlocked.Increment(ref Stats.UdpReceived);
            Forward(buffer.AsSpan(0, n), "udp");
        }
    }

    private void AcceptLoop(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }

            Interlocked.Increment(ref Stats.TcpConnections);
            lock (_connections) _connections.Add(connection);
            var thread = new Thread(() => Read(connection)) { IsBackground = true, Name = $"relay conn {connection.RemoteEndPoint}" };
            thread.Start();
        }
    }

    private void Read(Socket connection)
    {
        var remote = connection.RemoteEndPoint?.ToString() ?? "?";
        var framer = new HepStreamFramer(HepGarbagePolicy.Resync);
        var buffer = new byte[65_536];
        var skipped = 0L;
        var inGarbage = false;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = connection.Receive(buffer);
                if (n == 0) break;
                framer.Append(buffer.AsSpan(0, n));
                while (true)
                {
                    var result = framer.Next(out var packet);
                    if (framer.SkippedBytes != skipped)
                    {
                        Interlocked.Add(ref Stats.StreamBytesSkipped, framer.SkippedBytes - skipped);
                        skipped = framer.SkippedBytes;
                        // One run of garbage between two packets counts once, however the reads cut it.
                        if (!inGarbage)
                        {
                            Interlocked.Increment(ref Stats.Invalid);
                            Report($"skipping bytes that are not HEP3 on tcp {remote} ({framer.LastSkipReason})");
                        }

                        inGarbage = true;
                    }

                    if (result != HepFrameResult.Packet) break;
                    inGarbage = false;
                    Interlocked.Increment(ref Stats.TcpReceived);
                    Forward(packet, $"tcp {remote}");
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_connections) _connections.Remove(connection);
            connection.Dispose();
        }
    }

    private void Forward(ReadOnlySpan<byte> packet, string from)
    {
        Interlocked.Increment(ref Stats.Received);
        if (!HepDecoder.TryDecode(packet, out var decoded, out var error, out var offset))
        {
            Interlocked.Increment(ref Stats.Invalid);
            Report($"dropped {packet.Length} bytes from {from} that are not HEP: {error} at byte {offset}");
            return;
        }

        if (packet[0] is 1 or 2 && _streamOutputs)
        {
            // A TCP stream frames on HEP3's length, which v1/v2 lack: the one case where the packet is re-encoded,
            // with everything v1/v2 carry (addresses, ports, time, capture id, payload).
            _output.Send(HepEncoder.Encode(decoded.ToMessage(packet).ToHep3()));
            Interlocked.Increment(ref Stats.Converted);
        }
        else
        {
            _output.Send(packet);
        }

        Interlocked.Increment(ref Stats.Forwarded);
    }

    /// <summary>The first invalid packet is logged at once, then one line per <see cref="LogInterval"/> at most, with the count.</summary>
    private void Report(string what)
    {
        lock (_logGate)
        {
            var now = DateTime.UtcNow;
            if (now - _lastLog < LogInterval) return;
            var invalid = Interlocked.Read(ref Stats.Invalid);
            var since = invalid - _invalidAtLastLog;
            _lastLog = now;
            _invalidAtLastLog = invalid;
            _log(since > 1 ? $"relay: {since} invalid since the last report; last: {what}" : $"relay: {what}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        foreach (var s in _sockets) s.Dispose();
        lock (_connections)
            foreach (var c in _connections)
                c.Dispose();
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
