using System.Net;
using System.Net.Sockets;
using Homer.Node.Tests;

namespace Homer.Cli.Tests;

/// <summary>
/// homerctl agents against a real node and a real homer-agent (in this process, capturing live on lo as root, as CI runs)
/// that announces itself every second: token, list, show, set-filter, set-plan (confirmed and refused), revoke, remove.
/// </summary>
public sealed class AgentCommandTests(NodeFixture node) : IClassFixture<NodeFixture>, IDisposable
{
    private readonly string _configPath = Path.Combine(Path.GetTempPath(), $"homerctl-agents-{Guid.NewGuid():N}", "config.json");

    private Task<CliRun.Result> Admin(params string[] args) =>
        new CliRun(_configPath).Run(["--node", node.BaseAddress.ToString(), "--token", node.AdminToken, .. args]);

    [Fact]
    public async Task Agents_commands_list_show_and_steer_an_announced_agent()
    {
        Assert.True(Environment.UserName == "root", "needs root (live capture on lo), as ./test.sh provides");
        var name = "cli-agent-" + Guid.NewGuid().ToString("N")[..8];
        var port = FreeUdpPort();

        var token = await Admin("agents", "token", name);
        Assert.True(token.ExitCode == ExitCodes.Ok, token.ToString());
        var secret = token.Out.Trim();
        Assert.StartsWith("hag_", secret);

        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var agent = new Homer.Agent.Cli.AgentCli(new StringWriter(), TextWriter.Synchronized(stderr), TextReader.Null).RunAsync(
            ["capture", "--interface", "lo", "--filter", $"udp port {port}", "--to", $"udp:127.0.0.1:{node.HepEndpoint.Port}",
                "--node", node.BaseAddress.ToString(), "--agent-token", secret, "--agent-name", name, "--announce-interval", "1",
                "--summary", "none"], stop.Token);
        try
        {
            CliRun.Result list = null!;
            await NodeFixture.WaitUntil(async () => (list = await Admin("agents", "list")).Out.Contains(name, StringComparison.Ordinal) || agent.IsCompleted,
                TimeSpan.FromSeconds(20), "the agent listed", () => stderr.ToString());
            Assert.False(agent.IsCompleted, stderr.ToString());
            Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
            var line = list.Out.Split('\n').Single(l => l.Contains(name, StringComparison.Ordinal));
            Assert.Contains("ok", line);
            Assert.Contains("0 (own)", line);
            Assert.Contains($"udp port {port}", line);
            Assert.Contains("HEALTH", list.Out);

            var json = await Admin("agents", "list", "--json");
            var listed = json.Json.EnumerateArray().Single(a => a.GetProperty("name").GetString() == name);
            Assert.Equal("lo", listed.GetProperty("inputs")[0].GetProperty("source").GetString());

            var setFilter = await Admin("agents", "set-filter", name, $"udp port {port} or udp port {port + 1}");
            Assert.True(setFilter.ExitCode == ExitCodes.Ok, setFilter.ToString());
            Assert.Contains($"{name} confirmed version 1.", setFilter.Out);
            var show = await Admin("agents", "show", name);
            Assert.True(show.ExitCode == ExitCodes.Ok, show.ToString());
            Assert.Contains("1 (confirmed)", show.Out);
            Assert.Contains($"udp port {port} or udp port {port + 1}", show.Out);
            Assert.Contains("by admin", show.Out);

            // libpcap refuses the filter: exit 6 with its reason, and the agent keeps the filter it had.
            var refused = await Admin("agents", "set-filter", name, "udp port ((");
            Assert.True(refused.ExitCode == ExitCodes.Rejected, refused.ToString());
            Assert.Contains("could not apply version 2", refused.Error);
            show = await Admin("agents", "show", name);
            Assert.Contains("Health     error", show.Out);
            Assert.Contains($"udp port {port} or udp port {port + 1}", show.Out);
            // The desired state is filter and rules together: until the filter is corrected, no later version applies.
            var corrected = await Admin("agents", "set-filter", name, $"udp port {port}");
            Assert.True(corrected.ExitCode == ExitCodes.Ok, corrected.ToString());

            var plans = Path.Combine(Path.GetDirectoryName(_configPath)!, "plans");
            Directory.CreateDirectory(plans);
            var bad = Path.Combine(plans, "bad.json");
            await File.WriteAllTextAsync(bad, """{"rules": [{"if": {"method": ["INVITE"]}, "then": ["send:nowhere"]}]}""");
            var badPlan = await Admin("agents", "set-plan", name, bad);
            Assert.True(badPlan.ExitCode == ExitCodes.Rejected, badPlan.ToString());
            Assert.Contains("output 'nowhere' is not defined", badPlan.Error);

            var good = Path.Combine(plans, "good.json");
            await File.WriteAllTextAsync(good, """[{"if": {"method": ["INVITE", "BYE"]}, "then": ["send:default"]}]""");
            var goodPlan = await Admin("agents", "set-plan", name, good);
            Assert.True(goodPlan.ExitCode == ExitCodes.Ok, goodPlan.ToString());
            Assert.Contains("confirmed version 5", goodPlan.Out);
            show = await Admin("agents", "show", name);
            Assert.Contains("(1 rules from the cluster)", show.Out);
            Assert.Contains("5 (confirmed)", show.Out);

            var notJson = Path.Combine(plans, "plan.yaml");
            await File.WriteAllTextAsync(notJson, "- if: {}\n");
            Assert.Equal(ExitCodes.Rejected, (await Admin("agents", "set-plan", name, notJson)).ExitCode);
            Assert.Equal(ExitCodes.NotFound, (await Admin("agents", "show", "no-such-agent")).ExitCode);
            Assert.Equal(ExitCodes.NotFound, (await Admin("agents", "set-filter", "no-such-agent", "udp")).ExitCode);

            // Revoked, its announcements are refused, so once removed it stays gone.
            var revoke = await Admin("agents", "revoke-tokens", name);
            Assert.Contains("Revoked 1 token(s)", revoke.Out);
            var remove = await Admin("agents", "remove", name);
            Assert.True(remove.ExitCode == ExitCodes.Ok, remove.ToString());
            await NodeFixture.WaitUntil(() => Task.FromResult(stderr.ToString().Contains("unknown or was revoked", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), "the agent told its token was revoked", () => stderr.ToString());
            Assert.Equal(ExitCodes.NotFound, (await Admin("agents", "show", name)).ExitCode);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await agent.WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
            }
        }
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        var dir = Path.GetDirectoryName(_configPath)!;
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
    }
}
