using System.Net;
using System.Text;
using static Homer.Node.Tests.SipCalls;

namespace Homer.Node.Tests;

/// <summary>
/// Call and registration flows with chosen outcomes and timings, for statistics and alarm tests: every count the
/// node should report is known from what this generator produced.
/// </summary>
public sealed class SipMix
{
    public IPAddress Caller { get; init; } = SipCalls.Caller;
    public IPAddress Server { get; init; } = Proxy;
    public int ServerPort { get; init; } = 5060;
    public string UserAgent { get; init; } = "TestPhone/1.0";
    public List<Leg> Legs { get; } = [];
    private const string Sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";

    private string Request(string callId, string method, int cseq, string branch, string toTag = "", bool sdp = false, bool auth = false,
        string? ua = null) =>
        $"{method} sip:bob@example.net SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {Caller}:5060;branch=z9hG4bK{branch}\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: <sip:alice@example.com>;tag=caller1\r\n" +
        $"To: <sip:bob@example.net>{toTag}\r\n" +
        $"Call-ID: {callId}\r\n" +
        $"CSeq: {cseq} {method}\r\n" +
        (auth ? "Proxy-Authorization: Digest username=\"alice\", realm=\"example.net\", nonce=\"n\", uri=\"sip:bob@example.net\", response=\"r\"\r\n" : "") +
        (method == "REGISTER" ? "Contact: <sip:alice@192.0.2.10:5060>;expires=3600\r\n" : "") +
        $"User-Agent: {ua ?? UserAgent}\r\n" +
        (sdp ? $"Content-Type: application/sdp\r\nContent-Length: {Sdp.Length}\r\n\r\n{Sdp}" : "Content-Length: 0\r\n\r\n");

    private string Response(string callId, int status, string reason, int cseq, string method, string branch, string toTag = "") =>
        $"SIP/2.0 {status} {reason}\r\n" +
        $"Via: SIP/2.0/UDP {Caller}:5060;branch=z9hG4bK{branch}\r\n" +
        $"From: <sip:alice@example.com>;tag=caller1\r\n" +
        $"To: <sip:bob@example.net>{toTag}\r\n" +
        $"Call-ID: {callId}\r\n" +
        $"CSeq: {cseq} {method}\r\n" +
        "Server: TestProxy/2.0\r\n" +
        (status == 407 ? "Proxy-Authenticate: Digest realm=\"example.net\", nonce=\"n\"\r\n" : "") +
        (status == 401 ? "WWW-Authenticate: Digest realm=\"example.net\", nonce=\"n\"\r\n" : "") +
        "Content-Length: 0\r\n\r\n";

    private void Up(string text, DateTimeOffset at) => Legs.Add(new Leg(text, Caller, 5060, Server, ServerPort, at));
    private void Down(string text, DateTimeOffset at) => Legs.Add(new Leg(text, Server, ServerPort, Caller, 5060, at));

    private static string Reason(int status) => status switch
    {
        180 => "Ringing", 200 => "OK", 302 => "Moved Temporarily", 401 => "Unauthorized", 403 => "Forbidden", 404 => "Not Found",
        407 => "Proxy Authentication Required", 480 => "Temporarily Unavailable", 486 => "Busy Here", 487 => "Request Terminated",
        503 => "Service Unavailable", 603 => "Decline", _ => "Status",
    };

