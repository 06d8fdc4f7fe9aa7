using System.Globalization;
using System.Text.Json;
using Homer.Agent.Tests;

namespace Homer.Node.Tests;

/// <summary>
/// The agent's RTP analysis end to end: a generated call with known loss (RtpPcap, linked from Homer.Agent.Tests) replayed
/// by homer-agent to a real node, where the RTP stream reports attach to the call as QoS of kind "rtp", are charted per
/// stream and direction, and set the call's MOS.
/// </summary>
public class RtpReportsToNodeTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task Rtp_stream_reports_attach_to_the_call_and_set_its_MOS()
    {
        var dir = Directory.CreateTempSubdirectory("homer-rtp-node-").FullName;
        try
        {
            var callId = $"rtp-{Guid.NewGuid():N}@test";
            var start = DateTimeOffset.UtcNow.AddMinutes(-2);
            var call = RtpAnalysisTestsCalls.CallOne(callId, start.ToUnixTimeMilliseconds() * 1000);
            var pcap = Path.Combine(dir, "call.pcap");
            call.Write(pcap);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await new Homer.Agent.Cli.AgentCli(stdout, stderr, TextReader.Null).RunAsync(
                ["capture", "--pcap", pcap, "--to", $"udp:127.0.0.1:{node.HepEndpoint.Port}", "--summary", "none"]);
            Assert.True(code == 0, stderr.ToString());

            // Two directions, each with two interim reports and a final one.
            JsonElement streams = default;
            await node.Eventually(async () =>
            {
                streams = (await node.GraphQL("query ($ids: [String!]!) { qos(callIds: $ids) { source ssrc direction points { mos packetLossPct jitterMs } } }",
                    new { ids = new[] { callId } })).GetProperty("qos");
                return streams.GetArrayLength() == 2 && streams.EnumerateArray().All(s => s.GetProperty("points").GetArrayLength() == 3);
            }, "two RTP streams of three reports each charted");
            var forward = streams.EnumerateArray().Single(s => s.GetProperty("ssrc").GetString() == "0x11111111");
            Assert.Equal(("rtp", "10.1.0.1:40000 -> 10.2.0.2:50000"), (forward.GetProperty("source").GetString(), forward.GetProperty("direction").GetString()));
            Assert.All(forward.GetProperty("points").EnumerateArray(), p => Assert.InRange(p.GetProperty("packetLossPct").GetDouble(), 1.0, 3.0));

            double lowest = 5;
            await node.Eventually(async () =>
            {
                var dialog = (await node.GraphQL("query ($id: String!) { dialog(callId: $id) { state qosReports { source mosLq } } }", new { id = callId }))
                    .GetProperty("dialog");
                if (dialog.ValueKind != JsonValueKind.Object) return false;
                var reports = dialog.GetProperty("qosReports").EnumerateArray().ToList();
                if (reports.Count != 6 || reports.Any(r => r.GetProperty("source").GetString() != "rtp")) return false;
                lowest = reports.Min(r => r.GetProperty("mosLq").GetDouble());
                return dialog.GetProperty("state").GetString() == "COMPLETED";
            }, "six rtp reports on the completed dialog");
            await node.Eventually(async () =>
            {
                var rows = (await node.GraphQL("query ($id: String!, $from: DateTime!) { dialogs(filter: {callId: $id, from: $from}, first: 1) { nodes { mosMin } } }",
                    new { id = callId, from = start.AddMinutes(-1).ToString("O", CultureInfo.InvariantCulture) })).GetProperty("dialogs").GetProperty("nodes");
                return rows.GetArrayLength() == 1 && rows[0].GetProperty("mosMin").ValueKind == JsonValueKind.Number
                    && Math.Abs(rows[0].GetProperty("mosMin").GetDouble() - lowest) < 1e-9;
            }, "the call row's lowest MOS is the lowest RTP report's");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
