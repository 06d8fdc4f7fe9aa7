using System.Buffers;
using System.Net;
using System.Text;

namespace Homer.Hep.Tests;

public class Hep3RoundTripTests
{
    internal static HepMessage Sample(HepVersion version = HepVersion.V3, byte[]? payload = null) => new()
    {
        Version = version,
        IpProtocol = 17,
        SourceAddress = IPAddress.Parse("198.51.100.10"),
        DestinationAddress = IPAddress.Parse("192.0.2.4"),
        SourcePort = 5060,
        DestinationPort = 5080,
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4560),
        ProtocolType = HepProtocolType.Sip,
        CaptureId = 2001,
        Payload = payload ?? Fixture.Bytes("invite-sdp.sip"),
        AuthKey = "myHep",
        CorrelationId = "corr@host",
        NodeName = "node-1",
        Vlan = 12,
    };

    [Fact]
    public void Encode_then_decode_gives_the_same_message()
    {
        var message = Sample();
        var bytes = HepEncoder.Encode(message);

        Assert.True(HepDecoder.TryDecode(bytes, out var p, out var error, out _), error.ToString());
        Assert.Equal(bytes.Length, p.Length);

        var back = p.ToMessage(bytes);
        Assert.Equal(HepVersion.V3, back.Version);
        Assert.Equal(2, back.IpFamily);
        Assert.Equal(message.SourceAddress, back.SourceAddress);
        Assert.Equal(message.DestinationAddress, back.DestinationAddress);
        Assert.Equal(message.SourcePort, back.SourcePort);
        Assert.Equal(message.DestinationPort, back.DestinationPort);
        Assert.Equal(message.Timestamp, back.Timestamp);
        Assert.Equal(1_700_000_000_123_456L, back.TimestampUnixMicros);
        Assert.Equal(message.CaptureId, back.CaptureId);
        Assert.Equal(message.AuthKey, back.AuthKey);
        Assert.Equal(message.CorrelationId, back.CorrelationId);
        Assert.Equal(message.NodeName, back.NodeName);
        Assert.Equal(message.Vlan, back.Vlan);
        Assert.Equal(message.Payload.ToArray(), back.Payload.ToArray());
    }

    [Fact]
    public void Compressed_encode_round_trips_through_inflate()
    {
        var message = Sample();
        var writer = new ArrayBufferWriter<byte>();
        HepEncoder.Encode(message, writer, compressPayload: true);
        var bytes = writer.WrittenSpan.ToArray();

        Assert.True(HepDecoder.TryDecode(bytes, out var p, out _, out _));
        Assert.True(p.PayloadCompressed);
        Assert.True(bytes.Length < HepEncoder.Encode(message).Length);
        Assert.Equal(message.Payload.ToArray(), p.ToMessage(bytes).Payload.ToArray());
    }

    [Fact]
    public void Ipv6_round_trips()
    {
        var message = new HepMessage
        {
            SourceAddress = IPAddress.Parse("2001:db8::1"),
            DestinationAddress = IPAddress.Parse("2001:db8::2"),
            Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000),
            Payload = Encoding.ASCII.GetBytes("OPTIONS sip:a@b SIP/2.0\r\n\r\n"),
        };
        var bytes = HepEncoder.Encode(message);
        Assert.True(HepDecoder.TryDecode(bytes, out var p, out _, out _));
        Assert.Equal(10, p.IpFamily);
        Assert.Equal(message.SourceAddress, p.SourceAddress.ToIPAddress());
        Assert.Equal(message.DestinationAddress, p.DestinationAddress.ToIPAddress());
    }
}
