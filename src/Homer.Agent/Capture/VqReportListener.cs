using System.Net;
using System.Net.Sockets;
using System.Text;
using Homer.Agent.Output;

namespace Homer.Agent.Capture;

/// <summary>
/// A small SIP/UDP listener for RTCP-XR session reports (RFC 6035): phones configured to PUBLISH
/// <c>Event: vq-rtcpxr</c> to the agent get a 200 OK, and the PUBLISH goes on to the HEP outputs as SIP, where the
/// server attaches its quality figures to the call named in the report. Anything else is answered with a SIP error
/// (405 for other methods, 489 for other events) and counted, never forwarded.
/// </summary>
public sealed class VqReportListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly HepOutputGroup _output;
    private readonly HepPacketWriter _writer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly byte[] _localAddress;

    public long Received;
    public long Forwarded;
    public long Rejected;

    public IPEndPoint LocalEndPoint { get; }

    public VqReportListener(IPEndPoint bind, HepOutputGroup output, HepSettings settings)
    {
        _output = output;
        _writer = new HepPacketWriter(settings);
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _localAddress = (LocalEndPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : LocalEndPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : LocalEndPoint.Address).GetAddressBytes();
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[65_535];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // an ICMP error from an earlier reply; keep listening
            }
            Interlocked.Increment(ref Received);
            var sender = (IPEndPoint)result.RemoteEndPoint;
            var datagram = buffer.AsMemory(0, result.ReceivedBytes);
            var (status, reason) = Check(datagram.Span);
            try
            {
                var reply = Reply(datagram.Span, status, reason);
                if (reply is not null)
                    await _socket.SendToAsync(reply, SocketFlags.None, sender, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }
            if (status != 200)
            {
                Interlocked.Increment(ref Rejected);
                continue;
            }
            try
            {
                Forward(datagram.Span, sender);
            }
            catch (ObjectDisposedException)
            {
                return; // the outputs closed at the end of the run
            }
        }
    }

    /// <summary>200 for a vq-rtcpxr PUBLISH; otherwise the error it gets (0: not SIP at all, no answer).</summary>
    public static (int Status, string Reason) Check(ReadOnlySpan<byte> datagram)
    {
        var text = Encoding.UTF8.GetString(datagram);
        var firstLine = text.IndexOf("\r\n", StringComparison.Ordinal);
        if (firstLine < 0 || !text.AsSpan(0, firstLine).EndsWith(" SIP/2.0", StringComparison.Ordinal))
            return (0, "");
        if (!text.StartsWith("PUBLISH ", StringComparison.Ordinal))
            return (405, "Method Not Allowed");
        var @event = Header(text, "Event", "o");
        return @event is not null && @event.Split(';')[0].Trim().Equals("vq-rtcpxr", StringComparison.OrdinalIgnoreCase)
            ? (200, "OK")
            : (489, "Bad Event");
    }

    private static byte[]? Reply(ReadOnlySpan<byte> request, int status, string reason)
    {
        if (status == 0)
            return null;
        var text = Encoding.UTF8.GetString(request);
        var reply = new StringBuilder($"SIP/2.0 {status} {reason}\r\n");
        foreach (var line in HeaderLines(text))
        {
            var name = line[..line.IndexOf(':')].Trim();
            if (name.Equals("Via", StringComparison.OrdinalIgnoreCase) || name == "v"
                || name.Equals("From", StringComparison.OrdinalIgnoreCase) || name == "f"
                || name.Equals("Call-ID", StringComparison.OrdinalIgnoreCase) || name == "i"
                || name.Equals("CSeq", StringComparison.OrdinalIgnoreCase))
                reply.Append(line).Append("\r\n");
            else if (name.Equals("To", StringComparison.OrdinalIgnoreCase) || name == "t")
                reply.Append(line).Append(line.Contains(";tag=", StringComparison.Ordinal) ? "" : ";tag=homer-agent").Append("\r\n");
        }
        if (status == 405)
            reply.Append("Allow: PUBLISH\r\n");
        if (status == 489)
            reply.Append("Allow-Events: vq-rtcpxr\r\n");
        reply.Append("Content-Length: 0\r\n\r\n");
        return Encoding.UTF8.GetBytes(reply.ToString());
    }

    private void Forward(ReadOnlySpan<byte> publish, IPEndPoint sender)
    {
        var packet = new L4Packet
        {
            IsIpv6 = sender.AddressFamily == AddressFamily.InterNetworkV6,
            Protocol = 17,
            Source = sender.Address.GetAddressBytes(),
            Destination = _localAddress,
            SourcePort = (ushort)sender.Port,
            DestinationPort = (ushort)LocalEndPoint.Port,
            Payload = publish,
            TimestampMicros = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10,
        };
        lock (_writer)
            _output.Send(_writer.Write(ref packet));
        Interlocked.Increment(ref Forwarded);
    }

    private static IEnumerable<string> HeaderLines(string text)
    {
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end < 0 ? text : text[..end];
        foreach (var line in head.Split("\r\n").Skip(1))
            if (line.Contains(':'))
                yield return line;
    }

    private static string? Header(string text, string name, string compact)
    {
        foreach (var line in HeaderLines(text))
        {
            var colon = line.IndexOf(':');
            var n = line[..colon].Trim();
            if (n.Equals(name, StringComparison.OrdinalIgnoreCase) || n == compact)
                return line[(colon + 1)..].Trim();
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
