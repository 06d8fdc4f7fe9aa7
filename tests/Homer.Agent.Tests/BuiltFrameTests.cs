using System.Text;
using Homer.Hep;

namespace Homer.Agent.Tests;

/// <summary>Frames built with PacketDotNet: fragmented, segmented, tagged, cooked, IPv6, and broken ones.</summary>
public sealed class BuiltFrameTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const long T0 = 1_700_000_000_000_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-frames").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private async Task<(AgentRun Run, List<HepMessage> Messages)> Replay(IEnumerable<Frames.Frame> frames, int expected,
        int linkType = 1, params string[] extra)
    {
        var pcap = Frames.WritePcap(Path.Combine(_dir, $"{Guid.NewGuid():N}.pcap"), frames, linkType);
        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--summary", "json", .. extra]);
        Assert.True(run.ExitCode == 0, run.ToString());
        await receiver.WaitForAsync(expected, Wait);
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(150));
        Assert.Equal(expected, receiver.Messages.Count);
        return (run, receiver.Messages.ToList());
    }

    private static byte[] Bytes(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public async Task Ip_fragmented_sip_is_reassembled_into_one_message_even_out_of_order()
    {
        var body = "v=0\r\n" + string.Concat(Enumerable.Repeat("a=x-padding:0123456789abcdef0123456789abcdef\r\n", 80));
        var sip = Frames.Sip("INVITE", "frag-1@test", 1, body);
        var whole = Frames.Ipv4Udp("10.1.1.1", 5060, "10.1.1.2", 5060, Bytes(sip));
        var parts = Frames.Fragment(whole, 1480, id: 4711);
        Assert.True(parts.Count >= 3);
        // Last fragment first, then the rest: the datagram completes with the final frame in the file.
        var order = new List<byte[]> { parts[^1] };
        order.AddRange(parts.Take(parts.Count - 1));
        var frames = order.Select((p, i) => new Frames.Frame(T0 + i * 100, Frames.EthernetRaw(p))).ToList();
        frames.Add(new Frames.Frame(T0 + 10_000, Frames.Ethernet(Frames.Ipv4Udp("10.1.1.2", 5060, "10.1.1.1", 5060, Bytes(Frames.Sip("OPTIONS", "after@test", 1))))));

        var (run, messages) = await Replay(frames, 2);
        var invite = Assert.Single(messages, m => SipRows.Of(m).CallId == "frag-1@test");
        Assert.Equal(sip, Encoding.ASCII.GetString(invite.Payload.Span));
        Assert.Equal("10.1.1.1", invite.SourceAddress.ToString());
        Assert.Equal(5060, invite.SourcePort);
        // A reassembled datagram is stamped when it completes, as the receiving host would see it.
        Assert.Equal(T0 + (parts.Count - 1) * 100, invite.TimestampUnixMicros);
        Assert.Equal(parts.Count - 1, run.Dropped("FragmentPending"));
    }

    [Theory]
    [InlineData(1_000u)]
    [InlineData(4_294_967_000u)] // the sequence numbers wrap inside the stream
    public async Task Tcp_segments_carrying_two_messages_and_one_message_in_three_pieces_give_each_message_once(uint isn)
    {
        var m1 = Bytes(Frames.Sip("INVITE", "tcp-1@test", 1, "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n"));
        var m2 = Bytes(Frames.Sip("BYE", "tcp-2@test", 2));
        var m3 = Bytes(Frames.Sip("MESSAGE", "tcp-3@test", 3, new string('x', 900)));
        var stream = m1.Concat(m2).Concat(m3).ToArray();
        var a = m1.Length + m2.Length; // segment 1 holds m1 and m2 whole
        var b = a + 200;               // m3 split in three
        var c = b + 500;
        byte[] Seg(int from, int to) => stream[from..to];
        Frames.Frame F(long t, uint seq, byte[] payload, bool syn = false, bool fin = false) =>
            new(T0 + t, Frames.Ethernet(Frames.Ipv4Tcp("192.0.2.10", 40000, "192.0.2.20", 5060, seq, payload, syn, fin)));

        var frames = new List<Frames.Frame>
        {
            F(0, unchecked(isn - 1), [], syn: true),
            F(10, isn, Seg(0, a)),
            F(20, unchecked(isn + (uint)a), Seg(a, b)),
            F(30, unchecked(isn + (uint)c), Seg(c, stream.Length)), // arrives before the middle piece
            F(40, unchecked(isn + (uint)b), Seg(b, c)),
            F(50, isn, Seg(0, a)),                        // retransmission of segment 1
            F(60, unchecked(isn + (uint)stream.Length), [], fin: true),
        };

        var (_, messages) = await Replay(frames, 3);
        var byCallId = messages.ToDictionary(m => SipRows.Of(m).CallId);
        Assert.Equal(m1, byCallId["tcp-1@test"].Payload.ToArray());
        Assert.Equal(m2, byCallId["tcp-2@test"].Payload.ToArray());
        Assert.Equal(m3, byCallId["tcp-3@test"].Payload.ToArray());
        Assert.Equal(T0 + 10, byCallId["tcp-1@test"].TimestampUnixMicros);
        Assert.Equal(T0 + 10, byCallId["tcp-2@test"].TimestampUnixMicros);
        Assert.Equal(T0 + 20, byCallId["tcp-3@test"].TimestampUnixMicros); // its first byte's segment
        Assert.All(messages, m => Assert.Equal(6, m.IpProtocol));
        Assert.All(messages, m => Assert.Equal(40000, m.SourcePort));
    }

    [Fact]
    public async Task Vlan_and_qinq_tags_are_read_and_reported()
    {
        var ip = Frames.Ipv4Udp("10.2.0.1", 5060, "10.2.0.2", 5062, Bytes(Frames.Sip("REGISTER", "vlan@test", 1)));
        var ip2 = Frames.Ipv4Udp("10.2.0.1", 5060, "10.2.0.2", 5062, Bytes(Frames.Sip("REGISTER", "qinq@test", 2)));
        var (_, messages) = await Replay([new(T0, Frames.Vlan(ip, 100)), new(T0 + 1, Frames.QinQ(ip2, 200, 300))], 2);
        Assert.Equal((ushort)100, messages.Single(m => SipRows.Of(m).CallId == "vlan@test").Vlan);
        Assert.Equal((ushort)200, messages.Single(m => SipRows.Of(m).CallId == "qinq@test").Vlan);
    }

    [Theory]
    [InlineData(113)]
    [InlineData(276)]
    public async Task Linux_cooked_captures_sll_and_sll2(int linkType)
    {
        var ip = Frames.Ipv4Udp("10.3.0.1", 5070, "10.3.0.2", 5060, Bytes(Frames.Sip("OPTIONS", $"sll{linkType}@test", 1)));
        var ip6 = Frames.Ipv6Udp("2001:db8::1", 5070, "2001:db8::2", 5060, Bytes(Frames.Sip("OPTIONS", $"sll6-{linkType}@test", 1)));
        Func<PacketDotNet.Packet, byte[]> wrap = linkType == 113 ? Frames.Sll : Frames.Sll2;
        var (_, messages) = await Replay([new(T0, wrap(ip), linkType), new(T0 + 5, wrap(ip6), linkType)], 2, linkType);
        var v6 = messages.Single(m => m.SourceAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
        Assert.Equal("2001:db8::1", v6.SourceAddress.ToString());
        Assert.Equal("2001:db8::2", v6.DestinationAddress.ToString());
        Assert.Equal(T0 + 5, v6.TimestampUnixMicros);
        Assert.Equal("10.3.0.1", messages.Single(m => m != v6).SourceAddress.ToString());
    }

    [Fact]
    public async Task Bad_frames_are_counted_by_reason_and_skipped()
    {
        var good = Frames.Ethernet(Frames.Ipv4Udp("10.4.0.1", 5060, "10.4.0.2", 5060, Bytes(Frames.Sip("OPTIONS", "good@test", 1))));
        var badIhl = (byte[])good.Clone();
        badIhl[14] = 0x42; // IPv4 with a 8-byte header
        var truncatedIp = good[..30];
        var shortUdp = new PacketDotNet.IPv4Packet(System.Net.IPAddress.Parse("10.4.0.1"), System.Net.IPAddress.Parse("10.4.0.2"))
        {
            Protocol = PacketDotNet.ProtocolType.Udp,
            PayloadData = [0x13, 0xc4, 0x13],
        };
        shortUdp.UpdateCalculatedValues();
        var truncatedUdp = Frames.EthernetRaw(shortUdp.Bytes);
        var arp = Frames.EthernetRaw(new byte[28], 0x0806);
        var noise = Frames.Ethernet(Frames.Ipv4Udp("10.4.0.1", 5060, "10.4.0.2", 5060, Bytes("\r\n\r\nnot sip at all, just bytes")));
        Frames.Frame[] frames =
        [
            new(T0, good[..10]), new(T0 + 1, badIhl), new(T0 + 2, truncatedIp), new(T0 + 3, truncatedUdp), new(T0 + 4, arp),
            new(T0 + 5, noise), new(T0 + 6, good),
        ];
        var (run, messages) = await Replay(frames, 1);
        Assert.Equal("good@test", SipRows.Of(Assert.Single(messages)).CallId);
        Assert.Equal(7, run.Summary.GetProperty("frames").GetInt64());
        Assert.Equal(1, run.Dropped("TruncatedLinkHeader"));
        Assert.Equal(1, run.Dropped("BadIpHeader"));
        Assert.Equal(1, run.Dropped("TruncatedIpHeader"));
        Assert.Equal(1, run.Dropped("TruncatedTransportHeader"));
        Assert.Equal(1, run.Dropped("NotIp"));
        Assert.Equal(1, run.Dropped("NotSip"));
    }

    [Fact]
    public async Task Sniffing_finds_sip_on_other_ports_unless_turned_off()
    {
        var odd = Frames.Ethernet(Frames.Ipv4Udp("10.5.0.1", 7777, "10.5.0.2", 8888, Bytes(Frames.Sip("OPTIONS", "odd@test", 1))));
        var std = Frames.Ethernet(Frames.Ipv4Udp("10.5.0.1", 5090, "10.5.0.2", 5090, Bytes(Frames.Sip("OPTIONS", "std@test", 1))));
        await Replay([new(T0, odd), new(T0 + 1, std)], 2);
        var (run, messages) = await Replay([new(T0, odd), new(T0 + 1, std)], 1, 1, "--sniff", "false", "--sip-port", "5080-5090");
        Assert.Equal("std@test", SipRows.Of(Assert.Single(messages)).CallId);
        Assert.Equal(1, run.Dropped("NotSip"));
    }
}
