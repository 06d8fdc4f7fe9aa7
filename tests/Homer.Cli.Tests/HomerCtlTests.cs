using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Homer.Node.Tests;

namespace Homer.Cli.Tests;

/// <summary>
/// homerctl against a real node (in this process, real PostgreSQL, real HTTP and HEP sockets): every command group,
/// tables and JSON, and the exit code of each kind of failure.
/// </summary>
public sealed class HomerCtlTests(NodeFixture node) : IClassFixture<NodeFixture>, IDisposable
{
    private readonly string _configPath = Path.Combine(Path.GetTempPath(), $"homerctl-test-{Guid.NewGuid():N}", "config.json");

    private string Node => node.BaseAddress.ToString();

    /// <summary>homerctl with the admin's token given on the command line.</summary>
    private Task<CliRun.Result> Admin(params string[] args) =>
        new CliRun(_configPath).Run(["--node", Node, "--token", node.AdminToken, .. args]);

    [Fact]
    public async Task Login_saves_a_private_token_that_later_commands_use()
    {
        var cli = new CliRun(_configPath, new Dictionary<string, string?> { ["HOMER_NODE"] = Node });
        var refused = await cli.Run("cluster", "show");
        Assert.True(refused.ExitCode == ExitCodes.Unauthorized, refused.ToString());
        Assert.Contains("homerctl login", refused.Error);

        var wrong = await cli.RunWithInput("wrong-password\n", "login", "--password-stdin");
        Assert.True(wrong.ExitCode == ExitCodes.Unauthorized, wrong.ToString());
        Assert.False(File.Exists(_configPath));

        var login = await cli.RunWithInput(NodeFixture.AdminPassword + "\n", "login", "--user", "admin", "--password-stdin");
        Assert.True(login.ExitCode == ExitCodes.Ok, login.ToString());
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_configPath));

        var show = await cli.Run("cluster", "show");
        Assert.True(show.ExitCode == ExitCodes.Ok, show.ToString());
        Assert.Contains("(this node)", show.Out);
        Assert.Contains("api,dialog,ingest", show.Out);

        // The saved token is not sent to another node; HOMER_TOKEN wins over the file.
        var elsewhere = await cli.Run("--node", "http://127.0.0.1:" + ClosedPort(), "cluster", "show");
        Assert.True(elsewhere.ExitCode == ExitCodes.Unreachable, elsewhere.ToString());
        var byEnv = await new CliRun(_configPath, new Dictionary<string, string?> { ["HOMER_NODE"] = Node, ["HOMER_TOKEN"] = "not-a-token" }).Run("cluster", "show");
        Assert.True(byEnv.ExitCode == ExitCodes.Unauthorized, byEnv.ToString());

        var logout = await cli.Run("logout");
        Assert.True(logout.ExitCode == ExitCodes.Ok, logout.ToString());
        Assert.Equal(ExitCodes.Unauthorized, (await cli.Run("cluster", "show")).ExitCode);
    }

    [Fact]
    public async Task Cluster_show_lists_the_member_as_table_and_json()
    {
        var json = await Admin("cluster", "show", "--json");
        Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
        var member = Assert.Single(json.Json.GetProperty("members").EnumerateArray());
        Assert.Equal("UP", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.True(member.GetProperty("leader").GetBoolean());
        Assert.Equal(["api", "dialog", "ingest"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(member.GetProperty("address").GetString(), json.Json.GetProperty("leader").GetString());
    }

    [Fact]
    public async Task Ingest_sharding_and_dialog_commands_show_what_was_sent()
    {
        var callId = "cli-" + Guid.NewGuid().ToString("N")[..10] + "@192.0.2.10";
        var legs = SipCalls.BasicCall(callId, "alice", "bob", SipCalls.NowMicros());
        var before = node.Counters.Received;
        await node.SendHep(legs.Select(l => SipCalls.Hep3(l)).ToArray());
        await node.SendHep([1, 2, 3, 4]);

        CliRun.Result dialog = null!;
        await NodeFixture.WaitUntil(async () => (dialog = await Admin("dialog", "show", callId, "--json")).ExitCode == 0
            && dialog.Json.GetProperty("state").GetString() == "COMPLETED", TimeSpan.FromSeconds(20), "dialog completed");
        Assert.Equal(7, dialog.Json.GetProperty("messageCount").GetInt64());
        Assert.Equal(["INVITE", "ACK", "BYE"], dialog.Json.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("method").GetString()));
        var table = await Admin("dialog", "show", callId);
        Assert.Contains("COMPLETED", table.Out);
        Assert.Contains("INVITE", table.Out);

        CliRun.Result ingest = null!;
        await NodeFixture.WaitUntil(async () => (ingest = await Admin("ingest", "stats", "--json")).ExitCode == 0
            && ingest.Json[0].GetProperty("received").GetInt64() >= before + 8, TimeSpan.FromSeconds(10), "ingest counters");
        var stats = ingest.Json[0];
        Assert.Equal("test-node", stats.GetProperty("nodeName").GetString());
        Assert.True(stats.GetProperty("ingests").GetBoolean());
        Assert.True(stats.GetProperty("receivedPerSecond").GetDouble() > 0, ingest.Out);
        Assert.True(stats.GetProperty("stored").GetInt64() >= 7);
        Assert.True(stats.GetProperty("drops").EnumerateArray().Single(d => d.GetProperty("reason").GetString() == "DecodeError").GetProperty("count").GetInt64() >= 1);
        var ingestTable = await Admin("ingest", "stats");
        Assert.Contains("DecodeError=", ingestTable.Out);

        var regions = await Admin("sharding", "regions", "--json");
        Assert.True(regions.ExitCode == 0, regions.ToString());
        var region = Assert.Single(regions.Json.EnumerateArray());
        Assert.Equal("dialog", region.GetProperty("typeName").GetString());
        Assert.True(region.GetProperty("shards").GetInt32() >= 1);
        Assert.True(region.GetProperty("entities").GetInt32() >= 1);
        var shardStats = await Admin("sharding", "stats");
        Assert.True(shardStats.ExitCode == 0, shardStats.ToString());
        Assert.Contains("dialog", shardStats.Out);

        var missing = await Admin("dialog", "show", "never-seen-" + Guid.NewGuid());
        Assert.True(missing.ExitCode == ExitCodes.NotFound, missing.ToString());
    }

    [Fact]
    public async Task Config_show_masks_secrets()
    {
        var config = await Admin("config", "show", "--json");
        Assert.True(config.ExitCode == 0, config.ToString());
        var entries = config.Json.GetProperty("entries").EnumerateArray()
            .ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("value").GetString()!);
        Assert.Equal("********", entries["HOMER_ADMIN_PASSWORD"]);
        Assert.Contains("Password=********", entries["HOMER_DB"]);
        Assert.Equal("ingest,dialog,api", entries["HOMER_ROLES"]);
        Assert.Equal("keep-majority", entries["akka.cluster.split-brain-resolver.active-strategy"]);
        Assert.Equal("200ms", entries["homer.alarms.evaluation-interval"]);
        Assert.DoesNotContain(NodeFixture.AdminPassword, config.Out);
        Assert.DoesNotContain("Password=homer", config.Out, StringComparison.OrdinalIgnoreCase);

        var member = config.Json.GetProperty("address").GetString()!;
        var byAddress = await Admin("config", "show", "--member", member);
        Assert.True(byAddress.ExitCode == 0, byAddress.ToString());
        Assert.Contains("HOMER_NODE_NAME", byAddress.Out);
        var unknown = await Admin("config", "show", "--member", "akka.tcp://homer@192.0.2.99:4053");
        Assert.True(unknown.ExitCode == ExitCodes.NotFound, unknown.ToString());
    }

    [Fact]
    public async Task Storage_partitions_and_retention_run()
    {
        var partitions = await Admin("storage", "partitions", "--json");
        Assert.True(partitions.ExitCode == 0, partitions.ToString());
        var tables = partitions.Json.EnumerateArray().Select(p => p.GetProperty("table").GetString()).ToHashSet();
        Assert.Contains("hep_call", tables);
        Assert.Contains("hep_registration", tables);

        var run = await Admin("storage", "retention", "run", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Json.GetProperty("droppedByAge").EnumerateArray());
        Assert.True(run.Json.GetProperty("bytesAfter").GetInt64() > 0);
    }

    [Fact]
    public async Task Users_and_tokens_round_trip()
    {
        var name = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var shortPassword = await Admin("users", "add", name, "--role", "viewer", "--password", "short");
        Assert.True(shortPassword.ExitCode == ExitCodes.Rejected, shortPassword.ToString());

        var add = await new CliRun(_configPath).RunWithInput("first-password\n", "--node", Node, "--token", node.AdminToken, "users", "add", name, "--role", "admin", "--password-stdin");
        Assert.True(add.ExitCode == 0, add.ToString());
        var again = await Admin("users", "add", name, "--password", "first-password");
        Assert.True(again.ExitCode == ExitCodes.Rejected, again.ToString());
        var list = await Admin("users", "list", "--json");
        Assert.Contains(list.Json.EnumerateArray(), u => u.GetProperty("username").GetString() == name && u.GetProperty("role").GetString() == "ADMIN"
            && u.GetProperty("source").GetString() == "LOCAL");
        var table = await Admin("users", "list");
        Assert.Contains("SOURCE", table.Out);

        var reset = await Admin("users", "reset-password", name, "--password", "second-password");
        Assert.True(reset.ExitCode == 0, reset.ToString());
        var theirToken = await node.Login(name, "second-password");

        // A token created by the new admin works for homerctl until it is revoked.
        var create = await new CliRun(_configPath).Run("--node", Node, "--token", theirToken, "tokens", "create", "ci-script", "--role", "admin", "--expires-in-days", "2", "--json");
        Assert.True(create.ExitCode == 0, create.ToString());
        var apiToken = create.Json.GetProperty("token").GetString()!;
        var id = create.Json.GetProperty("apiToken").GetProperty("id").GetString()!;
        var withApiToken = new CliRun(_configPath, new Dictionary<string, string?> { ["HOMER_NODE"] = Node, ["HOMER_TOKEN"] = apiToken });
        Assert.Equal(ExitCodes.Ok, (await withApiToken.Run("cluster", "show")).ExitCode);
        var tokens = await Admin("tokens", "list", "--all", "--json");
        Assert.Contains(tokens.Json.EnumerateArray(), t => t.GetProperty("id").GetString() == id && t.GetProperty("owner").GetString() == name);
        Assert.Equal(ExitCodes.Ok, (await Admin("tokens", "revoke", id)).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await Admin("tokens", "revoke", id)).ExitCode);
        Assert.Equal(ExitCodes.Unauthorized, (await withApiToken.Run("cluster", "show")).ExitCode);

        // Disabling the user ends their sessions at once.
        Assert.Equal(ExitCodes.Ok, (await Admin("users", "disable", name)).ExitCode);
        Assert.Equal(ExitCodes.Unauthorized, (await new CliRun(_configPath).Run("--node", Node, "--token", theirToken, "cluster", "show")).ExitCode);
        Assert.Equal(ExitCodes.NotFound, (await Admin("users", "disable", "nobody-" + name)).ExitCode);

        // A viewer may not use admin commands.
        var viewer = "viewer-" + name;
        Assert.Equal(ExitCodes.Ok, (await Admin("users", "add", viewer, "--role", "viewer", "--password", "viewer-password")).ExitCode);
        var denied = await new CliRun(_configPath).Run("--node", Node, "--token", await node.Login(viewer, "viewer-password"), "cluster", "show");
        Assert.True(denied.ExitCode == ExitCodes.Unauthorized, denied.ToString());
        Assert.Contains("admin role", denied.Error);
    }

    [Fact]
    public async Task Alarms_list_and_ack_a_scanner_alarm()
    {
        // A REGISTER from a SIP scanner: the default SCANNER rule raises an alarm for its source address.
        var callId = "scan-" + Guid.NewGuid().ToString("N")[..10];
        var scanner = System.Net.IPAddress.Parse("203.0.113." + Random.Shared.Next(2, 250));
        var text = $"REGISTER sip:example.net SIP/2.0\r\nVia: SIP/2.0/UDP {scanner}:5070;branch=z9hG4bK{callId}\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:100@example.net>;tag=s1\r\nTo: <sip:100@example.net>\r\nCall-ID: {callId}\r\nCSeq: 1 REGISTER\r\n" +
            "User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n";
        await node.SendHep(SipCalls.Hep3(new SipCalls.Leg(text, scanner, 5070, SipCalls.Proxy, 5060, SipCalls.NowMicros())));

        System.Text.Json.JsonElement alarm = default;
        await NodeFixture.WaitUntil(async () =>
        {
            var list = await Admin("alarms", "list", "--state", "active", "--type", "scanner", "--json");
            Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
            alarm = list.Json.EnumerateArray().FirstOrDefault(a => a.GetProperty("scope").GetString() == $"ip:{scanner}");
            return alarm.ValueKind == System.Text.Json.JsonValueKind.Object;
        }, TimeSpan.FromSeconds(30), "scanner alarm raised");
        Assert.Equal("SCANNER", alarm.GetProperty("ruleType").GetString());
        var table = await Admin("alarms", "list");
        Assert.Contains($"ip:{scanner}", table.Out);

        var id = alarm.GetProperty("id").GetString()!;
        var ack = await Admin("alarms", "ack", id, "--json");
        Assert.True(ack.ExitCode == ExitCodes.Ok, ack.ToString());
        Assert.Equal("ACKNOWLEDGED", ack.Json.GetProperty("state").GetString());
        Assert.Equal("admin", ack.Json.GetProperty("acknowledgedBy").GetString());
        var acknowledged = await Admin("alarms", "list", "--state", "acknowledged", "--json");
        Assert.Contains(acknowledged.Json.EnumerateArray(), a => a.GetProperty("id").GetString() == id);
        Assert.Equal(ExitCodes.NotFound, (await Admin("alarms", "ack", "999999999")).ExitCode);
        Assert.Equal(ExitCodes.Rejected, (await Admin("alarms", "list", "--state", "sleeping")).ExitCode);
    }

    [Fact]
    public async Task Quarantine_list_and_replay_a_row_postgresql_refused()
    {
        // The refusal: a CHECK constraint on this test's own database (From user "poison"); other tests never send it.
        await Sql("ALTER TABLE hep_call ADD CONSTRAINT cli_poison CHECK (from_user IS DISTINCT FROM 'poison')");
        var callId = "quarantine-" + Guid.NewGuid().ToString("N")[..10];
        await node.SendHep(SipCalls.Hep3(SipCalls.BasicCall(callId, "poison", "bob", SipCalls.NowMicros().AddSeconds(-5))[0]));

        System.Text.Json.JsonElement entry = default;
        await NodeFixture.WaitUntil(async () =>
        {
            var list = await Admin("quarantine", "list", "--kind", "message", "--json");
            Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
            entry = list.Json.GetProperty("nodes").EnumerateArray().FirstOrDefault(e => e.GetProperty("replayedAt").ValueKind == System.Text.Json.JsonValueKind.Null);
            return entry.ValueKind == System.Text.Json.JsonValueKind.Object;
        }, TimeSpan.FromSeconds(20), "the refused INVITE quarantined");
        Assert.Equal("23514", entry.GetProperty("sqlstate").GetString());
        var id = entry.GetProperty("id").GetString()!;

        var table = await Admin("quarantine", "list");
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains("hep_call", table.Out);
        Assert.Contains("23514", table.Out);

        // Still refused: the entry keeps waiting with the new error, and the exit code says so.
        var refused = await Admin("quarantine", "replay", id);
        Assert.True(refused.ExitCode == ExitCodes.Rejected, refused.ToString());
        Assert.Contains("refused again 1", refused.Out);

        await Sql("ALTER TABLE hep_call DROP CONSTRAINT cli_poison");
        var replay = await Admin("quarantine", "replay", "--all", "--json");
        Assert.True(replay.ExitCode == ExitCodes.Ok, replay.ToString());
        Assert.True(replay.Json.GetProperty("replayed").GetInt32() >= 1);
        var after = await Admin("quarantine", "list", "--json");
        Assert.Contains(after.Json.GetProperty("nodes").EnumerateArray(),
            e => e.GetProperty("id").GetString() == id && e.GetProperty("replayedAt").ValueKind == System.Text.Json.JsonValueKind.String);

        Assert.Equal(ExitCodes.Usage, (await Admin("quarantine", "replay")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await Admin("quarantine", "list", "--from", "yesterday-ish")).ExitCode);
        Assert.Equal(ExitCodes.Rejected, (await Admin("quarantine", "list", "--kind", "sandwich")).ExitCode);
    }

    private async Task Sql(string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(node.Database.ConnectionString);
        await using var cmd = dataSource.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Failures_have_distinct_exit_codes_and_say_what_to_do()
    {
        var cli = new CliRun(_configPath);
        var unreachable = await cli.Run("--node", "http://127.0.0.1:" + ClosedPort(), "cluster", "show");
        Assert.Equal(ExitCodes.Unreachable, unreachable.ExitCode);
        Assert.Contains("connection refused", unreachable.Error);

        Assert.Equal(ExitCodes.Usage, (await cli.Run("cluster")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.Run("cluster", "leave")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.Run("no-such-command")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.Run("--node", "ftp://x", "cluster", "show")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await cli.Run("users", "add", "x", "--role", "root", "--password", "longenough")).ExitCode);

        var badAddress = await Admin("cluster", "leave", "not-an-address");
        Assert.Equal(ExitCodes.Rejected, badAddress.ExitCode);
        Assert.Contains("akka.tcp://", badAddress.Error);
        var noMember = await Admin("cluster", "down", "akka.tcp://homer@192.0.2.1:4053");
        Assert.Equal(ExitCodes.NotFound, noMember.ExitCode);
        var join = await Admin("cluster", "join", "akka.tcp://homer@192.0.2.1:4053");
        Assert.Equal(ExitCodes.Rejected, join.ExitCode);
        Assert.Contains("HOMER_SEEDS=manual", join.Error);

        // Something that answers HTTP but is not a Homer API.
        var notHomer = await cli.Run("--node", Node + "no-such-path/", "--token", node.AdminToken, "cluster", "show");
        Assert.True(notHomer.ExitCode is ExitCodes.Unreachable, notHomer.ToString());
    }

    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        var dir = Path.GetDirectoryName(_configPath)!;
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
    }
}
