namespace Homer.Agent.Tests;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("capture --to udp:127.0.0.1:9060")]
    [InlineData("capture --pcap x.pcap --interface lo --to udp:127.0.0.1:9060")]
    [InlineData("capture --pcap x.pcap --to ftp:host:1")]
    [InlineData("capture --pcap x.pcap --to udp:host:99999")]
    [InlineData("capture --pcap x.pcap --to udp:127.0.0.1:9060 --hep-version 4")]
    [InlineData("capture --pcap x.pcap --to udp:127.0.0.1:9060 --sip-port 6000-5000")]
    [InlineData("capture --pcap x.pcap")]
    [InlineData("pipe")]
    [InlineData("frobnicate")]
    public async Task Bad_command_lines_exit_2_with_a_message(string args)
    {
        var run = await AgentRun.RunAsync(args.Split(' '));
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("homer-agent:", run.Stderr);
    }

    [Fact]
    public async Task Missing_or_unreadable_input_exits_3()
    {
        var missing = await AgentRun.RunAsync(["capture", "--pcap", "/nonexistent.pcap", "--to", "udp:127.0.0.1:9", "--summary", "none"]);
        Assert.Equal(ExitCodes.InputError, missing.ExitCode);
        var garbage = Path.GetTempFileName();
        await File.WriteAllTextAsync(garbage, "this is not a capture file");
        try
        {
            var bad = await AgentRun.RunAsync(["capture", "--pcap", garbage, "--to", "udp:127.0.0.1:9", "--summary", "none"]);
            Assert.Equal(ExitCodes.InputError, bad.ExitCode);
        }
        finally
        {
            File.Delete(garbage);
        }
    }

    [Fact]
    public async Task Unresolvable_output_host_exits_4()
    {
        var run = await AgentRun.RunAsync(["capture", "--pcap", "/nonexistent.pcap", "--to", "udp:no-such-host.invalid:9060", "--summary", "none"]);
        Assert.Equal(ExitCodes.OutputError, run.ExitCode);
    }

    [Fact]
    public async Task Help_describes_every_option()
    {
        var run = await AgentRun.RunAsync(["capture", "--help"]);
        Assert.Equal(0, run.ExitCode);
        foreach (var option in new[] { "--pcap", "--interface", "--filter", "--speed", "--loop", "--to", "--mode", "--capture-id",
                     "--node-name", "--auth-key", "--hep-version", "--compress", "--sip-port", "--sniff", "--disk-buffer", "Exit codes" })
            Assert.Contains(option, run.Stdout);
    }
}
