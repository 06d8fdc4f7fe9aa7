using System.CommandLine;
using Spectre.Console;
using System.Text.Json.Nodes;
using static Homer.Cli.Commands.Render;

namespace Homer.Cli.Commands;

/// <summary>cluster, sharding, ingest and config: the cluster's shape and health.</summary>
internal static class ClusterCommands
{
    private const string MembersQuery = "{ cluster { self leader members { address roles status reachable leader self } } }";

    public static Command Cluster(HomerCtl cli)
    {
        var show = new Command("show", "Members with their roles, status, reachability and the leader.");
        cli.Action(show, async (r, client, ct) =>
        {
            var cluster = (await client.QueryAsync(MembersQuery, null, ct))["cluster"]!;
            if (cli.Json(r))
                return await cli.PrintJson(cluster);
            var table = Table("ADDRESS", "ROLES", "STATUS", "REACHABLE", "LEADER");
            foreach (var m in Items(cluster["members"]))
                table.Row(S(m["address"]) + (B(m["self"]) ? " (this node)" : ""), S(m["roles"]), S(m["status"]),
                    B(m["reachable"]) ? "yes" : "NO", B(m["leader"]) ? "leader" : "");
            var console = cli.Console();
            console.Write(table);
            console.WriteLine($"{Items(cluster["members"]).Count()} members; leader {S(cluster["leader"]) switch { "" => "none", var l => l }}");
            return ExitCodes.Ok;
        });

        var wait = new Option<double>("--wait") { Description = "Seconds to wait until the member is gone from the cluster (0: do not wait)." };
        return cli.Group("cluster", "Members of the cluster: show, leave, down, join.",
            show,
            MemberChange(cli, "leave", "clusterLeave", "address",
                "Ask a member to leave gracefully: it stops taking HEP, flushes its batches, hands its shards over, then exits.", wait,
                a => $"Asked {a} to leave; it hands its shards over and then stops."),
            MemberChange(cli, "down", "clusterDown", "address",
                "Mark a member down: only for a node that is gone and will not come back (its shards move at once).", wait,
                a => $"Marked {a} down; its shards move to the other dialog nodes."),
            Join(cli));
    }

