using System.Net;

namespace Homer.Hep.Tests;

public class HepV2Tests
{
    private const long Now = 1_750_000_000;

    [Fact]
    public void Kamailio_v2_with_padded_little_endian_time_header()
    {
        var data = Fixture.Bytes("hepv2-kamailio.bin");

        Assert.True(HepDecoder.TryDecode(data, Now, out var p, out var error, out _), error.ToString());

        Assert.Equal(HepVersion.V2, p.Version);
        Assert.Equal(2, p.IpFamily);
        Assert.Equal(17, p.IpProtocol);
        Assert.Equal("212.202.0.1", p.SourceAddress.ToString());
        Assert.Equal("82.116.0.211", p.DestinationAddress.ToString());
        Assert.Equal(5060, p.SourcePort);
        Assert.Equal(5080, p.DestinationPort);
        Assert.Equal(1_700_000_000u, p.TimestampSeconds);
        Assert.Equal(250_000u, p.TimestampMicros);
        Assert.Equal(301u, p.CaptureId);
        Assert.Equal(HepProtocolType.Sip, p.ProtocolType);
        Assert.Equal(HepWarnings.None, p.Warnings);
        Assert.Equal(Fixture.Bytes("invite-sdp.sip"), p.Payload.Of(data).ToArray());
    }

    [Fact]
    public void Unpadded_time_header_is_recognised()
    {
        var data = Fixture.Bytes("hepv2-unpadded.bin");
        Assert.True(HepDecoder.TryDecode(data, Now, out var p, out _, out _));
        Assert.True(p.Warnings.HasFlag(HepWarnings.UnpaddedTimeHeader));
        Assert.Equal(Fixture.Bytes("invite-sdp.sip"), p.Payload.Of(data).ToArray());
    }

    [Fact]
    public void Big_endian_timestamp_fails_the_sanity_check_and_is_swapped()
    {
        var data = Fixture.Bytes("hepv2-bigendian.bin");
        Assert.True(HepDecoder.TryDecode(data, Now, out var p, out _, out _));
        Assert.True(p.Warnings.HasFlag(HepWarnings.TimestampBigEndian));
        Assert.Equal(1_700_000_000u, p.TimestampSeconds);
        Assert.Equal(250_000u, p.TimestampMicros);
        Assert.Equal(301u, p.CaptureId);
    }

    [Fact]
    public void Timestamp_in_the_future_is_implausible()
    {
        // 1 700 000 000 is plausible only if "now" is later; a clock before it makes both byte orders implausible.
        var data = Fixture.Bytes("hepv2-kamailio.bin");
        Assert.True(HepDecoder.TryDecode(data, 1_600_000_000, out var p, out _, out _));
        Assert.True(p.Warnings.HasFlag(HepWarnings.TimestampImplausible));
    }

    [Fact]
    public void Ipv6_v2()
    {
        var data = Fixture.Bytes("hepv2-ipv6.bin");
        Assert.True(HepDecoder.TryDecode(data, Now, out var p, out _, out _));
        Assert.Equal(IPAddress.Parse("2001:db8::10"), p.SourceAddress.ToIPAddress());
        Assert.Equal(IPAddress.Parse("2001:db8:0:1::4"), p.DestinationAddress.ToIPAddress());
        Assert.Equal(Fixture.Bytes("invite-sdp.sip"), p.Payload.Of(data).ToArray());
    }

    [Fact]
    public void V1_has_no_time_header()
    {
        var data = Fixture.Bytes("hepv1.bin");
        Assert.True(HepDecoder.TryDecode(data, Now, out var p, out _, out _));
        Assert.Equal(HepVersion.V1, p.Version);
        Assert.Equal(0u, p.TimestampSeconds);
        Assert.False(p.Has(HepFields.TimestampSeconds));
        Assert.Equal(Fixture.Bytes("invite-sdp.sip"), p.Payload.Of(data).ToArray());
    }

    [Theory]
    [InlineData(HepVersion.V2)]
    [InlineData(HepVersion.V1)]
    public void V2_encoder_writes_what_kamailio_writes(HepVersion version)
    {
        var message = Hep3RoundTripTests.Sample(version);
        var bytes = HepEncoder.Encode(message);
        if (version == HepVersion.V2)
            Assert.Equal(Fixture.Bytes("hepv2-kamailio.bin").Length, bytes.Length);

        Assert.True(HepDecoder.TryDecode(bytes, Now, out var p, out _, out _));
        Assert.Equal(version, p.Version);
        Assert.Equal(HepWarnings.None, p.Warnings);
        var back = p.ToMessage(bytes);
        Assert.Equal(message.SourceAddress, back.SourceAddress);
        Assert.Equal(message.DestinationPort, back.DestinationPort);
        Assert.Equal(message.Payload.ToArray(), back.Payload.ToArray());
        if (version == HepVersion.V2)
        {
            Assert.Equal(message.Timestamp, back.Timestamp);
            Assert.Equal(message.CaptureId, back.CaptureId);
        }
    }

    [Fact]
    public void V2_encoder_matches_the_golden_bytes()
    {
        var golden = Fixture.Bytes("hepv2-kamailio.bin");
        var message = new HepMessage
        {
            Version = HepVersion.V2,
            SourceAddress = IPAddress.Parse("212.202.0.1"),
            DestinationAddress = IPAddress.Parse("82.116.0.211"),
            SourcePort = 5060,
            DestinationPort = 5080,
            Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddMilliseconds(250),
            CaptureId = 301,
            Payload = Fixture.Bytes("invite-sdp.sip"),
        };
        Assert.Equal(golden, HepEncoder.Encode(message));
    }
}
