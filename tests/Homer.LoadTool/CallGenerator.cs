using System.Net;
using System.Text;
using Homer.Hep;

namespace Homer.LoadTool;

/// <summary>
/// Realistic SIP calls as a capture agent would see them: INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE, 200,
/// each with a distinct Call-ID, tags and branches, between a pool of phones and a proxy.
/// </summary>
public sealed class CallGenerator(string runId, uint captureId, string? authKey)
{
    public const int MessagesPerCall = 7;
    private static readonly IPAddress Proxy = IPAddress.Parse("198.51.100.1");
    private long _calls;

    public sealed class Call(string callId, string[] messages, IPAddress phone)
    {
        public string CallId { get; } = callId;
        public string[] Messages { get; } = messages;
        public IPAddress Phone { get; } = phone;
        public int Next { get; set; }
        public bool Done => Next >= Messages.Length;
    }

    public Call NewCall()
    {
        var n = Interlocked.Increment(ref _calls);
        var callId = $"{runId}-{n}@load.homer";
        var phone = new IPAddress([10, (byte)(n >> 16 & 0xff), (byte)(n >> 8 & 0xff), (byte)(n & 0xff | 1)]);
        var from = $"10{n % 100000:D5}";
        var to = $"20{n * 7 % 100000:D5}";
        var sdp = $"v=0\r\no=- {n} 1 IN IP4 {phone}\r\ns=-\r\nc=IN IP4 {phone}\r\nt=0 0\r\nm=audio {20000 + n % 20000 * 2} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
        string Headers(string via, string toTag, int cseq, string method) =>
            $"Via: SIP/2.0/UDP {phone}:5060;branch=z9hG4bK{n}{via}\r\n" +
            $"From: <sip:{from}@pbx.example.com>;tag=f{n}\r\n" +
            $"To: <sip:{to}@carrier.example.net>{toTag}\r\n" +
            $"Call-ID: {callId}\r\nCSeq: {cseq} {method}\r\n";
        string Body(string? body) => body is null
            ? "Content-Length: 0\r\n\r\n"
            : $"Content-Type: application/sdp\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\n\r\n{body}";
        var tag = $";tag=t{n}";
        string[] messages =
        [
            $"INVITE sip:{to}@carrier.example.net SIP/2.0\r\n{Headers("a", "", 1, "INVITE")}Max-Forwards: 70\r\nContact: <sip:{from}@{phone}:5060>\r\nUser-Agent: LoadPhone/1.0\r\n{Body(sdp)}",
            $"SIP/2.0 100 Trying\r\n{Headers("a", "", 1, "INVITE")}Server: LoadProxy/1.0\r\n{Body(null)}",
            $"SIP/2.0 180 Ringing\r\n{Headers("a", tag, 1, "INVITE")}Contact: <sip:{to}@{Proxy}:5060>\r\n{Body(null)}",
            $"SIP/2.0 200 OK\r\n{Headers("a", tag, 1, "INVITE")}Contact: <sip:{to}@{Proxy}:5060>\r\n{Body(sdp.Replace(phone.ToString(), Proxy.ToString()))}",
            $"ACK sip:{to}@{Proxy}:5060 SIP/2.0\r\n{Headers("b", tag, 1, "ACK")}Max-Forwards: 70\r\n{Body(null)}",
            $"BYE sip:{to}@{Proxy}:5060 SIP/2.0\r\n{Headers("c", tag, 2, "BYE")}Max-Forwards: 70\r\n{Body(null)}",
            $"SIP/2.0 200 OK\r\n{Headers("c", tag, 2, "BYE")}{Body(null)}",
        ];
        return new Call(callId, messages, phone);
    }

    /// <summary>HEP3 of the call's next message, stamped now; requests go phone → proxy, responses back.</summary>
    public byte[] NextPacket(Call call)
    {
        var text = call.Messages[call.Next++];
        var fromPhone = !text.StartsWith("SIP/2.0", StringComparison.Ordinal);
        return HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = 2,
            IpProtocol = 17,
            SourceAddress = fromPhone ? call.Phone : Proxy,
            DestinationAddress = fromPhone ? Proxy : call.Phone,
            SourcePort = 5060,
            DestinationPort = 5060,
            Timestamp = DateTimeOffset.UtcNow,
            ProtocolType = 1,
            CaptureId = captureId,
            AuthKey = authKey,
            Payload = Encoding.ASCII.GetBytes(text),
        });
    }
}