    private static Command MemberChange(HomerCtl cli, string name, string mutation, string argument, string description, Option<double> wait, Func<string, string> done)
    {
        var address = new Argument<string>(argument) { Description = "Member address as 'cluster show' prints it, e.g. akka.tcp://homer@10.0.0.5:4053." };
        var command = new Command(name, description) { address, wait };
        cli.Action(command, async (r, client, ct) =>
        {
            var target = r.GetValue(address)!;
            await client.QueryAsync($"mutation ($a: String!) {{ {mutation}(address: $a) }}", new { a = target }, ct);
            var seconds = r.GetValue(wait);
            var gone = seconds > 0 && await WaitGone(client, target, TimeSpan.FromSeconds(seconds), ct);
            if (cli.Json(r))
                return await cli.PrintJson(new JsonObject { ["address"] = target, ["requested"] = true, ["gone"] = gone });
            await cli.Out.WriteLineAsync(done(target));
            if (seconds > 0)
            {
                if (!gone)
                    throw new CliException(ExitCodes.Failure, $"{target} is still a member after {seconds} s; see 'homerctl cluster show'.");
                await cli.Out.WriteLineAsync($"{target} has left the cluster.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<bool> WaitGone(NodeClient client, string address, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var members = Items((await client.QueryAsync("{ cluster { members { address status } } }", null, ct))["cluster"]!["members"]);
            if (!members.Any(m => S(m["address"]) == address && S(m["status"]) is not ("REMOVED" or "DOWN")))
                return true;
            await Task.Delay(500, ct);
        }
        return false;
    }

    private static Command Join(HomerCtl cli)
    {
        var seed = new Argument<string>("seed") { Description = "Address of a member to join through, e.g. akka.tcp://homer@10.0.0.5:4053." };
        var command = new Command("join", "Make the node --node points at join a cluster (it must have been started with HOMER_SEEDS=manual).") { seed };
        cli.Action(command, async (r, client, ct) =>
        {
            var target = r.GetValue(seed)!;
            await client.QueryAsync("mutation ($s: String!) { clusterJoin(seed: $s) }", new { s = target }, ct);
            if (cli.Json(r))
                return await cli.PrintJson(new JsonObject { ["seed"] = target, ["requested"] = true });
            await cli.Out.WriteLineAsync($"{client.Node} is joining through {target}; 'homerctl cluster show' lists it once it is Up.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private const string ShardQuery = "{ cluster { shardRegions { typeName shards entities error nodes { address shards entities failedShards shardStats { shardId entities } } } } }";

    public static Command Sharding(HomerCtl cli)
    {
        var regions = new Command("regions", "Shard regions and, per node, how many shards and entities each holds.");
        cli.Action(regions, async (r, client, ct) =>
        {
            var list = (await client.QueryAsync(ShardQuery, null, ct))["cluster"]!["shardRegions"];
            if (cli.Json(r))
                return await cli.PrintJson(list);
            var table = Table("REGION", "NODE", "SHARDS", "ENTITIES");
            var console = cli.Console();
            foreach (var region in Items(list))
            {
                foreach (var n in Items(region["nodes"]))
                    table.Row(S(region["typeName"]), S(n["address"]), N(L(n["shards"])), N(L(n["entities"])));
                table.Row(S(region["typeName"]), "(total)", N(L(region["shards"])), N(L(region["entities"])));
            }
            console.Write(table);
            foreach (var region in Items(list).Where(x => S(x["error"]).Length > 0))
                console.WriteLine($"{S(region["typeName"])}: {S(region["error"])}");
            return ExitCodes.Ok;
        });

        var stats = new Command("stats", "Every shard with its node and entity count.");
        cli.Action(stats, async (r, client, ct) =>
        {
            var list = (await client.QueryAsync(ShardQuery, null, ct))["cluster"]!["shardRegions"];
            if (cli.Json(r))
                return await cli.PrintJson(list);
            var table = Table("REGION", "SHARD", "NODE", "ENTITIES");
            foreach (var region in Items(list))
                foreach (var n in Items(region["nodes"]))
                {
                    foreach (var s in Items(n["shardStats"]).OrderBy(s => int.TryParse(S(s["shardId"]), out var i) ? i : int.MaxValue))
                        table.Row(S(region["typeName"]), S(s["shardId"]), S(n["address"]), N(L(s["entities"])));
                    foreach (var f in Items(n["failedShards"]))
                        table.Row(S(region["typeName"]), S(f), S(n["address"]), "no answer");
                }
            cli.Console().Write(table);
            return ExitCodes.Ok;
        });
        return cli.Group("sharding", "Cluster sharding: regions, stats. (Rebalancing is automatic: the least-shard strategy moves at most 10 shards at a time.)", regions, stats);
    }

    private const string IngestQuery = """
        { cluster { ingest { address error nodeName roles ingests receivedPerSecond storedPerSecond droppedPerSecond rateWindowSeconds
          received decoded unparsedKept stored routedToDialogs spooled replayed connections streamBytesSkipped
          drops { reason count } spoolBytes spoolBatches uptimeSeconds forwards { name sent dropped queued connected } } } }
        """;

    public static Command Ingest(HomerCtl cli)
    {
        var stats = new Command("stats", "Per node: HEP rates, totals, drops by reason and spool depth.");
        cli.Action(stats, async (r, client, ct) =>
        {
            var list = (await client.QueryAsync(IngestQuery, null, ct))["cluster"]!["ingest"];
            if (cli.Json(r))
                return await cli.PrintJson(list);
            var withForwards = Items(list).Any(n => Items(n["forwards"]).Any());
            var columns = new List<string> { "NODE", "ROLES", "RECV/S", "STORED/S", "DROP/S", "RECEIVED", "STORED", "ROUTED", "DROPS", "SPOOL" };
            if (withForwards)
                columns.Add("FORWARD (sent/dropped/queued)");
            var table = Table(columns.ToArray());
            foreach (var n in Items(list))
            {
                var name = S(n["nodeName"]) is { Length: > 0 } nn ? $"{nn} {S(n["address"])}" : S(n["address"]);
                if (S(n["error"]).Length > 0)
                {
                    table.Row([name, "", "", "", "", "", "", "", "", S(n["error"]), .. withForwards ? new[] { "" } : []]);
                    continue;
                }
                var drops = Items(n["drops"]).Where(d => L(d["count"]) > 0).Select(d => $"{S(d["reason"])}={N(L(d["count"]))}").ToList();
                var forwards = Items(n["forwards"]).Select(f =>
                    $"{S(f["name"])}{(f["connected"]?.GetValue<bool>() == true ? "" : " (down)")} {N(L(f["sent"]))}/{N(L(f["dropped"]))}/{N(L(f["queued"]))}");
                string[] cells = [name, S(n["roles"]), S(n["receivedPerSecond"]), S(n["storedPerSecond"]), S(n["droppedPerSecond"]),
                    N(L(n["received"])), N(L(n["stored"])), N(L(n["routedToDialogs"])), drops.Count == 0 ? "0" : string.Join(" ", drops),
                    L(n["spoolBatches"]) == 0 ? "empty" : $"{L(n["spoolBatches"])} batches, {Bytes(L(n["spoolBytes"]))}"];
                table.Row(withForwards ? [.. cells, string.Join(", ", forwards)] : cells);
            }
            var console = cli.Console();
            console.Write(table);
            var window = Items(list).Select(n => L(n["rateWindowSeconds"])).FirstOrDefault(w => w > 0);
            console.WriteLine($"Rates over the last {(window > 0 ? window : 10)} s. Drop reasons: DecodeError (not HEP), Auth (wrong key), BufferFull (UDP edge buffer full), StorageFailure (store and spool refused).");
            return ExitCodes.Ok;
        });
        return cli.Group("ingest", "HEP ingest of every node: stats.", stats);
    }

    public static Command Config(HomerCtl cli)
    {
        var member = new Option<string?>("--member") { Description = "Show this member's configuration (address as 'cluster show' prints it); default the node --node points at." };
        var show = new Command("show", "The effective configuration of a node (every HOMER_* setting and the cluster-config tunables); secrets masked.") { member };
        cli.Action(show, async (r, client, ct) =>
        {
            var config = (await client.QueryAsync("query ($m: String) { config(node: $m) { address nodeName entries { key value source } } }",
                new { m = r.GetValue(member) }, ct))["config"]!;
            if (cli.Json(r))
                return await cli.PrintJson(config);
            var table = Table("KEY", "VALUE", "SOURCE");
            foreach (var e in Items(config["entries"]))
                table.Row(S(e["key"]), S(e["value"]), S(e["source"]));
            var console = cli.Console();
            console.WriteLine($"{S(config["nodeName"])} {S(config["address"])}");
            console.Write(table);
            return ExitCodes.Ok;
        });
        return cli.Group("config", "Configuration of a node: show.", show);
    }
}
