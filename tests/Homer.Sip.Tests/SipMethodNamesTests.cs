using System.Text;
using Homer.Sip;

namespace Homer.Sip.Tests;

public sealed class SipMethodNamesTests
{
    private static (SipMessage Sip, byte[] Payload) Parse(string text)
    {
        var payload = Encoding.ASCII.GetBytes(text.ReplaceLineEndings("\r\n"));
        Assert.True(SipParser.TryParse(payload, out var sip, out var error), error.ToString());
        return (sip, payload);
    }

    [Fact]
    public void A_standard_method_is_the_one_shared_string_and_an_extension_method_is_read_from_the_payload()
    {
        var (invite, payload) = Parse("""
            INVITE sip:bob@example.net SIP/2.0
            Call-ID: m-1
            CSeq: 7 INVITE
            Content-Length: 0


            """);
        // The same instance for every message: the decoder makes one per packet and must not allocate it.
        Assert.Same("INVITE", SipMethodNames.RequestMethod(invite, payload));
        Assert.Same("INVITE", SipMethodNames.CSeqMethod(invite, payload));

        var (custom, customPayload) = Parse("""
            X-PING.v2 sip:bob@example.net SIP/2.0
            Call-ID: m-2
            CSeq: 1 X-PING.v2
            Content-Length: 0


            """);
        Assert.Equal("X-PING.v2", SipMethodNames.RequestMethod(custom, customPayload));
        Assert.Equal("X-PING.v2", SipMethodNames.CSeqMethod(custom, customPayload));
    }

    [Fact]
    public void A_response_has_no_request_method_and_a_message_without_cseq_no_cseq_method()
    {
        var (ok, payload) = Parse("""
            SIP/2.0 200 OK
            Call-ID: m-3
            CSeq: 2 BYE
            Content-Length: 0


            """);
        Assert.Null(SipMethodNames.RequestMethod(ok, payload));
        Assert.Same("BYE", SipMethodNames.CSeqMethod(ok, payload));

        var (bare, barePayload) = Parse("""
            OPTIONS sip:bob@example.net SIP/2.0
            Call-ID: m-4
            Content-Length: 0


            """);
        Assert.Same("OPTIONS", SipMethodNames.RequestMethod(bare, barePayload));
        Assert.Null(SipMethodNames.CSeqMethod(bare, barePayload));
    }

    [Theory]
    // HOMER's call table: the INVITE dialog's methods and NOTIFY (a REFER's progress); REGISTER and the rest are not calls.
    [InlineData("INVITE", true)]
    [InlineData("ACK", true)]
    [InlineData("BYE", true)]
    [InlineData("CANCEL", true)]
    [InlineData("UPDATE", true)]
    [InlineData("PRACK", true)]
    [InlineData("REFER", true)]
    [InlineData("INFO", true)]
    [InlineData("NOTIFY", true)]
    [InlineData("REGISTER", false)]
    [InlineData("SUBSCRIBE", false)]
    [InlineData("OPTIONS", false)]
    [InlineData("MESSAGE", false)]
    [InlineData("invite", false)]
    [InlineData(null, false)]
    public void Call_methods_are_the_INVITE_dialogs_and_NOTIFY(string? method, bool call) =>
        Assert.Equal(call, SipMethodNames.IsCallMethod(method));
}
