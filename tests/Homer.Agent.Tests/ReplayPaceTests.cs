using System.Diagnostics;
using System.Text;

namespace Homer.Agent.Tests;

public sealed class ReplayPaceTests : IDisposable
{
    private const long T0 = 1_700_000_000_000_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-pace").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Pcap(int count, long gapMicros) => Frames.WritePcap(Path.Combine(_dir, $"{Guid.NewGuid():N}.pcap"),
        Enumerable.Range(0, count).Select(i => new Frames.Frame(T0 + i * gapMicros,
            Frames.Ethernet(Frames.Ipv4Udp("10.8.0.1", 5060, "10.8.0.2", 5060, Encoding.ASCII.GetBytes(Frames.Sip("OPTIONS", $"pace-{i}@test", 1)))))));

    [Fact]
    public async Task Real_speed_keeps_the_recorded_gaps()
    {
        var pcap = Pcap(3, 300_000);
        await using var receiver = HepReceiver.Udp();
        var clock = Stopwatch.StartNew();
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--speed", "real", "--summary", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(580), TimeSpan.FromSeconds(10));
        Assert.True(await receiver.WaitForAsync(3, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Loop_replays_until_interrupted_and_then_exits_0()
    {
        var pcap = Pcap(5, 1000);
        await using var receiver = HepReceiver.Udp();
        using var stop = new CancellationTokenSource();
        var run = AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--loop", "--speed", "real", "--summary", "json"], token: stop.Token);
        Assert.True(await receiver.WaitForAsync(15, TimeSpan.FromSeconds(10)));
        await stop.CancelAsync();
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Summary.GetProperty("frames").GetInt64() >= 15);
    }
}
