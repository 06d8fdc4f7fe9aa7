using System.Net;
using System.Text;

namespace Homer.Hep.Tests;

public class Hep3DecodeTests
{
    private const long Now = 1_750_000_000;

    [Fact]
    public void Spec_example_decodes_field_by_field()
    {
        var data = Fixture.Bytes("spec-example.bin");

        Assert.True(HepDecoder.TryDecode(data, out var p, out var error, out _));

        Assert.Equal(HepDecodeError.None, error);
        Assert.Equal(HepVersion.V3, p.Version);
        Assert.Equal(0x71, p.Length);
        Assert.Equal(2, p.IpFamily);
        Assert.Equal(17, p.IpProtocol);
        Assert.Equal("212.202.0.1", p.SourceAddress.ToString());
        Assert.Equal("82.116.0.211", p.DestinationAddress.ToString());
        Assert.Equal(12010, p.SourcePort);
        Assert.Equal(5060, p.DestinationPort);
        Assert.Equal(1313440459u, p.TimestampSeconds);
        Assert.Equal(120000u, p.TimestampMicros);
        Assert.Equal(1313440459_120000L, p.TimestampUnixMicros);
        Assert.Equal(HepProtocolType.Sip, p.ProtocolType);
        Assert.Equal(228u, p.CaptureId);
        Assert.Equal("INVITE sip:bob", Encoding.ASCII.GetString(p.Payload.Of(data)));
        Assert.False(p.PayloadCompressed);
        Assert.Equal(11, p.ChunkCount);
    }

    [Fact]
    public void Invite_packet_carries_auth_key_correlation_vlan_and_node()
    {
        var data = Fixture.Bytes("hep3-invite.bin");

        Assert.True(HepDecoder.TryDecode(data, out var p, out _, out _));

        Assert.Equal("myHep", p.AuthKey.ToString(data));
        Assert.Equal("a84b4c76e66710@pc33.example.com", p.CorrelationId.ToString(data));
        Assert.True(p.HasVlan);
        Assert.Equal(42, p.Vlan);
        Assert.Equal("sbc-1", p.NodeName.ToString(data));
        Assert.Equal(Fixture.Bytes("invite-sdp.sip"), p.Payload.Of(data).ToArray());
    }

    [Fact]
    public void Eep3_magic_is_accepted()
    {
        var data = Fixture.Bytes("eep3-invite.bin");
        Assert.True(HepDecoder.TryDecode(data, out var p, out _, out _));
        Assert.Equal(HepVersion.V3, p.Version);
        Assert.Equal(2001u, p.CaptureId);
    }

    [Fact]
    public void Ipv6_addresses_decode()
    {
        var data = Fixture.Bytes("hep3-ipv6.bin");
        Assert.True(HepDecoder.TryDecode(data, out var p, out _, out _));
        Assert.Equal(10, p.IpFamily);
        Assert.True(p.SourceAddress.IsIPv6);
        Assert.Equal(IPAddress.Parse("2001:db8::10"), p.SourceAddress.ToIPAddress());
        Assert.Equal(IPAddress.Parse("2001:db8:0:1::4"), p.DestinationAddress.ToIPAddress());
        Assert.Equal(6, p.IpProtocol);
    }

    [Fact]
    public void Vendor_chunks_are_kept_raw_and_never_read_as_generic()
    {
        var data = Fixture.Bytes("hep3-vendor.bin");

        Assert.True(HepDecoder.TryDecode(data, out var p, out _, out _));

        // The FreeSWITCH chunk has type 1 and value 10; the generic family chunk says 2.
        Assert.Equal(2, p.IpFamily);
        // The Kamailio chunk has type 0x000f; the real payload is the INVITE.
        Assert.Equal(Fixture.Bytes("invite-sdp.sip"), p.Payload.Of(data).ToArray());
        Assert.Equal(2, p.VendorChunkCount);
        var message = p.ToMessage(data);
        Assert.Collection(message.VendorChunks,
            c => Assert.Equal((1, 1, "\n"), (c.Vendor, c.Type, Encoding.ASCII.GetString(c.Value.Span))),
            c => Assert.Equal((2, 0x000f, "not the payload"), (c.Vendor, c.Type, Encoding.ASCII.GetString(c.Value.Span))));
    }

