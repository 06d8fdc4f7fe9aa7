using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>
/// The whole capture path with independent peers: real sipp calls on lo, captured live by homer-agent (SharpPcap,
/// as root in CI), sent as HEP to a real node, stored and tracked as dialogs.
/// </summary>
public class AgentToNodeTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task Sipp_calls_captured_live_by_the_agent_appear_in_the_store_and_as_completed_dialogs()
    {
        Assert.True(Environment.UserName == "root" && Has("sipp"), "needs root (live capture) and sipp, as ./test.sh provides");
        const int calls = 3;
        var sipPort = FreeUdpPort();
        var uacPort = FreeUdpPort();
        var stderr = new LockedWriter();
        using var stop = new CancellationTokenSource();
        var agent = new Homer.Agent.Cli.AgentCli(new StringWriter(), stderr, TextReader.Null).RunAsync(
            ["capture", "--interface", "lo", "--filter", $"udp port {sipPort}", "--to", $"udp:127.0.0.1:{node.HepEndpoint.Port}",
                "--sip-port", sipPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--node-name", "agent-lo", "--capture-id", "4242"],
            stop.Token);
        try
        {
            await NodeFixture.WaitUntil(() => Task.FromResult(stderr.ToString().Contains("capturing on lo") || agent.IsCompleted),
                TimeSpan.FromSeconds(20), "agent capturing");
            Assert.False(agent.IsCompleted, stderr.ToString());

            using var uas = Start("sipp", $"-sn uas -i 127.0.0.1 -p {sipPort} -nostdin -m {calls}");
            await Task.Delay(300);
            using var uac = Start("sipp", $"-sn uac 127.0.0.1:{sipPort} -i 127.0.0.1 -p {uacPort} -nostdin -m {calls} -r 10");
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await uac.WaitForExitAsync(timeout.Token);
                await uas.WaitForExitAsync(timeout.Token);
            }
            Assert.Equal(0, uac.ExitCode);

            // sipp's default scenario: INVITE, 180, 200, ACK, BYE, 200 per call.
            const string query = """
                query ($port: Int!) { messages(filter: {anyPort: $port, captureId: 4242, node: "agent-lo"}, first: 100) {
                  totalCount nodes { callId method statusCode srcPort dstPort } } }
                """;
            JsonElement messages = default;
            await node.Eventually(async () =>
            {
                messages = (await node.GraphQL(query, new { port = sipPort })).GetProperty("messages");
                return messages.GetProperty("totalCount").GetInt64() == calls * 6;
            }, $"{calls * 6} captured messages stored");
            var callIds = messages.GetProperty("nodes").EnumerateArray().Select(m => m.GetProperty("callId").GetString()!).Distinct().ToArray();
            Assert.Equal(calls, callIds.Length);
            Assert.All(messages.GetProperty("nodes").EnumerateArray().Where(m => m.GetProperty("method").GetString() == "INVITE"),
                m => Assert.Equal(sipPort, m.GetProperty("dstPort").GetInt32()));

            foreach (var callId in callIds)
                await node.Eventually(async () =>
                {
                    var dialog = (await node.GraphQL("query ($id: String!) { dialog(callId: $id) { state messageCount } }", new { id = callId }))
                        .GetProperty("dialog");
                    return dialog.ValueKind == JsonValueKind.Object && dialog.GetProperty("state").GetString() == "COMPLETED"
                        && dialog.GetProperty("messageCount").GetInt64() == 6;
                }, $"dialog {callId} completed");
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await agent.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
            }
        }
    }

    private static bool Has(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static Process Start(string file, string args)
    {
        var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException($"cannot start {file}");
        // Drained so sipp's screen output can never fill the pipe and stall it.
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        return p;
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
