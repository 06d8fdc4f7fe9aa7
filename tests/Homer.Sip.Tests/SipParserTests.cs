namespace Homer.Sip.Tests;

public class SipParserTests
{
    [Fact]
    public void Invite_with_sdp()
    {
        var d = Fixture.Bytes("invite-sdp.sip");

        Assert.True(SipParser.TryParse(d, out var m, out var error));

        Assert.Equal(SipParseError.None, error);
        Assert.True(m.IsRequest);
        Assert.Equal("INVITE", m.Method.ToString(d));
        Assert.Equal(SipMethod.Invite, m.MethodKind);
        Assert.Equal(SipUriScheme.Sip, m.RequestUri.Kind);
        Assert.Equal("+4930123456", m.RequestUri.User.ToString(d));
        Assert.Equal("pbx.example.com", m.RequestUri.Host.ToString(d));
        Assert.Equal(5060, m.RequestUri.Port);
        Assert.Equal("user=phone", m.RequestUri.Parameters.ToString(d));
        Assert.Equal("a84b4c76e66710@pc33.example.com", m.CallId.ToString(d));
        Assert.Equal("Alice Smith", m.From.Display.ToString(d));
        Assert.Equal("alice", m.From.Uri.User.ToString(d));
        Assert.Equal("example.com", m.From.Uri.Host.ToString(d));
        Assert.Equal("1928301774", m.From.Tag.ToString(d));
        Assert.Equal("+4930123456", m.To.Uri.User.ToString(d));
        Assert.True(m.To.Tag.IsEmpty);
        Assert.Equal(314159u, m.CSeqNumber);
        Assert.Equal("INVITE", m.CSeqMethod.ToString(d));
        Assert.Equal("UDP", m.Via.Transport.ToString(d));
        Assert.Equal("198.51.100.10", m.Via.Host.ToString(d));
        Assert.Equal(5060, m.Via.Port);
        Assert.Equal("z9hG4bK776asdhds", m.Via.Branch.ToString(d));
        Assert.Equal("203.0.113.7", m.Via.Received.ToString(d));
        Assert.True(m.Via.HasRPort);
        Assert.Equal(5060, m.Via.RPort);
        Assert.Equal(2, m.ViaCount);
        Assert.Equal("198.51.100.10", m.Contact.Uri.Host.ToString(d));
        Assert.Equal("+4930999999", m.PAssertedIdentity.Uri.User.ToString(d));
        Assert.Equal("ExamplePhone/1.2.3", m.UserAgent.ToString(d));
        Assert.Equal("leg-a-8f2c1e@sbc.example.com", m.XCid.ToString(d));
        Assert.Equal("leg-a-8f2c1e@sbc.example.com", m.CorrelationId.ToString(d));
        Assert.Equal(70, m.MaxForwards);
        Assert.Equal("application/sdp", m.ContentType.ToString(d));
        Assert.Equal(m.Body, m.Sdp);
        Assert.Equal(m.ContentLength, m.Body.Length);
        Assert.StartsWith("v=0\r\n", m.Body.ToString(d));
        Assert.Equal(SipFlags.None, m.Flags);
    }

    [Fact]
    public void Ok_200_response()
    {
        var d = Fixture.Bytes("ok-200.sip");

        Assert.True(SipParser.TryParse(d, out var m, out var error));

        Assert.Equal(SipParseError.None, error);
        Assert.False(m.IsRequest);
        Assert.Equal(200, m.StatusCode);
        Assert.Equal("OK", m.ReasonPhrase.ToString(d));
        Assert.True(m.Method.IsEmpty);
        Assert.Equal("a6c85cf", m.To.Tag.ToString(d));
        Assert.Equal("1928301774", m.From.Tag.ToString(d));
        Assert.Equal("INVITE", m.CSeqMethod.ToString(d));
        Assert.Equal(SipMethod.Invite, m.CSeqMethodKind);
        Assert.Equal("ExamplePBX 9.1", m.Server.ToString(d));
        Assert.Equal(0, m.ContentLength);
        Assert.True(m.Body.IsEmpty);
        Assert.Equal(SipFlags.None, m.Flags);
    }
}
