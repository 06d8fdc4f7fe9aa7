using System.Diagnostics;
using System.Net.Sockets;
using Homer.Actors.Tests;
using System.Text.Json;
using Homer.Cli;
using Homer.TestSupport;
using Npgsql;

namespace Homer.Cluster.Tests;

/// <summary>
/// The cluster as the runbook operates it, as separate processes on loopback: one ingest+api node and two dialog
/// nodes, a steady HEP load on the ingest node, <c>homerctl</c> (in this process) against the API. A dialog node
/// leaves gracefully under load and loses nothing; a new dialog node joins; the other original dialog node is
/// SIGKILLed under load, the split brain resolver downs it and its shards move. At the end every message sent is in
/// the store, and every call is complete and exact in the dialogs table: those with messages routed to the killed node
/// between the kill and its detection too (their ledgers catch up from the message store), and those whose messages
/// reached a shard's old home while it was handed over (idem).
/// </summary>
public sealed class ClusterOperationsTests(Xunit.Abstractions.ITestOutputHelper output) : ClusterTest
{
    private const int CallsPerSecond = 20;
    private const int HeldCalls = 30;
    private readonly string _cliConfig = Path.Combine(Path.GetTempPath(), $"homerctl-cluster-{Guid.NewGuid():N}.json");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_cliConfig);
    }

    [Fact]
    public async Task Leave_join_and_kill_under_load_lose_no_message_and_leave_every_dialog_exact()
    {
        var clock = Stopwatch.StartNew();
        var ports = Enumerable.Range(0, 4).Select(_ => NodeProcess.FreePort()).ToArray();
        var seed = $"akka.tcp://homer@127.0.0.1:{ports[0]}";
        var entry = Start("ops-ingest", ports[0], seed, "ingest,api");
        await entry.WaitHealthy(TimeSpan.FromSeconds(90));
        var dialogA = Start("ops-dialog-a", ports[1], seed, "dialog");
        var dialogB = Start("ops-dialog-b", ports[2], seed, "dialog");
        await Task.WhenAll(dialogA.WaitHealthy(TimeSpan.FromSeconds(90)), dialogB.WaitHealthy(TimeSpan.FromSeconds(90)));

        // homerctl cluster show lists the three, with their roles, all Up.
        await Eventually(async () => (await Members(entry)).Count(m => m.Status == "UP") == 3, TimeSpan.FromSeconds(60), "three members Up");
        var table = await Ctl(entry, "cluster", "show");
        Assert.True(table.Code == ExitCodes.Ok, table.Error);
        foreach (var node in new[] { entry, dialogA, dialogB })
            Assert.Contains(node.AkkaAddress, table.Out);
        var members = await Members(entry);
        Assert.Equal("api,ingest", members.Single(m => m.Address == entry.AkkaAddress).Roles);
        Assert.Equal("dialog", members.Single(m => m.Address == dialogB.AkkaAddress).Roles);
        // Both dialog regions registered before the first shard is allocated, so shards spread over both.
        await Eventually(async () => (await ShardsByNode(entry)).Keys.Count(a => a == dialogA.AkkaAddress || a == dialogB.AkkaAddress) == 2,
            TimeSpan.FromSeconds(30), "both dialog regions registered");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: three nodes up");

        await using var load = new CallLoad(entry.Hep, "ops-" + Guid.NewGuid().ToString("N")[..8], CallsPerSecond);
        load.Start();
        await Task.Delay(6_000);

        // Graceful leave of a dialog node under load: its shards are handed over, nothing is lost, it exits by itself.
        var before = await HostingDialogs(entry, dialogB, "the leaving node hosting dialogs (else the leave proves nothing)");
        var leftAt = DateTime.UtcNow;
        var leave = await Ctl(entry, "cluster", "leave", dialogB.AkkaAddress, "--wait", "60");
        Assert.True(leave.Code == ExitCodes.Ok, leave.Out + leave.Error);
        Assert.True(await dialogB.WaitForExit(TimeSpan.FromSeconds(30)), "the node that left did not exit");
        Assert.Equal(0, dialogB.ExitCode);
        // New calls may have started shards meanwhile: at least every shard from before is now on the node that stayed.
        IReadOnlyDictionary<string, (int Shards, int Entities)> afterLeave = new Dictionary<string, (int, int)>();
        await Eventually(async () => (afterLeave = await ShardsByNode(entry)).Keys.SequenceEqual([dialogA.AkkaAddress])
            && afterLeave[dialogA.AkkaAddress].Shards >= before.Values.Sum(v => v.Shards), TimeSpan.FromSeconds(30), "every shard on the remaining dialog node");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {dialogB.Name} left ({before[dialogB.AkkaAddress].Shards} shards handed over), exit code 0");

        // A new dialog node joins under load.
        var joinedAt = DateTime.UtcNow;
        var dialogC = Start("ops-dialog-c", ports[3], seed, "dialog");
        await dialogC.WaitHealthy(TimeSpan.FromSeconds(90));
        await Eventually(async () => (await ShardsByNode(entry)).ContainsKey(dialogC.AkkaAddress), TimeSpan.FromSeconds(30), "new dialog region registered");
        await Task.Delay(3_000);

        // Calls answered before the kill and hung up after it: the victim's share must come back from the journal.
        var held = Enumerable.Range(0, HeldCalls)
            .Select(i => SipFixture.Load("success.sip", $"held-{load.Prefix}-{i}", SipFixture.NowMicros()).ToArray()).ToArray();
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        foreach (var call in held)
            await CallLoad.SendAsync(udp, entry.Hep, call[..7]);
        await Task.Delay(2_000);

        // SIGKILL of a dialog node under load.
        var beforeKill = await HostingDialogs(entry, dialogA, "the victim hosting dialogs (else the kill proves nothing)");
        var killedAt = DateTime.UtcNow;
        dialogA.Kill();
        // From here the ingest node holds messages for dialogs; those sent before it noticed went to the dead node.
        await Eventually(async () => (await Members(entry)).Any(m => m.Address == dialogA.AkkaAddress && !m.Reachable), TimeSpan.FromSeconds(30), "the killed node unreachable");
        var unreachableAt = DateTime.UtcNow;
        await Eventually(async () => !(await Members(entry)).Any(m => m.Address == dialogA.AkkaAddress), TimeSpan.FromSeconds(60), "the killed node removed");
        var removedAt = DateTime.UtcNow;
        // The shard coordinator moves to the new node with the rest; on a starved 2-core machine that took over 30 s once.
        await Eventually(async () => (await ShardsByNode(entry)).Keys.SequenceEqual([dialogC.AkkaAddress]), TimeSpan.FromSeconds(60), "only the new node hosts shards");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {dialogA.Name} killed holding {beforeKill[dialogA.AkkaAddress].Shards} shards; " +
            $"seen unreachable {(unreachableAt - killedAt).TotalSeconds:0.0} s later, downed and removed {(removedAt - killedAt).TotalSeconds:0.0} s later");
        foreach (var call in held)
            await CallLoad.SendAsync(udp, entry.Hep, call[7..]);
        await Task.Delay(5_000);
        await load.StopAsync();

        // Every message sent is in the store: the ingest node never went away.
        await Eventually(async () => await Store.MessagesAsync(load.Prefix + "-") == load.MessagesSent,
            TimeSpan.FromSeconds(30), "every message stored");
        var ingest = await Ctl(entry, "ingest", "stats", "--json");
        var entryStats = JsonDocument.Parse(ingest.Out).RootElement.EnumerateArray().Single(n => n.GetProperty("address").GetString() == entry.AkkaAddress);
        Assert.All(entryStats.GetProperty("drops").EnumerateArray(), d => Assert.Equal(0, d.GetProperty("count").GetInt64()));
        Assert.True(entryStats.GetProperty("stored").GetInt64() >= load.MessagesSent);

        Dictionary<string, (string State, long Messages, long Retransmissions)> heldRows = [];
        await Eventually(async () => (heldRows = await Store.DialogRowsAsync("held-" + load.Prefix)).Count == HeldCalls
            && heldRows.Values.All(r => r.State == "COMPLETED"), TimeSpan.FromSeconds(60), "every held call completed");
        Assert.All(heldRows.Values, r => Assert.Equal(("COMPLETED", (long)CallLoad.MessagesPerCall, 2L), r));
        output.WriteLine($"{HeldCalls} calls answered before the kill and ended after it: all exact");
        // The API node has no dialog role: homerctl dialog show reads the live dialog through its shard region proxy.
        var shown = await Ctl(entry, "dialog", "show", held[0][0].Command.CallId, "--json");
        Assert.True(shown.Code == ExitCodes.Ok, shown.Error);
        Assert.Equal("COMPLETED", JsonDocument.Parse(shown.Out).RootElement.GetProperty("state").GetString());

        // Every call is complete and exact in the dialogs table, those with messages sent to the killed node between the
        // kill and its detection too: their ledgers found what it missed in the message store.
        var expected = load.Calls.Select(c => c.CallId).ToHashSet();
        var exposed = load.Calls.Where(c => c.StartedAt <= unreachableAt + TimeSpan.FromSeconds(1) && c.LastSentAt >= killedAt - TimeSpan.FromSeconds(1))
            .Select(c => c.CallId).ToHashSet();
        Dictionary<string, (string State, long Messages, long Retransmissions)> rows = [];
        var settleBy = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        do
        {
            rows = await Store.DialogRowsAsync(load.Prefix + "-");
            if (expected.All(id => rows.GetValueOrDefault(id) == ("COMPLETED", (long)CallLoad.MessagesPerCall, 2L)))
                break;
            await Task.Delay(500);
        }
        while (DateTime.UtcNow < settleBy);
        var wrong = load.Calls.Where(c => rows.GetValueOrDefault(c.CallId) != ("COMPLETED", (long)CallLoad.MessagesPerCall, 2L))
            .OrderBy(c => c.StartedAt)
            .Select(c => $"{c.CallId} {(rows.TryGetValue(c.CallId, out var r) ? r.ToString() : "no row")} started {(c.StartedAt - killedAt).TotalSeconds:0.00} s after the kill")
            .ToList();
        Assert.True(wrong.Count == 0, $"leave at {(leftAt - killedAt).TotalSeconds:0.00} s, join at {(joinedAt - killedAt).TotalSeconds:0.00} s, kill +0, unreachable +{(unreachableAt - killedAt).TotalSeconds:0.00} s, removed +{(removedAt - killedAt).TotalSeconds:0.00} s; " +
            $"{wrong.Count} of {load.Calls.Count} calls not exact:\n" + string.Join("\n", wrong.Take(40)) + "\nlog tails:\n" +
            string.Join("\n----\n", Nodes.Where(n => !n.HasExited).Select(n => n.Name + ":\n" + n.Tail())));
        Assert.Equal(load.Calls.Count, rows.Count);
        output.WriteLine($"{load.Calls.Count} calls, {load.MessagesSent} messages, all stored; every call exact in the dialogs table, " +
            $"{exposed.Count} of them with messages in flight between the kill and its detection; total {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(exposed.Count > 0, "no call had messages in flight during the outage; the kill proves nothing");

        // SIGTERM of the last dialog node: it leaves gracefully like a leave ordered by homerctl.
        dialogC.Terminate();
        Assert.True(await dialogC.WaitForExit(TimeSpan.FromSeconds(60)), "SIGTERM did not stop the node");
        Assert.Equal(0, dialogC.ExitCode);
        await Eventually(async () => !(await Members(entry)).Any(m => m.Address == dialogC.AkkaAddress), TimeSpan.FromSeconds(30), "the terminated node removed");
    }

    private NodeProcess Start(string name, int port, string seed, string roles)
    {
        var node = NodeProcess.Start(name, Database.ConnectionString, port, seed, roles);
        Nodes.Add(node);
        return node;
    }

    private sealed record Member(string Address, string Roles, string Status, bool Reachable);

    private async Task<(int Code, string Out, string Error)> Ctl(NodeProcess node, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string?> { ["HOMER_CLI_CONFIG"] = _cliConfig };
        var code = await new HomerCtl(stdout, stderr, TextReader.Null, k => env.GetValueOrDefault(k))
            .RunAsync(["--node", node.Http.BaseAddress!.ToString(), .. args]);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private async Task<IReadOnlyList<Member>> Members(NodeProcess node)
    {
        var (code, json, error) = await Ctl(node, "cluster", "show", "--json");
        if (code != ExitCodes.Ok)
            return [];
        return JsonDocument.Parse(json).RootElement.GetProperty("members").EnumerateArray()
            .Select(m => new Member(m.GetProperty("address").GetString()!,
                string.Join(',', m.GetProperty("roles").EnumerateArray().Select(r => r.GetString())), m.GetProperty("status").GetString()!,
                m.GetProperty("reachable").GetBoolean()))
            .ToList();
    }

    private async Task<IReadOnlyDictionary<string, (int Shards, int Entities)>> ShardsByNode(NodeProcess node)
    {
        var (code, json, _) = await Ctl(node, "sharding", "regions", "--json");
        if (code != ExitCodes.Ok)
            return new Dictionary<string, (int, int)>();
        return JsonDocument.Parse(json).RootElement[0].GetProperty("nodes").EnumerateArray()
            .ToDictionary(n => n.GetProperty("address").GetString()!, n => (n.GetProperty("shards").GetInt32(), n.GetProperty("entities").GetInt32()));
    }

    /// <summary>
    /// The shards by node once <paramref name="node"/> hosts dialog entities and live dialogs. Polled, not read once:
    /// read once, this precondition of the setup failed in a few CI runs although the node keeps most of its shards
    /// (rebalancing moves 10 every 10 s). The likely reason, not confirmed since those logs were not kept: the sharding
    /// statistics give each region 3 s to answer, and a region busy under load that misses it has no entity listed.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, (int Shards, int Entities)>> HostingDialogs(NodeProcess via, NodeProcess node, string what)
    {
        IReadOnlyDictionary<string, (int Shards, int Entities)> shards = new Dictionary<string, (int, int)>();
        var live = 0.0;
        await Poll.Until(async () => (shards = await ShardsByNode(via)).GetValueOrDefault(node.AkkaAddress).Entities > 0
                && (live = await LiveDialogs(node)) > 0,
            TimeSpan.FromSeconds(20), what, Nodes,
            () => $"{node.Name} last seen with {shards.GetValueOrDefault(node.AkkaAddress)} (shards, entities) and {live} live dialogs");
        return shards;
    }

    /// <summary>
    /// Dialogs live on a node, from its /metrics: a shard's entities are its dialog host and ledger (ADR 0005), so they
    /// do not count dialogs.
    /// </summary>
    private static async Task<double> LiveDialogs(NodeProcess node)
    {
        var metrics = await node.Http.GetStringAsync("/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("homer_dialogs_active ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line["homer_dialogs_active ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what) => Poll.Until(condition, timeout, what, Nodes);
}