    /// <summary>
    /// A call: optional 407 challenge answered with credentials, optional 180 after <paramref name="pddMs"/> (from the
    /// first INVITE), then <paramref name="final"/> at <paramref name="finalMs"/>; answered calls end with BYE after
    /// <paramref name="durationMs"/>; <paramref name="cancelAtMs"/> sends CANCEL and ends on 487.
    /// <paramref name="inviteRetransmissions"/> repeats the first INVITE.
    /// </summary>
    public SipMix Call(string callId, DateTimeOffset t, int final, int? pddMs = null, int finalMs = 3000, int durationMs = 0,
        bool challenge = false, int? cancelAtMs = null, int inviteRetransmissions = 0, string? ua = null)
    {
        var cseq = 1;
        var branch = callId + "-1";
        Up(Request(callId, "INVITE", cseq, branch, sdp: true, ua: ua), t);
        for (var i = 1; i <= inviteRetransmissions; i++)
            Up(Request(callId, "INVITE", cseq, branch, sdp: true, ua: ua), t.AddMilliseconds(500 * i));
        if (challenge)
        {
            Down(Response(callId, 407, Reason(407), cseq, "INVITE", branch, ";tag=p1"), t.AddMilliseconds(20));
            Up(Request(callId, "ACK", cseq, branch, ";tag=p1", ua: ua), t.AddMilliseconds(25));
            cseq = 2;
            branch = callId + "-2";
            Up(Request(callId, "INVITE", cseq, branch, sdp: true, auth: true, ua: ua), t.AddMilliseconds(40));
        }
        const string tag = ";tag=b1";
        if (pddMs is { } pdd)
            Down(Response(callId, 180, Reason(180), cseq, "INVITE", branch, tag), t.AddMilliseconds(pdd));
        if (cancelAtMs is { } cancel)
        {
            Up(Request(callId, "CANCEL", cseq, branch, ua: ua), t.AddMilliseconds(cancel));
            Down(Response(callId, 200, "OK", cseq, "CANCEL", branch, tag), t.AddMilliseconds(cancel + 10));
            Down(Response(callId, 487, Reason(487), cseq, "INVITE", branch, tag), t.AddMilliseconds(cancel + 20));
            Up(Request(callId, "ACK", cseq, branch, tag, ua: ua), t.AddMilliseconds(cancel + 30));
            return this;
        }
        Down(Response(callId, final, Reason(final), cseq, "INVITE", branch, tag), t.AddMilliseconds(finalMs));
        if (final >= 300)
        {
            Up(Request(callId, "ACK", cseq, branch, tag, ua: ua), t.AddMilliseconds(finalMs + 10));
            return this;
        }
        Up(Request(callId, "ACK", cseq, callId + "-a", tag, ua: ua), t.AddMilliseconds(finalMs + 10));
        Up(Request(callId, "BYE", cseq + 1, callId + "-b", tag, ua: ua), t.AddMilliseconds(finalMs + durationMs));
        Down(Response(callId, 200, "OK", cseq + 1, "BYE", callId + "-b", tag), t.AddMilliseconds(finalMs + durationMs + 15));
        return this;
    }

    /// <summary>An INVITE that gets a 407 and is never sent again (an auth challenge, not a call attempt).</summary>
    public SipMix ChallengeOnly(string callId, DateTimeOffset t, string? ua = null)
    {
        var branch = callId + "-1";
        Up(Request(callId, "INVITE", 1, branch, sdp: true, ua: ua), t);
        Down(Response(callId, 407, Reason(407), 1, "INVITE", branch, ";tag=p1"), t.AddMilliseconds(20));
        Up(Request(callId, "ACK", 1, branch, ";tag=p1", ua: ua), t.AddMilliseconds(25));
        return this;
    }

    /// <summary>REGISTER, optionally challenged with 401 first, ending on <paramref name="final"/>.</summary>
    public SipMix Register(string callId, DateTimeOffset t, int final, bool challenge = false, string? ua = null)
    {
        var cseq = 1;
        if (challenge)
        {
            Up(Request(callId, "REGISTER", cseq, callId + "-r1", ua: ua), t);
            Down(Response(callId, 401, Reason(401), cseq, "REGISTER", callId + "-r1", ";tag=r"), t.AddMilliseconds(10));
            cseq++;
        }
        Up(Request(callId, "REGISTER", cseq, callId + "-r" + cseq, auth: challenge, ua: ua), t.AddMilliseconds(20));
        Down(Response(callId, final, Reason(final), cseq, "REGISTER", callId + "-r" + cseq, ";tag=r"), t.AddMilliseconds(30));
        return this;
    }

    /// <summary>An OPTIONS probe, answered with <paramref name="status"/> or not at all.</summary>
    public SipMix Options(string callId, DateTimeOffset t, int? status, string? ua = null)
    {
        Up(Request(callId, "OPTIONS", 1, callId + "-o", ua: ua), t);
        if (status is { } s)
            Down(Response(callId, s, Reason(s), 1, "OPTIONS", callId + "-o", ";tag=o"), t.AddMilliseconds(5));
        return this;
    }

    public byte[][] Datagrams() => Legs.Select(l => Hep3(l)).ToArray();

    /// <summary>A QoS report (HEP type 34, agent JSON) for a call, as a capture agent sends it.</summary>
    public static byte[] QosReport(string callId, DateTimeOffset at, double mos, double lossPct = 0, double jitterMs = 2)
    {
        var json = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{{\"callid\":\"{callId}\",\"mos\":{mos},\"packetloss\":{lossPct},\"jitter\":{jitterMs}}}");
        return Hep3(new Leg(json, SipCalls.Caller, 40001, Proxy, 40001, at), protocolType: 34, payload: Encoding.UTF8.GetBytes(json));
    }
}
