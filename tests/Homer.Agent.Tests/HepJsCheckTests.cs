using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Homer.TestSupport;

namespace Homer.Agent.Tests;

/// <summary>
/// What the agent sends, read by sipcapture's hep-js (an independent HEP3 decoder) through tests/oracle/oracle.js:
/// every field hep-js knows must equal ours. Needs node and `npm ci` in tests/oracle, as the codec tests do: skipped
/// without them, failed without them in CI (<see cref="HepJsFactAttribute"/>).
/// </summary>
public sealed class HepJsCheckTests(SippCaptures sipp) : IClassFixture<SippCaptures>
{
    [HepJsFact]
    public async Task Hep_js_reads_the_agents_packets_with_the_same_addresses_ports_times_ids_and_payloads()
    {
        Assert.True(sipp.Available, sipp.Why);
        HepJsOracle.AssertAvailable();
        var oracle = HepJsOracle.OracleDirectory;
        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", sipp.UdpPcap, "--to", receiver.Target, "--capture-id", "321",
            "--node-name", "edge-js", "--auth-key", "k3y", "--summary", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = (await Tools.TsharkSipAsync(sipp.UdpPcap, tcp: false)).Count;
        Assert.True(await receiver.WaitForAsync(expected, TimeSpan.FromSeconds(10)));
        var raw = receiver.Raw.ToList();
        var ours = receiver.Messages.ToList();

        var start = new ProcessStartInfo(HepJsOracle.Node!, ["oracle.js", "decode"])
        {
            WorkingDirectory = oracle,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        using var node = Process.Start(start)!;
        foreach (var packet in raw) await node.StandardInput.WriteLineAsync(Convert.ToHexString(packet));
        node.StandardInput.Close();
        var output = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, await node.StandardError.ReadToEndAsync());
        var answers = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(raw.Count, answers.Length);

        for (var i = 0; i < raw.Count; i++)
        {
            var a = JsonDocument.Parse(answers[i]).RootElement;
            Assert.True(a.GetProperty("ok").GetBoolean());
            var rc = a.GetProperty("rcinfo");
            var m = ours[i];
            Assert.Equal(m.SourceAddress.ToString(), rc.GetProperty("srcIp").GetString());
            Assert.Equal(m.DestinationAddress.ToString(), rc.GetProperty("dstIp").GetString());
            Assert.Equal(m.SourcePort, rc.GetProperty("srcPort").GetInt32());
            Assert.Equal(m.DestinationPort, rc.GetProperty("dstPort").GetInt32());
            Assert.Equal(m.TimestampUnixMicros / 1_000_000, rc.GetProperty("timeSeconds").GetInt64());
            Assert.Equal(m.TimestampUnixMicros % 1_000_000, rc.GetProperty("timeUseconds").GetInt64());
            Assert.Equal(1, rc.GetProperty("payloadType").GetInt32());
            Assert.Equal(321, rc.GetProperty("captureId").GetInt64());
            Assert.Equal("k3y", rc.GetProperty("capturePass").GetString());
            Assert.Equal("edge-js", rc.GetProperty("hepNodeName").GetString());
            Assert.Equal(Convert.ToHexString(m.Payload.Span), a.GetProperty("payloadHex").GetString()!.ToUpperInvariant());
        }
    }
}
