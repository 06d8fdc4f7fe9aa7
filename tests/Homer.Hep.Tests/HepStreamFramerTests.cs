namespace Homer.Hep.Tests;

public class HepStreamFramerTests
{
    private static List<byte[]> Drain(HepStreamFramer framer)
    {
        var packets = new List<byte[]>();
        while (framer.Next(out var packet) == HepFrameResult.Packet)
            packets.Add(packet.ToArray());
        return packets;
    }

    [Fact]
    public void Back_to_back_packets_split_at_any_boundary()
    {
        var a = Fixture.Bytes("hep3-invite.bin");
        var b = Fixture.Bytes("spec-example.bin");
        var c = Fixture.Bytes("hep3-ipv6.bin");
        var stream = a.Concat(b).Concat(c).ToArray();
        foreach (var step in new[] { 1, 3, 6, 7, 100, 1000, stream.Length })
        {
            var framer = new HepStreamFramer();
            var packets = new List<byte[]>();
            for (var i = 0; i < stream.Length; i += step)
            {
                framer.Append(stream.AsSpan(i, Math.Min(step, stream.Length - i)));
                packets.AddRange(Drain(framer));
            }

            Assert.Equal(3, packets.Count);
            Assert.Equal(a, packets[0]);
            Assert.Equal(b, packets[1]);
            Assert.Equal(c, packets[2]);
            Assert.Equal(0, framer.BufferedBytes);
            Assert.Equal(0, framer.SkippedBytes);
        }
    }

    [Fact]
    public void Garbage_between_packets_is_skipped_and_counted()
    {
        var a = Fixture.Bytes("spec-example.bin");
        var garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        var framer = new HepStreamFramer();
        framer.Append(a.Concat(garbage).Concat(a).ToArray());

        var packets = Drain(framer);

        Assert.Equal(2, packets.Count);
        Assert.Equal(garbage.Length, framer.SkippedBytes);
        Assert.Equal(HepStreamError.BadMagic, framer.LastSkipReason);
        Assert.False(framer.IsClosed);
    }

    [Fact]
    public void Close_policy_stops_with_a_reason()
    {
        var framer = new HepStreamFramer(HepGarbagePolicy.Close);
        framer.Append(Fixture.Bytes("spec-example.bin"));
        framer.Append("HEP3\0\u0002"u8);

        Assert.Equal(HepFrameResult.Packet, framer.Next(out _));
        Assert.Equal(HepFrameResult.Closed, framer.Next(out _));
        Assert.Equal(HepStreamError.DeclaredLengthTooSmall, framer.CloseReason);
    }

    [Fact]
    public void Hep_v2_on_a_stream_is_unframable()
    {
        var framer = new HepStreamFramer(HepGarbagePolicy.Close);
        framer.Append(Fixture.Bytes("hepv2-kamailio.bin"));
        Assert.Equal(HepFrameResult.Closed, framer.Next(out _));
        Assert.Equal(HepStreamError.UnframableVersion, framer.CloseReason);
    }

    [Fact]
    public void Partial_magic_at_the_end_of_garbage_is_kept()
    {
        var a = Fixture.Bytes("spec-example.bin");
        var framer = new HepStreamFramer();
        framer.Append("xxxxxxxxHE"u8);
        Assert.Equal(HepFrameResult.NeedMoreData, framer.Next(out _));
        framer.Append(a.AsSpan(2));
        Assert.Equal(HepFrameResult.Packet, framer.Next(out var packet));
        Assert.Equal(a, packet.ToArray());
        Assert.Equal(8, framer.SkippedBytes);
    }

    [Fact]
    public void Stateless_frame_length()
    {
        var a = Fixture.Bytes("spec-example.bin");
        Assert.Equal(0, HepStreamFramer.FrameLength(a.AsSpan(0, 5), out _));
        Assert.Equal(0, HepStreamFramer.FrameLength(a.AsSpan(0, 50), out _));
        Assert.Equal(a.Length, HepStreamFramer.FrameLength(a, out _));
        Assert.Equal(-1, HepStreamFramer.FrameLength("POST"u8, out var error));
        Assert.Equal(HepStreamError.BadMagic, error);
    }
}
