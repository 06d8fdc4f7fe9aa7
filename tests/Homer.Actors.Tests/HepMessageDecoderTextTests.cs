using System.Net;
using System.Text;
using System.Text.Json;
using Homer.Actors.Dialogs;
using Homer.Actors.Ingest;
using Homer.Hep;
using Homer.Sip;

namespace Homer.Actors.Tests;

/// <summary>The decoder applies the store's text rule (StorableText) to every field it takes from the wire.</summary>
public sealed class HepMessageDecoderTextTests
{
    [Fact]
    public void Nul_and_invalid_utf8_in_sip_fields_and_hep_chunks_are_escaped_and_the_payload_kept_exact()
    {
        var sip = Bytes(
            "INVITE sip:b", new byte[] { 0 }, "b@example.net SIP/2.0\r\n",
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK", new byte[] { 0 }, "x\r\n",
            "From: <sip:al", new byte[] { 0xFF, 0xFE }, "ice@example.com>;tag=1\r\n",
            "To: <sip:bob@example.net>\r\n",
            "Call-ID: c", new byte[] { 0 }, "id\r\n",
            "CSeq: 1 INVITE\r\n",
            "Contact: <sip:x", new byte[] { 0 }, "y@192.0.2.1>\r\n",
            "User-Agent: UA", new byte[] { 0xC0, 0x80 }, "\r\n",
            "Content-Length: 0\r\n\r\n");
        var datagram = HepEncoder.Encode(new HepMessage
        {
            IpFamily = 2,
            SourceAddress = IPAddress.Parse("192.0.2.1"),
            DestinationAddress = IPAddress.Parse("192.0.2.2"),
            SourcePort = 5060,
            DestinationPort = 5060,
            Timestamp = DateTimeOffset.UtcNow,
            Payload = sip,
            CorrelationId = "leg\0a",
            NodeName = "node\0b",
        });

        var outcome = HepMessageDecoder.Decode(datagram, null, null, SipParserOptions.Default, out var parsed);
        var m = outcome.Message!;
        Assert.Null(m.ParseError);
        Assert.Equal("c\u2400id", m.CallId);
        Assert.Equal("b\u2400b", m.RuriUser);
        Assert.Equal("al\uFFFD\uFFFDice", m.FromUser);
        Assert.Equal("UA\uFFFD\uFFFD", m.UserAgent);
        Assert.Equal("leg\u2400a", m.CorrelationId);
        Assert.Equal("node\u2400b", m.NodeName);
        Assert.Equal(sip, m.Payload.ToArray());
        // The headers JSON holds no \u0000 (which jsonb refuses) and reads back with the escaped values.
        Assert.DoesNotContain("\\u0000", m.HeadersJson!);
        using var json = JsonDocument.Parse(m.HeadersJson!);
        Assert.Equal("z9hG4bK\u2400x", json.RootElement.GetProperty("via").GetProperty("branch").GetString());
        Assert.Contains("x\u2400y", json.RootElement.GetProperty("contact").GetString());
        // The dialog sees the same Call-ID the store keeps, so a catch-up from the store finds it.
        Assert.Equal(m.CallId, DialogRouting.ToCommand(m, m.Payload.Span, parsed).CallId);
    }

    [Fact]
    public void Header_values_written_from_their_bytes_come_out_as_the_store_rule_would_write_them()
    {
        // Quotes, backslashes, non-ASCII, HTML-sensitive characters (the writer escapes them) and, in the Contact, bytes
        // that are not UTF-8: each value must come out exactly as writing its StorableText string would.
        var sip = Bytes(
            "INVITE sip:bob@example.net SIP/2.0\r\n",
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK<a&b>'\r\n",
            "From: \"Zo\u00eb \\\"Q\\\"\" <sip:alice@example.com>;tag=1\r\n",
            "To: <sip:bob@example.net>\r\n",
            "Call-ID: cid\r\n",
            "CSeq: 1 INVITE\r\n",
            "Contact: <sip:x", new byte[] { 0xE2, 0x82 }, "@192.0.2.1>\r\n",
            "P-Asserted-Identity: \"J\u00f6rg \u4e2d\" <sip:+4930@example.com>\r\n",
            "Content-Length: 0\r\n\r\n");
        Assert.True(SipParser.TryParse(sip, SipParserOptions.Default, out var parsed, out _));

        var fromBytes = HepMessageDecoder.HeadersJson(parsed, sip);

        var expected = new MemoryStream();
        using (var w = new Utf8JsonWriter(expected))
        {
            w.WriteStartObject();
            w.WriteStartObject("via");
            w.WriteString("transport", "UDP");
            w.WriteString("host", "192.0.2.1");
            w.WriteNumber("port", 5060);
            w.WriteString("branch", "z9hG4bK<a&b>'");
            w.WriteNumber("count", 1);
            w.WriteEndObject();
            w.WriteString("contact", Homer.Storage.StorableText.FromUtf8(Bytes("<sip:x", new byte[] { 0xE2, 0x82 }, "@192.0.2.1>")));
            w.WriteString("pai", "\"J\u00f6rg \u4e2d\" <sip:+4930@example.com>");
            w.WriteEndObject();
        }
        Assert.Equal(Encoding.UTF8.GetString(expected.ToArray()), Encoding.UTF8.GetString(fromBytes!));
    }

    private static byte[] Bytes(params object[] parts) =>
        parts.SelectMany(p => p as byte[] ?? Encoding.UTF8.GetBytes((string)p)).ToArray();
}
