using System.Net;
using System.Text;
using Homer.Hep;

namespace Homer.Benchmarks;

/// <summary>The inputs the targets are stated for: a ~700-byte HEP3 packet carrying an INVITE with SDP.</summary>
internal static class Samples
{
    public static readonly byte[] Invite = Encoding.ASCII.GetBytes(
        "INVITE sip:+4930123456@pbx.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n" +
        "To: <sip:+4930123456@pbx.example.com>\r\n" +
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@198.51.100.10:5060>\r\n" +
        "User-Agent: ExamplePhone/1.2.3\r\n" +
        "X-CID: leg-a-8f2c1e@sbc.example.com\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 197\r\n" +
        "\r\n" +
        "v=0\r\n" +
        "o=alice 2890844526 2890844526 IN IP4 198.51.100.10\r\n" +
        "s=-\r\n" +
        "c=IN IP4 198.51.100.10\r\n" +
        "t=0 0\r\n" +
        "m=audio 49170 RTP/AVP 0 8 101\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=sendrecv\r\n");

    public static readonly byte[] Hep3Invite = HepEncoder.Encode(new HepMessage
    {
        SourceAddress = IPAddress.Parse("198.51.100.10"),
        DestinationAddress = IPAddress.Parse("192.0.2.4"),
        SourcePort = 5060,
        DestinationPort = 5060,
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123),
        CaptureId = 2001,
        AuthKey = "myHep",
        NodeName = "sbc-1",
        Payload = Invite,
    });

    public static readonly byte[] VqReport = Encoding.ASCII.GetBytes(
        "VQSessionReport: CallTerm\r\nCallID: 6dg37f1890463@phone.example.org\r\n" +
        "LocalID: Carol <sip:carol@example.org>\r\nRemoteID: Dave <sip:dave@example.net>\r\n" +
        "LocalAddr: IP=10.10.1.100 PORT=5000 SSRC=0x2468abcd\r\nRemoteAddr: IP=11.1.1.150 PORT=5002 SSRC=0x1357ef01\r\n" +
        "LocalMetrics:\r\nTimestamps: START=2025-03-01T10:00:00Z STOP=2025-03-01T10:05:30Z\r\n" +
        "SessionDesc: PT=18 PD=G729 SR=8000 FD=20 FPP=2 PPS=50 PLC=3 SSUP=on\r\n" +
        "JitterBuffer: JBA=3 JBR=2 JBN=40 JBM=80 JBX=120\r\nPacketLoss: NLR=5.0 JDR=2.0\r\n" +
        "BurstGapLoss: BLD=0 BD=0 GLD=2.0 GD=500 GMIN=16\r\nDelay: RTD=200 ESD=140 SOWD=200 IAJ=2 MAJ=10\r\n" +
        "Signal: SL=-21 NL=-50 RERL=55\r\nQualityEst: RLQ=88 RCQ=85 EXTRI=90 MOSLQ=4.2 MOSCQ=4.3 QoEEstAlg=P.564\r\n" +
        "DialogID: 1890463548@phone.example.org;to-tag=8472761;from-tag=9123dh311\r\n");

    public static readonly byte[] RtcpJson = Encoding.ASCII.GetBytes(
        "{\"type\":200,\"ssrc\":287454020,\"report_count\":1,\"report_blocks\":[{\"source_ssrc\":1432778632," +
        "\"highest_seq_no\":70000,\"fraction_lost\":64,\"ia_jitter\":35,\"packets_lost\":12,\"lsr\":2864434397,\"dlsr\":65536}]," +
        "\"sender_information\":{\"ntp_timestamp_sec\":3913056000,\"ntp_timestamp_usec\":500000,\"octets\":160000," +
        "\"rtp_timestamp\":160000,\"packets\":1000}}");
}