    [Fact]
    public void Every_generic_chunk_of_rev37_is_read()
    {
        var data = Fixture.Bytes("hep3-all-chunks.bin");

        Assert.True(HepDecoder.TryDecode(data, out var p, out var error, out _), error.ToString());

        Assert.Equal(30, p.KeepAliveTimer);
        Assert.Equal("secret", p.AuthKey.ToString(data));
        Assert.Equal("corr-1", p.CorrelationId.ToString(data));
        Assert.Equal(100, p.Vlan);
        Assert.Equal("node-a", p.NodeName.ToString(data));
        Assert.Equal(0x0000001122334455UL, p.SourceMac);
        Assert.Equal(0x000066778899aabbUL, p.DestinationMac);
        Assert.Equal(0x0800, p.EthernetType);
        Assert.Equal(0x18, p.TcpFlags);
        Assert.Equal(0xb8, p.IpTos);
        Assert.Equal(438, p.Mos);
        Assert.Equal(93, p.RFactor);
        Assert.Equal("52.52,13.40", p.GeoLocation.ToString(data));
        Assert.Equal(12u, p.Jitter);
        Assert.Equal("call", p.TransactionType.ToString(data));
        Assert.Equal("{\"k\":1}", p.PayloadJsonKeys.ToString(data));
        Assert.Equal("tag-values", p.TagValues.ToString(data));
        Assert.Equal(3, p.TagType);
        Assert.Equal(1, p.EventType);
        Assert.Equal("group-9", p.GroupId.ToString(data));
        Assert.Equal("payload", p.Payload.ToString(data));
        Assert.True(p.Has(HepFields.GroupId | HepFields.Mos | HepFields.Jitter));
    }

    [Theory]
    [InlineData("hep3-gzip.bin")]
    [InlineData("hep3-zlib.bin")]
    public void Compressed_payload_is_inflated_by_ToMessage(string name)
    {
        var data = Fixture.Bytes(name);

        Assert.True(HepDecoder.TryDecode(data, out var p, out _, out _));
        Assert.True(p.PayloadCompressed);

        var message = p.ToMessage(data);
        Assert.False(message.PayloadCompressed);
        Assert.Equal(Fixture.Bytes("invite-sdp.sip"), message.Payload.ToArray());
    }

    [Theory]
    [InlineData("bad-declared-too-long.bin", HepDecodeError.DeclaredLengthExceedsBuffer, 4)]
    [InlineData("bad-chunk-size.bin", HepDecodeError.ChunkSizeMismatch, 13)]
    [InlineData("bad-chunk-overrun.bin", HepDecodeError.ChunkLengthInvalid, 17)]
    [InlineData("bad-chunk-truncated.bin", HepDecodeError.ChunkHeaderTruncated, 13)]
    public void Broken_packets_give_a_typed_error_and_offset(string name, HepDecodeError expected, int offset)
    {
        var data = Fixture.Bytes(name);

        Assert.False(HepDecoder.TryDecode(data, Now, out _, out var error, out var errorOffset));

        Assert.Equal(expected, error);
        Assert.Equal(offset, errorOffset);
    }

    [Theory]
    [InlineData(new byte[0], HepDecodeError.Empty)]
    [InlineData(new byte[] { 0x48, 0x45, 0x50 }, HepDecodeError.TooShort)]
    [InlineData(new byte[] { 0x48, 0x45, 0x50, 0x33, 0x00 }, HepDecodeError.TooShort)]
    [InlineData(new byte[] { 0x48, 0x45, 0x50, 0x33, 0x00, 0x05 }, HepDecodeError.DeclaredLengthTooSmall)]
    [InlineData(new byte[] { 0x47, 0x45, 0x50, 0x33, 0x00, 0x06 }, HepDecodeError.UnknownVersion)]
    [InlineData(new byte[] { 0x02, 0x10, 0x07, 0x11 }, HepDecodeError.TooShort)]
    [InlineData(new byte[] { 0x02, 0x10, 0x07, 0x11, 0, 0, 0, 0 }, HepDecodeError.UnknownAddressFamily)]
    public void Short_and_unknown_inputs(byte[] data, HepDecodeError expected)
    {
        Assert.False(HepDecoder.TryDecode(data, Now, out _, out var error, out _));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Declared_length_shorter_than_datagram_is_accepted_with_a_warning()
    {
        var data = Fixture.Bytes("spec-example.bin").Concat(new byte[] { 1, 2, 3 }).ToArray();
        Assert.True(HepDecoder.TryDecode(data, out var p, out _, out _));
        Assert.Equal(0x71, p.Length);
        Assert.True(p.Warnings.HasFlag(HepWarnings.TrailingBytes));
    }
}
