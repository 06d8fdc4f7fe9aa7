using System.Net;
using System.Text;
using Homer.Agent.Capture;
using Homer.Capture;

namespace Homer.Agent.Tests;

/// <summary>The agent's frame decoder on its shared link-layer and IP header reader (<see cref="IpFrame"/>).</summary>
public sealed class FrameDecoderTests
{
    private static readonly byte[] Sip = Encoding.ASCII.GetBytes(Frames.Sip("OPTIONS", "frame-1@test", 1));

    [Fact]
    public void Tagged_IPv6_and_cooked_IPv4_frames_decode_without_allocating()
    {
        var qinq = Frames.QinQ(Frames.Ipv6Udp("2001:db8::1", 5060, "2001:db8::2", 5080, Sip), outer: 100, inner: 200);
        var sll2 = Frames.Sll2(Frames.Ipv4Udp("10.1.1.1", 5062, "10.1.1.2", 5060, Sip));
        var decoder = new FrameDecoder();
        // The first calls JIT the methods; what is measured is the steady state every captured frame takes.
        Decode(decoder, qinq, LinkType.Ethernet);
        Decode(decoder, sll2, LinkType.LinuxSll2);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Decode(decoder, qinq, LinkType.Ethernet);
            Decode(decoder, sll2, LinkType.LinuxSll2);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        Assert.Equal(DropReason.None, decoder.Decode(LinkType.Ethernet, qinq, 0, out var v6));
        Assert.True(v6.IsIpv6);
        Assert.True(v6.HasVlan);
        Assert.Equal(100, v6.Vlan);
        Assert.Equal(IPAddress.Parse("2001:db8::2"), new IPAddress(v6.Destination));
        Assert.Equal(5080, v6.DestinationPort);
        Assert.Equal(Sip, v6.Payload.ToArray());

        Assert.Equal(DropReason.None, decoder.Decode(LinkType.LinuxSll2, sll2, 0, out var v4));
        Assert.False(v4.IsIpv6);
        Assert.Equal(FrameDecoder.Udp, v4.Protocol);
        Assert.Equal(IPAddress.Parse("10.1.1.1"), new IPAddress(v4.Source));
        Assert.Equal(5062, v4.SourcePort);
        Assert.Equal(Sip, v4.Payload.ToArray());
    }

    [Fact]
    public void A_datagram_the_capture_cut_short_is_dropped_as_truncated()
    {
        var frame = Frames.Ethernet(Frames.Ipv4Udp("10.1.1.1", 5060, "10.1.1.2", 5060, Sip));
        // A snap length that ends inside the UDP payload: the IP header still says the whole length.
        var cut = frame[..(frame.Length - 10)];
        Assert.Equal(DropReason.TruncatedIpHeader, new FrameDecoder().Decode(LinkType.Ethernet, cut, 0, out _));
        Assert.True(IpFrame.TryRead(LinkType.Ethernet, cut, out var ip) == FrameError.None && ip.Cut);
    }

    private static void Decode(FrameDecoder decoder, byte[] frame, int linkType) =>
        Assert.True(decoder.Decode(linkType, frame, 0, out _) == DropReason.None);
}
