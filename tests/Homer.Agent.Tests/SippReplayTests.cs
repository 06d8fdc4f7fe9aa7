using Homer.Hep;

namespace Homer.Agent.Tests;

/// <summary>Replays real sipp calls captured with tshark and compares what arrives over HEP with tshark's own reading.</summary>
public sealed class SippReplayTests(SippCaptures sipp) : IClassFixture<SippCaptures>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Udp_call_every_sip_message_arrives_once_with_tsharks_addresses_ports_and_timestamps()
    {
        Assert.True(sipp.Available, sipp.Why);
        var expected = SipRows.Sorted(await Tools.TsharkSipAsync(sipp.UdpPcap, tcp: false));
        Assert.True(expected.Count >= SippCaptures.Calls * 6); // INVITE 180 200 ACK BYE 200 (more if UDP retransmits)
        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", sipp.UdpPcap, "--to", receiver.Target, "--summary", "json",
            "--capture-id", "42", "--node-name", "edge-1", "--auth-key", "s3cret"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await receiver.WaitForAsync(expected.Count, Wait));
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal(expected, SipRows.Sorted(receiver.Messages.Select(SipRows.Of)));
        Assert.All(receiver.Messages, m =>
        {
            Assert.Equal(HepVersion.V3, m.Version);
            Assert.Equal(HepProtocolType.Sip, m.ProtocolType);
            Assert.Equal(17, m.IpProtocol);
            Assert.Equal(42u, m.CaptureId);
            Assert.Equal("edge-1", m.NodeName);
            Assert.Equal("s3cret", m.AuthKey);
        });
        Assert.Equal(expected.Count, run.Summary.GetProperty("sipUdp").GetInt64());
        Assert.Equal(expected.Count, run.Summary.GetProperty("outputs")[0].GetProperty("sent").GetInt64());
    }

    [Fact]
    public async Task Tcp_call_every_sip_message_arrives_once_over_a_tcp_hep_server()
    {
        Assert.True(sipp.Available, sipp.Why);
        var expected = SipRows.Sorted(await Tools.TsharkSipAsync(sipp.TcpPcap, tcp: true));
        Assert.True(expected.Count >= SippCaptures.Calls * 6);
        await using var receiver = HepReceiver.Tcp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", sipp.TcpPcap, "--to", receiver.Target, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await receiver.WaitForAsync(expected.Count, Wait));
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(200));

        var actual = SipRows.Sorted(receiver.Messages.Select(SipRows.Of));
        // tshark stamps a message with the frame that completes it, we with the frame that starts it; sipp sends each
        // message in one segment, so both agree here.
        Assert.Equal(expected, actual);
        Assert.All(receiver.Messages, m => Assert.Equal(6, m.IpProtocol));
    }

    [Fact]
    public async Task Fanout_to_udp_and_tcp_servers_each_get_every_message()
    {
        Assert.True(sipp.Available, sipp.Why);
        var expected = await Tools.TsharkSipAsync(sipp.UdpPcap, tcp: false);
        await using var udp = HepReceiver.Udp();
        await using var tcp = HepReceiver.Tcp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", sipp.UdpPcap, "--to", udp.Target, "--to", tcp.Target, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await udp.WaitForAsync(expected.Count, Wait));
        Assert.True(await tcp.WaitForAsync(expected.Count, Wait));
        await tcp.SettleAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(SipRows.Sorted(expected), SipRows.Sorted(udp.Messages.Select(SipRows.Of)));
        Assert.Equal(SipRows.Sorted(expected), SipRows.Sorted(tcp.Messages.Select(SipRows.Of)));
    }

    [Fact]
    public async Task Hep2_and_compressed_hep3_carry_the_same_messages()
    {
        Assert.True(sipp.Available, sipp.Why);
        var expected = SipRows.Sorted(await Tools.TsharkSipAsync(sipp.UdpPcap, tcp: false));
        await using var v2 = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", sipp.UdpPcap, "--to", v2.Target, "--hep-version", "2", "--capture-id", "7", "--summary", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await v2.WaitForAsync(expected.Count, Wait));
        Assert.All(v2.Messages, m => Assert.Equal(HepVersion.V2, m.Version));
        Assert.All(v2.Messages, m => Assert.Equal(7u, m.CaptureId));
        Assert.Equal(expected, SipRows.Sorted(v2.Messages.Select(SipRows.Of)));

        await using var zipped = HepReceiver.Udp();
        run = await AgentRun.RunAsync(["capture", "--pcap", sipp.UdpPcap, "--to", zipped.Target, "--compress", "--summary", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await zipped.WaitForAsync(expected.Count, Wait));
        Assert.All(zipped.Raw, raw => Assert.True(HepDecoder.TryDecode(raw, out var p, out _, out _) && p.PayloadCompressed));
        Assert.Equal(expected, SipRows.Sorted(zipped.Messages.Select(SipRows.Of)));
    }
}
