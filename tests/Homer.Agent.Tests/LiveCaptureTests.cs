namespace Homer.Agent.Tests;

/// <summary>Live capture on the loopback interface (needs root, as CI runs) of a real sipp call.</summary>
public sealed class LiveCaptureTests
{
    [Fact]
    public async Task Sipp_call_on_lo_is_captured_live_with_a_bpf_filter_and_sent_as_hep()
    {
        Assert.True(Tools.IsRoot && Tools.Has("sipp"), "needs root and sipp");
        const int calls = 3;
        var sipPort = Tools.FreeUdpPort();
        var uacPort = Tools.FreeUdpPort();
        await using var receiver = HepReceiver.Udp();
        var stdout = new StringWriter();
        var stderr = new SyncWriter();
        using var stop = new CancellationTokenSource();
        var agent = new Cli.AgentCli(stdout, stderr, TextReader.Null).RunAsync(
            ["capture", "--interface", "lo", "--filter", $"udp port {sipPort}", "--to", receiver.Target, "--summary", "json",
                "--sip-port", sipPort.ToString(), "--node-name", "live"], stop.Token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!stderr.ToString().Contains("capturing on lo") && DateTime.UtcNow < deadline && !agent.IsCompleted) await Task.Delay(50);
        Assert.True(stderr.ToString().Contains("capturing on lo"), stderr.ToString());

        var uas = Tools.Start("sipp", $"-sn uas -i 127.0.0.1 -p {sipPort} -nostdin -m {calls}");
        try
        {
            await Task.Delay(300);
            var uac = await Tools.RunAsync("sipp", $"-sn uac 127.0.0.1:{sipPort} -i 127.0.0.1 -p {uacPort} -nostdin -m {calls} -r 10",
                TimeSpan.FromSeconds(30));
            Assert.True(uac.Code == 0, uac.Stderr);
        }
        finally
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await uas.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { uas.Kill(); }
        }

        Assert.True(await receiver.WaitForAsync(calls * 6, TimeSpan.FromSeconds(10)), $"got {receiver.Messages.Count}");
        await stop.CancelAsync();
        var exit = await agent;
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var rows = receiver.Messages.Select(SipRows.Of).ToList();
        Assert.Equal(calls, rows.Select(r => r.CallId).Distinct().Count());
        Assert.All(rows, r => Assert.True(r.SourcePort == sipPort || r.DestinationPort == sipPort));
        Assert.All(receiver.Messages, m => Assert.Equal("live", m.NodeName));
        // Capture time, not send time: within the last minute.
        Assert.All(receiver.Messages, m => Assert.InRange(m.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow));
    }

    private sealed class SyncWriter : StringWriter
    {
        public override void WriteLine(string? value)
        {
            lock (this) base.WriteLine(value);
        }

        public override string ToString()
        {
            lock (this) return base.ToString();
        }
    }
}
