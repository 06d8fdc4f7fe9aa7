using System.Buffers.Binary;
using System.Text;
using Homer.Hep;
using Homer.Sip.Rtcp;

namespace Homer.Agent.Tests;

/// <summary>RTCP on the media ports an INVITE/200 announced goes out as HEP 5 with the call's Call-ID.</summary>
public sealed class RtcpTests : IDisposable
{
    private const long T0 = 1_700_000_000_000_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-rtcp").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Sdp(string ip, int port) =>
        $"v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    /// <summary>SR with one report block, then SDES with a CNAME: a compound packet as phones send it.</summary>
    private static byte[] SenderReport(uint ssrc, uint sourceSsrc, uint jitter)
    {
        var sr = new byte[28 + 24];
        sr[0] = 0x81; // V=2, RC=1
        sr[1] = 200;
        BinaryPrimitives.WriteUInt16BigEndian(sr.AsSpan(2), (ushort)(sr.Length / 4 - 1));
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(4), ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(8), 3_909_000_000);
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(16), 160_000);
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(20), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(24), 172_000);
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(28), sourceSsrc);
        sr[32] = 12; // fraction lost, then 24 bits of cumulative loss
        sr[34] = 0x10;
        sr[35] = 0x92; // 4242
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(36), 65_000); // highest sequence
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(40), jitter);
        var cname = "alice@10.7.0.1"u8.ToArray();
        var sdesLength = (4 + 4 + 2 + cname.Length + 1 + 3) / 4 * 4;
        var sdes = new byte[sdesLength];
        sdes[0] = 0x81;
        sdes[1] = 202;
        BinaryPrimitives.WriteUInt16BigEndian(sdes.AsSpan(2), (ushort)(sdesLength / 4 - 1));
        BinaryPrimitives.WriteUInt32BigEndian(sdes.AsSpan(4), ssrc);
        sdes[8] = 1;
        sdes[9] = (byte)cname.Length;
        cname.CopyTo(sdes, 10);
        return [.. sr, .. sdes];
    }

    [Fact]
    public async Task Rtcp_on_sdp_announced_ports_is_sent_as_hep5_with_the_call_id_and_other_rtcp_is_not()
    {
        const string callId = "rtcp-call@test";
        var invite = Frames.Sip("INVITE", callId, 1, Sdp("10.7.0.1", 40000));
        var ok = Frames.Sip("INVITE", callId, 1, Sdp("10.7.0.2", 50000)).Replace("INVITE sip:bob@example.com SIP/2.0", "SIP/2.0 200 OK");
        Frames.Frame Udp(long t, string src, ushort sp, string dst, ushort dp, byte[] payload) =>
            new(T0 + t, Frames.Ethernet(Frames.Ipv4Udp(src, sp, dst, dp, payload)));
        Frames.Frame[] frames =
        [
            Udp(0, "10.7.0.1", 5060, "10.7.0.2", 5060, Encoding.ASCII.GetBytes(invite)),
            Udp(10, "10.7.0.2", 5060, "10.7.0.1", 5060, Encoding.ASCII.GetBytes(ok)),
            Udp(5_000_000, "10.7.0.1", 40001, "10.7.0.2", 50001, SenderReport(0x11111111, 0x22222222, 77)),
            Udp(5_000_100, "10.7.0.2", 50001, "10.7.0.1", 40001, SenderReport(0x22222222, 0x11111111, 88)),
            Udp(5_000_200, "10.7.0.9", 41001, "10.7.0.8", 51001, SenderReport(0x33333333, 0x44444444, 99)), // no SDP for this
        ];
        var pcap = Frames.WritePcap(Path.Combine(_dir, "rtcp.pcap"), frames);
        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await receiver.WaitForAsync(4, TimeSpan.FromSeconds(5)), run.Stdout);
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(150));
        Assert.Equal(4, receiver.Messages.Count);
        var rtcp = receiver.Messages.Where(m => m.ProtocolType == HepProtocolType.RtcpJson).OrderBy(m => m.TimestampUnixMicros).ToList();
        Assert.Equal(2, rtcp.Count);
        Assert.All(rtcp, m => Assert.Equal(callId, m.CorrelationId));
        Assert.Equal(40001, rtcp[0].SourcePort);
        Assert.Equal(T0 + 5_000_000, rtcp[0].TimestampUnixMicros);
        Assert.True(RtcpJsonParser.TryParse(rtcp[0].Payload.Span, out var packets, out var error), error.ToString());
        var sr = Assert.Single(packets);
        Assert.Equal((byte)200, sr.PacketType);
        Assert.Equal(0x11111111u, sr.Ssrc);
        var block = Assert.Single(sr.ReportBlocks);
        Assert.Equal(0x22222222u, block.SourceSsrc);
        Assert.Equal(77u, block.Jitter);
        Assert.Equal(4242, block.CumulativeLost);
        Assert.Equal((byte)12, block.FractionLost);
        Assert.Equal(65_000u, block.HighestSequence);
        Assert.Equal(1000u, sr.SenderInfo!.PacketCount);
        Assert.Equal("alice@10.7.0.1", Assert.Single(sr.SdesItems).Value);
        Assert.Equal(2, run.Summary.GetProperty("rtcp").GetInt64());
        Assert.Equal(1, run.Dropped("NotSip"));
    }
}
