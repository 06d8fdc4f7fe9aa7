using System.Text;
using Homer.Agent.Output;

namespace Homer.Agent.Tests;

/// <summary>TCP reconnects, failover and the disk buffer, against real sockets on loopback.</summary>
public sealed class OutputTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private const long T0 = 1_700_000_000_000_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-out").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Pcap(int count)
    {
        var frames = Enumerable.Range(0, count).Select(i => new Frames.Frame(T0 + i * 1000,
            Frames.Ethernet(Frames.Ipv4Udp("10.9.0.1", 5060, "10.9.0.2", 5060, Encoding.ASCII.GetBytes(Frames.Sip("OPTIONS", $"out-{i}@test", i + 1))))));
        return Frames.WritePcap(Path.Combine(_dir, $"{Guid.NewGuid():N}.pcap"), frames);
    }

    [Fact]
    public async Task Tcp_server_down_at_start_gets_everything_in_order_from_the_disk_buffer_when_it_comes_up()
    {
        const int count = 3000;
        var pcap = Pcap(count);
        var port = Tools.FreeTcpPort();
        var disk = Path.Combine(_dir, "buffer");
        var run = AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", $"tcp:127.0.0.1:{port}", "--disk-buffer", disk,
            "--drain-timeout", "20", "--summary", "json"]);
        await Task.Delay(1500);
        Assert.NotEmpty(Directory.GetFiles(disk));
        await using var receiver = HepReceiver.Tcp(port);
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(await receiver.WaitForAsync(count, Wait), $"got {receiver.Messages.Count}");
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(200));
        var times = receiver.Messages.Select(m => m.TimestampUnixMicros).ToList();
        Assert.Equal(Enumerable.Range(0, count).Select(i => T0 + i * 1000L), times);
        var output = result.Summary.GetProperty("outputs")[0];
        Assert.True(output.GetProperty("spilled").GetInt64() > 0);
        Assert.Equal(output.GetProperty("spilled").GetInt64(), output.GetProperty("replayed").GetInt64());
    }

    [Fact]
    public async Task Tcp_server_that_never_comes_up_ends_with_exit_code_4()
    {
        var run = await AgentRun.RunAsync(["capture", "--pcap", Pcap(5), "--to", $"tcp:127.0.0.1:{Tools.FreeTcpPort()}",
            "--drain-timeout", "0.5", "--summary", "json"]);
        Assert.Equal(ExitCodes.OutputError, run.ExitCode);
        Assert.Equal(5, run.Summary.GetProperty("outputs")[0].GetProperty("dropped").GetInt64());
    }

    [Fact]
    public async Task Failover_skips_a_dead_tcp_server_and_uses_the_next()
    {
        await using var live = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", Pcap(50), "--to", $"tcp:127.0.0.1:{Tools.FreeTcpPort()}",
            "--to", live.Target, "--mode", "failover", "--drain-timeout", "1", "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await live.WaitForAsync(50, Wait));
        await live.SettleAsync(TimeSpan.FromMilliseconds(150));
        Assert.Equal(50, live.Messages.Count);
    }

    [Fact]
    public async Task Tcp_output_reconnects_after_the_server_restarts_without_losing_packets()
    {
        var port = Tools.FreeTcpPort();
        var first = HepReceiver.Tcp(port);
        await using var output = new TcpHepOutput(new HepTarget(HepTransport.Tcp, "127.0.0.1", port),
            new TcpOutputSettings { InitialBackoff = TimeSpan.FromMilliseconds(50), KeepAlive = TimeSpan.FromMilliseconds(100) });
        byte[] Packet(int i) => Homer.Hep.HepEncoder.Encode(new Homer.Hep.HepMessage
        {
            SourceAddress = System.Net.IPAddress.Loopback, DestinationAddress = System.Net.IPAddress.Loopback,
            Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i), Payload = Encoding.ASCII.GetBytes($"packet {i}"),
        });
        for (var i = 0; i < 100; i++) output.Send(Packet(i));
        Assert.True(await output.FlushAsync(Wait));
        Assert.True(await first.WaitForAsync(100, Wait));
        await first.DisposeAsync();
        // The keep-alive check notices the close while idle.
        var deadline = DateTime.UtcNow + Wait;
        while (output.IsConnected && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(output.IsConnected);
        for (var i = 100; i < 200; i++) output.Send(Packet(i));
        await using var second = HepReceiver.Tcp(port);
        Assert.True(await output.FlushAsync(Wait));
        Assert.True(await second.WaitForAsync(100, Wait));
        var got = first.Messages.Concat(second.Messages).Select(m => Encoding.ASCII.GetString(m.Payload.Span)).ToHashSet();
        Assert.All(Enumerable.Range(0, 200), i => Assert.Contains($"packet {i}", got));
        Assert.True(output.Stats.Connects >= 2);
    }
}
