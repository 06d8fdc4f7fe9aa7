using System.Text;

namespace Homer.Sip.Tests;

public class SipHeaderTests
{
    private static byte[] Msg(string text) => Encoding.UTF8.GetBytes(text.Replace("\n", "\r\n"));

    private static SipMessage Parse(byte[] d, SipParserOptions? options = null)
    {
        Assert.True(SipParser.TryParse(d, options ?? SipParserOptions.Default, out var m, out var error), error.ToString());
        return m;
    }

    [Fact]
    public void Compact_forms_and_comma_joined_vias()
    {
        var d = Msg("""
            BYE sip:bob@192.0.2.4 SIP/2.0
            v: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKa, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb
            v: SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKc
            f: <sip:alice@example.com>;tag=1
            t: <sip:bob@example.com>;tag=2
            i: compact@host
            CSeq: 2 BYE
            m: <sip:alice@[2001:db8::9]:5070>
            l: 0
            o: dialog


            """);
        var m = Parse(d);
        Assert.True(m.Has(SipFlags.CompactForms));
        Assert.Equal("compact@host", m.CallId.ToString(d));
        Assert.Equal("2001:db8::9", m.Via.Host.ToString(d));
        Assert.Equal(5070, m.Via.Port);
        Assert.Equal(3, m.ViaCount);
        Assert.Equal("2001:db8::9", m.Contact.Uri.Host.ToString(d));
        Assert.Equal(5070, m.Contact.Uri.Port);
        Assert.Equal("dialog", m.Event.ToString(d));
        Assert.Equal(0, m.ContentLength);
        Assert.Equal(SipMethod.Bye, m.MethodKind);
    }

    [Fact]
    public void Folded_lines_and_case_insensitive_names()
    {
        var d = Msg("""
            OPTIONS sip:a@b SIP/2.0
            VIA: SIP/2.0/UDP h;branch=z9hG4bK1
            FROM: "Folded
              Name" <sip:x@y>
             ;tag=abc
            to: <sip:a@b>
            call-id: folded@h
            cseq: 1 OPTIONS
            content-LENGTH: 0


            """);
        var m = Parse(d);
        Assert.True(m.Has(SipFlags.FoldedLines));
        Assert.Equal("abc", m.From.Tag.ToString(d));
        Assert.Equal("x", m.From.Uri.User.ToString(d));
        Assert.Equal("folded@h", m.CallId.ToString(d));
    }

    [Fact]
    public void Missing_final_crlf_is_accepted_and_flagged()
    {
        var d = Encoding.ASCII.GetBytes("SIP/2.0 180 Ringing\r\nCall-ID: x@y\r\nCSeq: 1 INVITE\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2");
        var m = Parse(d);
        Assert.True(m.Has(SipFlags.NoHeaderTerminator));
        Assert.Equal("2", m.To.Tag.ToString(d));
        Assert.Equal(180, m.StatusCode);
        Assert.Equal("Ringing", m.ReasonPhrase.ToString(d));
    }

    [Fact]
    public void Bare_line_feeds_are_tolerated_and_flagged()
    {
        var d = Encoding.ASCII.GetBytes("SIP/2.0 486 Busy Here\nCall-ID: lf@y\nCSeq: 1 INVITE\nVia: SIP/2.0/UDP h\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nContent-Length: 0\n\n");
        var m = Parse(d);
        Assert.True(m.Has(SipFlags.BareLineFeeds));
        Assert.Equal("lf@y", m.CallId.ToString(d));
        Assert.False(m.Has(SipFlags.ContentLengthMismatch));
    }

    [Theory]
    [InlineData(5, true)]
    [InlineData(20, true)]
    [InlineData(11, false)]
    public void Wrong_content_length_keeps_the_body_and_flags(int declared, bool mismatch)
    {
        var d = Encoding.ASCII.GetBytes($"MESSAGE sip:a@b SIP/2.0\r\nCall-ID: cl@h\r\nContent-Type: text/plain\r\nContent-Length: {declared}\r\n\r\nhello world");
        var m = Parse(d);
        Assert.Equal(mismatch, m.Has(SipFlags.ContentLengthMismatch));
        Assert.Equal("hello world", m.Body.ToString(d));
        Assert.Equal(declared, m.ContentLength);
    }

    [Fact]
    public void Reason_diversion_authorization_expires_and_rtp_stat()
    {
        var d = Msg("""
            BYE sip:bob@192.0.2.4 SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK9;received=198.51.100.1;rport
            From: <sip:alice@example.com>;tag=1
            To: <sip:bob@example.com>;tag=2
            Call-ID: r@h
            CSeq: 3 BYE
            Reason: Q.850 ;cause=16 ;text="Normal call clearing", SIP;cause=200;text="Call completed elsewhere"
            Diversion: "Desk" <sip:+4930111@example.com>;reason=unconditional;counter=1, <sip:+4930222@example.com>;reason=user-busy
            Proxy-Authorization: Digest username="alice", realm="example.com", nonce="abc", uri="sip:bob@192.0.2.4", response="00"
            Expires: 3600
            X-RTP-Stat: CS=0;PS=1433;ES=1525;OS=229280;SP=0/0;SO=0;QS=-;PR=1522;ER=1525;OR=243520;CR=0;SR=0;QR=-;PL=0,0;BL=0;LS=0;RB=0/0;SB=-/-;EN=PCMA;DE=PCMA;JI=0,1;DL=20,20,20;IP=10.0.0.1:20000,10.0.0.2:30000
            Max-Forwards: 69
            Content-Length: 0


            """);
        var m = Parse(d);
        Assert.Equal("Q.850", m.Reason.Protocol.ToString(d));
        Assert.True(m.Reason.IsQ850(d));
        Assert.Equal(16, m.Reason.Cause);
        Assert.Equal("Normal call clearing", m.Reason.Text.ToString(d));
        Assert.Equal("Desk", m.Diversion.Display.ToString(d));
        Assert.Equal("+4930111", m.Diversion.Uri.User.ToString(d));
        Assert.Equal("reason=unconditional;counter=1", m.Diversion.Parameters.ToString(d));
        Assert.Equal("alice", m.AuthorizationUser.ToString(d));
        Assert.Equal(3600, m.Expires);
        Assert.StartsWith("CS=0;PS=1433", m.RtpStat.ToString(d));
        Assert.Equal("198.51.100.1", m.Via.Received.ToString(d));
        Assert.True(m.Via.HasRPort);
        Assert.Equal(0, m.Via.RPort);
        Assert.Equal(69, m.MaxForwards);
    }

