using System.Net;
using Homer.Hep;

namespace Homer.Agent.Tests;

public sealed class PipeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Stdin_lines_become_hep_100_with_correlation_id_addresses_and_time_and_bad_lines_are_skipped()
    {
        await using var receiver = HepReceiver.Udp();
        const string input =
            "1700000000;123456;call-1@test;10.0.0.1;5060;10.0.0.2;5080;ERROR: something; with a semicolon\n"
            + "not a hepipe line\n"
            + "1700000001;5;call-2@test;2001:db8::1;5060;2001:db8::2;5060;second\n";
        var run = await AgentRun.RunAsync(["pipe", "--to", receiver.Target, "--node-name", "logs-1", "--summary", "json"], input);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("line 2", run.Stderr);
        Assert.True(await receiver.WaitForAsync(2, Wait));
        var byId = receiver.Messages.ToDictionary(m => m.CorrelationId!);
        var first = byId["call-1@test"];
        Assert.Equal(HepProtocolType.Log, first.ProtocolType);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), first.SourceAddress);
        Assert.Equal(IPAddress.Parse("10.0.0.2"), first.DestinationAddress);
        Assert.Equal(5060, first.SourcePort);
        Assert.Equal(5080, first.DestinationPort);
        Assert.Equal(1_700_000_000_123_456L, first.TimestampUnixMicros);
        Assert.Equal("ERROR: something; with a semicolon", System.Text.Encoding.UTF8.GetString(first.Payload.Span));
        Assert.Equal("logs-1", first.NodeName);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), byId["call-2@test"].SourceAddress);
        Assert.Equal(1, run.Summary.GetProperty("linesRejected").GetInt64());
    }

    [Fact]
    public async Task Type_option_sets_the_protocol_type()
    {
        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["pipe", "--to", receiver.Target, "--type", "5", "--summary", "none"],
            "1700000000;0;c@test;10.0.0.1;1;10.0.0.2;2;{\"type\":200}\n");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await receiver.WaitForAsync(1, Wait));
        Assert.Equal(HepProtocolType.RtcpJson, Assert.Single(receiver.Messages).ProtocolType);
    }

    [Fact]
    public async Task Followed_file_sends_lines_appended_after_start_including_one_written_in_two_pieces()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hepipe-{Guid.NewGuid():N}.log");
        await File.WriteAllTextAsync(path, "1700000000;0;old@test;10.0.0.1;1;10.0.0.2;2;already there\n");
        try
        {
            await using var receiver = HepReceiver.Tcp();
            using var cts = new CancellationTokenSource();
            var run = AgentRun.RunAsync(["pipe", "--to", receiver.Target, "--file", path, "--summary", "json"], token: cts.Token);
            await Task.Delay(700);
            await using (var w = new StreamWriter(path, append: true))
            {
                await w.WriteAsync("1700000002;0;new-1@test;10.0.0.1;1;10.0.0.2;2;fir");
                await w.FlushAsync();
                await Task.Delay(300);
                await w.WriteAsync("st\n1700000003;0;new-2@test;10.0.0.1;1;10.0.0.2;2;second\n");
            }

            Assert.True(await receiver.WaitForAsync(2, Wait));
            await cts.CancelAsync();
            var result = await run;
            Assert.True(result.ExitCode == 0, result.ToString());
            var payloads = receiver.Messages.ToDictionary(m => m.CorrelationId!, m => System.Text.Encoding.UTF8.GetString(m.Payload.Span));
            Assert.Equal(2, payloads.Count);
            Assert.Equal("first", payloads["new-1@test"]);
            Assert.Equal("second", payloads["new-2@test"]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
