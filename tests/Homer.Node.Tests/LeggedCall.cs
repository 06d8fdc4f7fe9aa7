using System.Net;
using System.Text;

namespace Homer.Node.Tests;

/// <summary>
/// A call through a B2BUA/SBC: the caller is challenged (407), re-sends with credentials, the SBC opens a B-leg
/// (Call-ID with the "_b2b-1" suffix and an X-CID naming the A-leg) whose INVITE is retransmitted once; ringing,
/// answer, ACKs, BYE from the caller relayed to the callee. 17 SIP messages in capture order.
/// </summary>
public static class LeggedCall
{
    public static readonly IPAddress Caller = IPAddress.Parse("192.0.2.10");
    public static readonly IPAddress Sbc = IPAddress.Parse("198.51.100.20");
    public static readonly IPAddress Callee = IPAddress.Parse("203.0.113.30");

    public static string BLegOf(string aLeg) => aLeg + "_b2b-1";

    /// <summary>Labels of the 17 arrows, in order, with the leg (0 = A) each belongs to.</summary>
    public static readonly (string Label, int Leg)[] Expected =
    [
        ("INVITE (SDP)", 0), ("407 Proxy Authentication Required", 0), ("ACK", 0), ("INVITE (SDP)", 0), ("100 Trying", 0),
        ("INVITE (SDP)", 1), ("INVITE (SDP)", 1), ("180 Ringing", 1), ("180 Ringing", 0), ("200 OK (SDP)", 1), ("200 OK (SDP)", 0),
        ("ACK", 1), ("ACK", 0), ("BYE", 0), ("BYE", 1), ("200 OK", 1), ("200 OK", 0),
    ];

    /// <summary>Index in <see cref="Expected"/> of the retransmitted B-leg INVITE.</summary>
    public const int Retransmission = 6;
    public const int Authorized = 3;