    [Fact]
    public void Configured_correlation_headers_in_priority_order()
    {
        var d = Msg("""
            INVITE sip:bob@example.com SIP/2.0
            Via: SIP/2.0/UDP h;branch=z9hG4bK1
            From: <sip:a@b>;tag=1
            To: <sip:bob@example.com>
            Call-ID: leg-b@h
            CSeq: 1 INVITE
            Session-ID: ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2
            P-Charging-Vector: icid-value=AyretyU0dm+6O2IrT5tAFrbHLso=;icid-generated-at=192.0.6.8;orig-ioi=home1.net
            X-CID: leg-a@h
            Content-Length: 0


            """);
        var options = new SipParserOptions([
            new SipCorrelationHeader("P-Charging-Vector", "icid-value"),
            new SipCorrelationHeader("X-CID"),
            new SipCorrelationHeader("Session-ID"),
        ]);

        var m = Parse(d, options);
        Assert.Equal("AyretyU0dm+6O2IrT5tAFrbHLso=", m.CorrelationId.ToString(d));
        Assert.Equal(0, m.CorrelationSource);
        Assert.Equal("leg-a@h", m.XCid.ToString(d));

        var sessionFirst = new SipParserOptions([new SipCorrelationHeader("Session-ID"), new SipCorrelationHeader("X-CID")]);
        m = Parse(d, sessionFirst);
        Assert.Equal("ab30317f1a784dc48ff824d0d3715d86", m.CorrelationId.ToString(d));

        m = Parse(d, new SipParserOptions([]));
        Assert.True(m.CorrelationId.IsEmpty);
        Assert.Equal(-1, m.CorrelationSource);
        Assert.Equal("leg-a@h", m.XCid.ToString(d));
    }

    [Fact]
    public void Register_with_star_contact_and_leading_keepalive()
    {
        var d = Msg("""


            REGISTER sip:example.com SIP/2.0
            Via: SIP/2.0/UDP h;branch=z9hG4bK1
            From: <sip:a@example.com>;tag=1
            To: <sip:a@example.com>
            Call-ID: reg@h
            CSeq: 7 REGISTER
            Contact: *
            Expires: 0
            Authorization: Digest username="a", realm="example.com"
            Content-Length: 0


            """);
        var m = Parse(d);
        Assert.True(m.Has(SipFlags.LeadingLineFeeds));
        Assert.True(m.ContactStar);
        Assert.Equal(0, m.Expires);
        Assert.Equal(SipMethod.Register, m.MethodKind);
        Assert.Equal("a", m.AuthorizationUser.ToString(d));
    }

    [Theory]
    [InlineData("", SipParseError.Empty)]
    [InlineData("\r\n\r\n", SipParseError.Empty)]
    [InlineData("INVITE\r\n", SipParseError.BadStartLine)]
    [InlineData("INVITE sip:a@b\r\n", SipParseError.BadStartLine)]
    [InlineData("SIP/2.0 20 OK\r\n", SipParseError.BadStatusCode)]
    [InlineData("SIP/2.0 099 Low\r\n", SipParseError.BadStatusCode)]
    [InlineData("SIP/3.0 200 OK\r\n", SipParseError.UnsupportedVersion)]
    [InlineData("OPTIONS sip:a@b SIP/2.0\r\nNoColonHere\r\n\r\n", SipParseError.BadHeaderLine)]
    [InlineData("OPTIONS sip:a@b SIP/2.0\r\n Continuation: first\r\n\r\n", SipParseError.BadHeaderLine)]
    [InlineData("OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n", SipParseError.BadHeaderLine)]
    public void Structural_errors(string text, SipParseError expected)
    {
        Assert.False(SipParser.TryParse(Encoding.ASCII.GetBytes(text), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Uri_pieces()
    {
        var d = "sips:alice:secret@[2001:db8::1]:5061;transport=tls;lr?subject=hi"u8.ToArray();
        Assert.True(SipFieldParser.TryParseUri(d, new SipSlice(0, d.Length), out var u));
        Assert.Equal(SipUriScheme.Sips, u.Kind);
        Assert.Equal("alice", u.User.ToString(d));
        Assert.Equal("secret", u.Password.ToString(d));
        Assert.Equal("2001:db8::1", u.Host.ToString(d));
        Assert.Equal(5061, u.Port);
        Assert.Equal("transport=tls;lr", u.Parameters.ToString(d));
        Assert.Equal("subject=hi", u.Headers.ToString(d));
    }
}
