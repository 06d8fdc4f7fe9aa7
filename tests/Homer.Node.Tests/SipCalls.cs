using System.Net;
using System.Text;
using Homer.Hep;

namespace Homer.Node.Tests;

/// <summary>Realistic SIP call flows, encoded as HEP3 the way a capture agent sends them.</summary>
public static class SipCalls
{
    public static readonly IPAddress Caller = IPAddress.Parse("192.0.2.10");
    public static readonly IPAddress Proxy = IPAddress.Parse("198.51.100.20");

    public sealed record Leg(string Text, IPAddress Source, int SourcePort, IPAddress Destination, int DestinationPort, DateTimeOffset Timestamp)
    {
        public string? Method => Text.StartsWith("SIP/2.0", StringComparison.Ordinal) ? null : Text[..Text.IndexOf(' ')];
        public int? Status => Text.StartsWith("SIP/2.0", StringComparison.Ordinal) ? int.Parse(Text.AsSpan(8, 3)) : null;
    }

    /// <summary>INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE, 200: the 7-message call.</summary>
    public static IReadOnlyList<Leg> BasicCall(string callId, string from, string to, DateTimeOffset start)
    {
        var sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n";
        string Request(string method, int cseq, string? body = null, string toTag = "") =>
            $"{method} sip:{to}@example.net SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK{callId[..6]}{cseq}{method[0]}\r\n" +
            "Max-Forwards: 70\r\n" +
            $"From: \"{from}\" <sip:{from}@example.com>;tag=caller1\r\n" +
            $"To: <sip:{to}@example.net>{toTag}\r\n" +
            $"Call-ID: {callId}\r\n" +
            $"CSeq: {cseq} {method}\r\n" +
            "User-Agent: TestPhone/1.0\r\n" +
            (body is null ? "Content-Length: 0\r\n\r\n" : $"Content-Type: application/sdp\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        string Response(int status, string reason, int cseq, string method, string toTag = "", string? body = null) =>
            $"SIP/2.0 {status} {reason}\r\n" +
            $"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK{callId[..6]}{cseq}{method[0]}\r\n" +
            $"From: \"{from}\" <sip:{from}@example.com>;tag=caller1\r\n" +
            $"To: <sip:{to}@example.net>{toTag}\r\n" +
            $"Call-ID: {callId}\r\n" +
            $"CSeq: {cseq} {method}\r\n" +
            "Server: TestProxy/2.0\r\n" +
            (body is null ? "Content-Length: 0\r\n\r\n" : $"Content-Type: application/sdp\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");

        const string tag = ";tag=callee9";
        return
        [
            new(Request("INVITE", 1, sdp), Caller, 5060, Proxy, 5060, start),
            new(Response(100, "Trying", 1, "INVITE"), Proxy, 5060, Caller, 5060, start.AddTicks(12_340)),
            new(Response(180, "Ringing", 1, "INVITE", tag), Proxy, 5060, Caller, 5060, start.AddMilliseconds(800)),
            new(Response(200, "OK", 1, "INVITE", tag, sdp), Proxy, 5060, Caller, 5060, start.AddSeconds(3).AddTicks(4_560)),
            new(Request("ACK", 1, toTag: tag), Caller, 5060, Proxy, 5060, start.AddSeconds(3).AddMilliseconds(20)),
            new(Request("BYE", 2, toTag: tag), Caller, 5060, Proxy, 5060, start.AddSeconds(30)),
            new(Response(200, "OK", 2, "BYE", tag), Proxy, 5060, Caller, 5060, start.AddSeconds(30).AddMilliseconds(15)),
        ];
    }

    public static byte[] Hep3(Leg leg, uint captureId = 2001, byte protocolType = 1, byte[]? payload = null, string? authKey = null) =>
        HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = 2,
            IpProtocol = 17,
            SourceAddress = leg.Source,
            DestinationAddress = leg.Destination,
            SourcePort = (ushort)leg.SourcePort,
            DestinationPort = (ushort)leg.DestinationPort,
            Timestamp = leg.Timestamp,
            ProtocolType = protocolType,
            CaptureId = captureId,
            Payload = payload ?? Encoding.UTF8.GetBytes(leg.Text),
            AuthKey = authKey,
        });

    /// <summary>Microsecond-aligned "now", as HEP carries it.</summary>
    public static DateTimeOffset NowMicros()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - now.Ticks % 10, TimeSpan.Zero);
    }
}
