namespace Homer.Hep.Tests;

/// <summary><see cref="HepMessage.ToHep3"/>: what the agent's relay and the PCAP import send on, from real packets.</summary>
public class HepToHep3Tests
{
    private const long Now = 1_750_000_000;

    private static HepPacket Decode(byte[] data)
    {
        Assert.True(HepDecoder.TryDecode(data, Now, out var packet, out var error, out _), error.ToString());
        return packet;
    }

    [Theory]
    [InlineData("hepv1.bin")]
    [InlineData("hepv2-kamailio.bin")]
    [InlineData("hepv2-ipv6.bin")]
    public void A_v1_or_v2_packet_becomes_HEP3_with_everything_it_carried(string name)
    {
        var data = Fixture.Bytes(name);
        var before = Decode(data).ToMessage(data);

        var encoded = HepEncoder.Encode(before.ToHep3());

        Assert.Equal("HEP3"u8.ToArray(), encoded[..4]);
        var after = Decode(encoded).ToMessage(encoded);
        Assert.Equal(HepVersion.V3, after.Version);
        Assert.Equal(before.IpFamily, after.IpFamily);
        Assert.Equal(before.IpProtocol, after.IpProtocol);
        Assert.Equal(before.SourceAddress, after.SourceAddress);
        Assert.Equal(before.DestinationAddress, after.DestinationAddress);
        Assert.Equal(before.SourcePort, after.SourcePort);
        Assert.Equal(before.DestinationPort, after.DestinationPort);
        Assert.Equal(before.Timestamp, after.Timestamp);
        Assert.Equal(before.ProtocolType, after.ProtocolType);
        Assert.Equal(before.CaptureId, after.CaptureId);
        Assert.Equal(Fixture.Bytes("invite-sdp.sip"), after.Payload.ToArray());
    }

    [Fact]
    public void The_auth_key_of_the_previous_hop_is_not_carried_on()
    {
        var data = Fixture.Bytes("hep3-all-chunks.bin");
        var before = Decode(data).ToMessage(data);
        Assert.Equal("secret", before.AuthKey);

        var after = before.ToHep3();

        Assert.Null(after.AuthKey);
        Assert.Equal("corr-1", after.CorrelationId);
        Assert.Equal("node-a", after.NodeName);
        Assert.Equal((ushort)100, after.Vlan);
        Assert.Equal((ushort)438, after.Mos);
        Assert.Equal((ushort)93, after.RFactor);
        Assert.Equal(12u, after.Jitter);
        Assert.Equal("call", after.TransactionType);
        Assert.Equal(before.CaptureId, after.CaptureId);
        Assert.Equal("payload", System.Text.Encoding.UTF8.GetString(after.Payload.Span));
    }

    [Fact]
    public void A_chosen_capture_id_and_node_name_replace_the_packets_own()
    {
        var data = Fixture.Bytes("hep3-all-chunks.bin");
        var before = Decode(data).ToMessage(data);

        Assert.Equal(7u, before.ToHep3(captureId: 7).CaptureId);
        Assert.Equal("node-a", before.ToHep3(captureId: 7).NodeName);
        Assert.Equal("import", before.ToHep3(nodeName: "import").NodeName);
        Assert.Equal(before.CaptureId, before.ToHep3(nodeName: "import").CaptureId);
    }
}
