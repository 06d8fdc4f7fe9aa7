using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>
/// Fleet control end to end: a node and two homer-agents capturing live on lo (root, as CI runs), both announcing
/// with their agent tokens. A filter changed through the API reaches one agent within seconds, is confirmed back, and
/// changes what that agent captures and sends, while the other agent captures on as before.
/// </summary>
public class FleetControlTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    private const uint CaptureA = 7101;
    private const uint CaptureB = 7102;

    [Fact]
    public async Task A_filter_set_through_the_api_is_confirmed_by_its_agent_and_changes_only_that_agents_traffic()
    {
        Assert.True(Environment.UserName == "root", "needs root (live capture on lo), as ./test.sh provides");
        var run = Guid.NewGuid().ToString("N")[..8];
        var nameA = "fleet-a-" + run;
        var nameB = "fleet-b-" + run;
        var kept = FreeUdpPort();
        var excluded = FreeUdpPort();
        var tokenA = await CreateToken(nameA);
        var tokenB = await CreateToken(nameB);
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);

        var stderrA = new LockedWriter();
        var stderrB = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var agentA = StartAgent(nameA, tokenA, CaptureA, kept, excluded, stderrA, stop.Token);
        // B is set up by its configuration file (YAML, the "fleet" section), A by the command line: both paths announce.
        var config = Path.Combine(Path.GetTempPath(), $"fleet-{run}.yaml");
        await File.WriteAllTextAsync(config, $$"""
            hep: { captureId: {{CaptureB}}, nodeName: {{nameB}} }
            outputs:
              node: { to: ["udp:127.0.0.1:{{node.HepEndpoint.Port}}"] }
            inputs:
              - { name: lo, interface: lo, filter: "udp port {{kept}} or udp port {{excluded}}", sipPorts: ["{{kept}}", "{{excluded}}"], rtpReportSeconds: 0 }
              # A second live input that sees none of the test's traffic; its link type (Linux cooked) refuses Ethernet filters.
              - { name: cooked, interface: any, filter: "udp port 9", rtpReportSeconds: 0 }
            fleet: { node: "{{node.BaseAddress}}", token: {{tokenB}}, intervalSeconds: 1 }
            """);
        var agentB = new Homer.Agent.Cli.AgentCli(new StringWriter(), stderrB, TextReader.Null).RunAsync(["--config", config, "--summary", "none"], stop.Token);
        try
        {
            await NodeFixture.WaitUntil(() => Task.FromResult(Count(stderrA, "capturing on lo") + Count(stderrB, "capturing on lo") + Count(stderrB, "capturing on any") == 3
                || agentA.IsCompleted || agentB.IsCompleted), TimeSpan.FromSeconds(20), "both agents capturing",
                () => $"A: {stderrA}\nB: {stderrB}");
            Assert.False(agentA.IsCompleted || agentB.IsCompleted, $"A: {stderrA}\nB: {stderrB}");

            // Both listed, healthy, with their inputs and the filter they were started with.
            const string agentsQuery = "{ agents { name health version host planVersion desiredVersion confirmed lastSeen intervalSeconds inputs { name kind source filter } counters { packets sipMessages hepSent dropped buffered } } }";
            await node.Eventually(async () =>
            {
                var agents = (await node.GraphQL(agentsQuery)).GetProperty("agents").EnumerateArray().ToList();
                return agents.Count(a => (a.GetProperty("name").GetString() == nameA || a.GetProperty("name").GetString() == nameB)
                    && a.GetProperty("health").GetString() == "ok") == 2;
            }, "both agents listed as ok");
            var listed = (await node.GraphQL(agentsQuery)).GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("name").GetString() == nameA);
            var input = Assert.Single(listed.GetProperty("inputs").EnumerateArray());
            Assert.Equal("interface", input.GetProperty("kind").GetString());
            Assert.Equal("lo", input.GetProperty("source").GetString());
            Assert.Equal($"udp port {kept} or udp port {excluded}", input.GetProperty("filter").GetString());
            Assert.Equal(0, listed.GetProperty("planVersion").GetInt64());
            Assert.Equal(1, listed.GetProperty("intervalSeconds").GetInt32());

            // An agent token speaks for its own agent only, and opens nothing else in the API.
            using (var asA = node.Client(tokenA))
            {
                using var forged = await asA.PostAsJsonAsync("/api/agent/announce", new { name = nameB });
                Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
                using var graphql = await asA.PostAsJsonAsync("/graphql", new { query = "{ agents { name } }" });
                Assert.Equal(HttpStatusCode.Unauthorized, graphql.StatusCode);
                Assert.Contains("agent token only announces its agent", await graphql.Content.ReadAsStringAsync());
            }

            // Before the change both agents capture both ports.
            await SendSip("before", kept, excluded);
            await node.Eventually(async () => (await Stored(CaptureA, since, "before")).Count == 4 && (await Stored(CaptureB, since, "before")).Count == 4,
                "both agents' capture of both ports stored");

            var watch = Stopwatch.StartNew();
            var set = (await node.GraphQL("mutation ($n: String!, $f: String!) { setAgentFilter(name: $n, bpf: $f) { desiredVersion confirmed desiredFilter } }",
                new { n = nameA, f = $"udp port {kept}" })).GetProperty("setAgentFilter");
            var version = set.GetProperty("desiredVersion").GetInt64();
            Assert.Equal(1, version);
            Assert.False(set.GetProperty("confirmed").GetBoolean());
            JsonElement confirmed = default;
            await NodeFixture.WaitUntil(async () =>
            {
                confirmed = (await node.GraphQL("query ($n: String!) { agent(name: $n) { planVersion confirmed applyError health inputs { filter } } }",
                    new { n = nameA })).GetProperty("agent");
                return confirmed.GetProperty("confirmed").GetBoolean();
            }, TimeSpan.FromSeconds(10), "agent A confirms the new filter", () => stderrA.ToString());
            watch.Stop();
            Assert.Equal(version, confirmed.GetProperty("planVersion").GetInt64());
            Assert.Equal(JsonValueKind.Null, confirmed.GetProperty("applyError").ValueKind);
            Assert.Equal("ok", confirmed.GetProperty("health").GetString());
            Assert.Equal($"udp port {kept}", confirmed.GetProperty("inputs")[0].GetProperty("filter").GetString());
            Assert.Contains($"applied version {version}", stderrA.ToString());

            // After it: A sends only the kept port, B still both. Each datagram goes to the excluded port first, so by
            // the time A's kept-port copy is stored, an excluded-port copy of A's would have been stored too.
            await SendSip("after", kept, excluded);
            await node.Eventually(async () => (await Stored(CaptureA, since, "after")).Count == 2 && (await Stored(CaptureB, since, "after")).Count == 4,
                "the second round stored");
            var afterA = await Stored(CaptureA, since, "after");
            Assert.All(afterA, m => Assert.True(m.DstPort == kept, $"agent A sent a message to port {m.DstPort} after its filter excluded it"));
            var afterB = await Stored(CaptureB, since, "after");
            Assert.Equal(2, afterB.Count(m => m.DstPort == excluded));
            var b = (await node.GraphQL("query ($n: String!) { agent(name: $n) { planVersion desiredVersion inputs { filter } } }", new { n = nameB })).GetProperty("agent");
            Assert.Equal(0, b.GetProperty("desiredVersion").GetInt64());
            Assert.Equal($"udp port {kept} or udp port {excluded}", b.GetProperty("inputs")[0].GetProperty("filter").GetString());

            // A filter libpcap refuses is reported back and nothing changes: lo took this Ethernet filter, the cooked
            // input refused it, so lo goes back to the filter it had.
            await node.GraphQL("mutation ($n: String!) { setAgentFilter(name: $n, bpf: \"ether host 00:11:22:33:44:55\") { desiredVersion } }", new { n = nameB });
            JsonElement refused = default;
            await NodeFixture.WaitUntil(async () =>
            {
                refused = (await node.GraphQL("query ($n: String!) { agent(name: $n) { planVersion desiredVersion confirmed applyError health inputs { filter } } }",
                    new { n = nameB })).GetProperty("agent");
                return refused.GetProperty("planVersion").GetInt64() == 1;
            }, TimeSpan.FromSeconds(10), "agent B reports the refused filter", () => stderrB.ToString());
            Assert.False(refused.GetProperty("confirmed").GetBoolean());
            Assert.Equal("error", refused.GetProperty("health").GetString());
            Assert.StartsWith("filter on cooked:", refused.GetProperty("applyError").GetString());
            Assert.Equal($"udp port {kept} or udp port {excluded}", refused.GetProperty("inputs")[0].GetProperty("filter").GetString());
            Assert.Equal("udp port 9", refused.GetProperty("inputs")[1].GetProperty("filter").GetString());

            // /metrics says the same, so an alert rule can page on it: B in error, A ok and just heard, with its counters.
            var metrics = await node.Http.GetStringAsync("/metrics");
            Assert.Contains($"homer_agent_health{{agent=\"{nameB}\",state=\"error\"}} 1", metrics);
            Assert.Contains($"homer_agent_health{{agent=\"{nameA}\",state=\"ok\"}} 1", metrics);
            Assert.Contains($"homer_agent_health{{agent=\"{nameA}\",state=\"stale\"}} 0", metrics);
            Assert.Matches($@"homer_agent_seconds_since_seen{{agent=""{nameA}""}} [0-9.]+", metrics);
            Assert.Matches($@"homer_agent_counter{{agent=""{nameA}"",counter=""hep_sent""}} [1-9]", metrics);

            // Measured, not asserted beyond the 10 s above: the interval is 1 s here, so about 1 s is expected.
            Console.WriteLine($"fleet filter change confirmed after {watch.ElapsedMilliseconds} ms");
        }
        finally
        {
            File.Delete(config);
            await stop.CancelAsync();
            foreach (var agent in new[] { agentA, agentB })
                try
                {
                    await agent.WaitAsync(TimeSpan.FromSeconds(15));
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                }
        }
    }

    private Task<int> StartAgent(string name, string token, uint captureId, int kept, int excluded, TextWriter stderr, CancellationToken stop) =>
        new Homer.Agent.Cli.AgentCli(new StringWriter(), stderr, TextReader.Null).RunAsync(
            ["capture", "--interface", "lo", "--filter", $"udp port {kept} or udp port {excluded}",
                "--to", $"udp:127.0.0.1:{node.HepEndpoint.Port}", "--sip-port", $"{kept},{excluded}", "--node-name", name,
                "--capture-id", captureId.ToString(CultureInfo.InvariantCulture), "--node", node.BaseAddress.ToString(),
                "--agent-token", token, "--announce-interval", "1", "--summary", "none", "--rtp-report-interval", "0"],
            stop);

    private async Task<string> CreateToken(string name)
    {
        var created = (await node.GraphQL("mutation ($n: String!) { createAgentToken(name: $n) { name token } }", new { n = name }))
            .GetProperty("createAgentToken");
        Assert.Equal(name, created.GetProperty("name").GetString());
        var token = created.GetProperty("token").GetString()!;
        Assert.StartsWith("hag_", token);
        return token;
    }

    /// <summary>Two SIP OPTIONS per port, excluded port first; nobody listens, capture on lo sees them all the same.</summary>
    private static async Task SendSip(string round, int kept, int excluded)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var from = ((IPEndPoint)socket.LocalEndPoint!).Port;
        for (var i = 0; i < 2; i++)
            foreach (var port in new[] { excluded, kept })
            {
                var callId = $"{round}-{port}-{i}-{Guid.NewGuid():N}@fleet";
                var sip = $"OPTIONS sip:probe@127.0.0.1:{port} SIP/2.0\r\n"
                    + $"Via: SIP/2.0/UDP 127.0.0.1:{from};branch=z9hG4bK{Guid.NewGuid():N}\r\n"
                    + "Max-Forwards: 70\r\nFrom: <sip:fleet@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\n"
                    + $"Call-ID: {callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
                await socket.SendToAsync(Encoding.ASCII.GetBytes(sip), new IPEndPoint(IPAddress.Loopback, port));
            }
    }

    private sealed record StoredMessage(string CallId, int DstPort);

    private async Task<List<StoredMessage>> Stored(uint captureId, DateTimeOffset since, string round)
    {
        var data = await node.GraphQL("query ($c: Long!, $f: DateTime!) { messages(filter: {captureId: $c, from: $f}, first: 500) { nodes { callId dstPort } } }",
            new { c = captureId, f = since });
        return data.GetProperty("messages").GetProperty("nodes").EnumerateArray()
            .Select(m => new StoredMessage(m.GetProperty("callId").GetString() ?? "", m.GetProperty("dstPort").GetInt32()))
            .Where(m => m.CallId.StartsWith(round + "-", StringComparison.Ordinal))
            .ToList();
    }

    private static int Count(LockedWriter w, string text)
    {
        var s = w.ToString();
        var n = 0;
        for (var i = s.IndexOf(text, StringComparison.Ordinal); i >= 0; i = s.IndexOf(text, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private sealed class LockedWriter : StringWriter
    {
        public override void WriteLine(string? value)
        {
            lock (this)
                base.WriteLine(value);
        }

        public override string ToString()
        {
            lock (this)
                return base.ToString();
        }
    }
}