    public static IReadOnlyList<SipCalls.Leg> Build(string callId, string from, string to, DateTimeOffset start)
    {
        var b = BLegOf(callId);
        var sdpA = Sdp(Caller, 40000);
        var sdpB = Sdp(Callee, 50000);
        string Req(string method, string cid, int cseq, string branch, string via, string fromUser, string toUser, string toTag, string? body,
            string extra = "") =>
            $"{method} sip:{toUser}@example.net SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP {via};branch={branch}\r\n" +
            "Max-Forwards: 70\r\n" +
            $"From: <sip:{fromUser}@example.com>;tag=from-{cid.Length}\r\n" +
            $"To: <sip:{toUser}@example.net>{toTag}\r\n" +
            $"Call-ID: {cid}\r\n" +
            $"CSeq: {cseq} {method}\r\n" +
            extra +
            (body is null ? "Content-Length: 0\r\n\r\n" : $"Content-Type: application/sdp\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        string Resp(int status, string reason, string cid, int cseq, string method, string branch, string via, string fromUser, string toUser,
            string toTag, string? body = null, string extra = "") =>
            $"SIP/2.0 {status} {reason}\r\n" +
            $"Via: SIP/2.0/UDP {via};branch={branch}\r\n" +
            $"From: <sip:{fromUser}@example.com>;tag=from-{cid.Length}\r\n" +
            $"To: <sip:{toUser}@example.net>{toTag}\r\n" +
            $"Call-ID: {cid}\r\n" +
            $"CSeq: {cseq} {method}\r\n" +
            extra +
            (body is null ? "Content-Length: 0\r\n\r\n" : $"Content-Type: application/sdp\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");

        const string aVia = "192.0.2.10:5060";
        const string bVia = "198.51.100.20:5080";
        const string aTag = ";tag=sbc-a";
        const string bTag = ";tag=callee-b";
        var xcid = $"X-CID: {callId}\r\n";
        var auth = "Proxy-Authorization: Digest username=\"" + from + "\", realm=\"example.net\", nonce=\"abc\", uri=\"sip:" + to + "@example.net\", response=\"0123456789abcdef\"\r\n";
        var challenge = "Proxy-Authenticate: Digest realm=\"example.net\", nonce=\"abc\"\r\n";
        var inviteB = Req("INVITE", b, 1, "z9hG4bKb1", bVia, from, to, "", sdpA, xcid);
        var t = start;
        SipCalls.Leg A(string text, bool fromCaller, int ms) => new(text, fromCaller ? Caller : Sbc, 5060, fromCaller ? Sbc : Caller, 5060, t.AddMilliseconds(ms));
        SipCalls.Leg B(string text, bool fromSbc, int ms) => new(text, fromSbc ? Sbc : Callee, fromSbc ? 5080 : 5060, fromSbc ? Callee : Sbc, fromSbc ? 5060 : 5080, t.AddMilliseconds(ms));
        return
        [
            A(Req("INVITE", callId, 1, "z9hG4bKa1", aVia, from, to, "", sdpA), true, 0),
            A(Resp(407, "Proxy Authentication Required", callId, 1, "INVITE", "z9hG4bKa1", aVia, from, to, ";tag=sbc-407", extra: challenge), false, 10),
            A(Req("ACK", callId, 1, "z9hG4bKa1", aVia, from, to, ";tag=sbc-407", null), true, 20),
            A(Req("INVITE", callId, 2, "z9hG4bKa2", aVia, from, to, "", sdpA, auth), true, 40),
            A(Resp(100, "Trying", callId, 2, "INVITE", "z9hG4bKa2", aVia, from, to, ""), false, 45),
            B(inviteB, true, 50),
            B(inviteB, true, 550),
            B(Resp(180, "Ringing", b, 1, "INVITE", "z9hG4bKb1", bVia, from, to, bTag, extra: xcid), false, 700),
            A(Resp(180, "Ringing", callId, 2, "INVITE", "z9hG4bKa2", aVia, from, to, aTag), false, 710),
            B(Resp(200, "OK", b, 1, "INVITE", "z9hG4bKb1", bVia, from, to, bTag, sdpB, xcid), false, 3000),
            A(Resp(200, "OK", callId, 2, "INVITE", "z9hG4bKa2", aVia, from, to, aTag, sdpB), false, 3010),
            B(Req("ACK", b, 1, "z9hG4bKb2", bVia, from, to, bTag, null, xcid), true, 3020),
            A(Req("ACK", callId, 2, "z9hG4bKa3", aVia, from, to, aTag, null), true, 3030),
            A(Req("BYE", callId, 3, "z9hG4bKa4", aVia, from, to, aTag, null), true, 20000),
            B(Req("BYE", b, 2, "z9hG4bKb3", bVia, from, to, bTag, null, xcid), true, 20010),
            B(Resp(200, "OK", b, 2, "BYE", "z9hG4bKb3", bVia, from, to, bTag, extra: xcid), false, 20030),
            A(Resp(200, "OK", callId, 3, "BYE", "z9hG4bKa4", aVia, from, to, aTag), false, 20040),
        ];
    }

    /// <summary>An RFC 6035 report about the A-leg, as HEP type 35 text.</summary>
    public static string VqReport(string callId) =>
        "VQSessionReport: CallTerm\r\n" +
        $"CallID: {callId}\r\n" +
        "LocalID: <sip:alice@example.com>\r\nRemoteID: <sip:bob@example.net>\r\nOrigID: <sip:alice@example.com>\r\n" +
        "LocalAddr: IP=192.0.2.10 PORT=40000 SSRC=0x11223344\r\nRemoteAddr: IP=203.0.113.30 PORT=50000 SSRC=0x55667788\r\n" +
        "LocalMetrics:\r\nTimestamps: START=2026-11-27T06:00:00Z STOP=2026-11-27T06:00:20Z\r\n" +
        "PacketLoss: NLR=2.5 JDR=0.0\r\nDelay: RTD=40 ESD=20 IAJ=3\r\nQualityEst: MOSLQ=3.1 MOSCQ=3.0\r\n";

    private static string Sdp(IPAddress ip, int port) =>
        $"v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n";
}
