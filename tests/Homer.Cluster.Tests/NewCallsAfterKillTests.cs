using System.Net.Sockets;
using Homer.Actors.Tests;
using Homer.TestSupport;

namespace Homer.Cluster.Tests;

/// <summary>
/// The cluster of docs/operations.md as separate processes (node-1 ingest+api, node-2 and node-3 dialog, one database).
/// One call of every kind (completed, retransmitted, cancelled, busy, forbidden, challenged, registration, OPTIONS) is
/// sent and settles: those rows are what each kind must come out as. Then node-2, the oldest dialog node (it holds the
/// shard coordinator), is killed with SIGKILL and brand-new calls of every kind are started in the seconds right after
/// the kill: before anyone notices, while it is unreachable and while its shards move. Every one of them must come out
/// exact, in the dialogs table and live: calls whose first messages went to the dead node included (issue 20, item 4).
/// </summary>
public sealed class NewCallsAfterKillTests(Xunit.Abstractions.ITestOutputHelper output) : ClusterTest
{
    private static readonly string[] Kinds =
        ["success.sip", "cancel.sip", "busy-486.sip", "forbidden-403.sip", "auth-407-then-200.sip", "register-401.sip", "options.sip", "reinvite.sip"];


    [Fact]
    public async Task Calls_started_in_the_seconds_after_a_dialog_node_is_killed_all_come_out_exact()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => NodeProcess.FreePort()).ToArray();
        var seed = $"akka.tcp://homer@127.0.0.1:{ports[0]}";
        var entry = Start("new-after-kill-1", ports[0], seed, "ingest,api");
        await entry.WaitHealthy(TimeSpan.FromSeconds(90));
        // node-2 first: the oldest dialog node runs the shard coordinator, as in the issue's cluster.
        var victim = Start("new-after-kill-2", ports[1], seed, "dialog");
        await victim.WaitHealthy(TimeSpan.FromSeconds(90));
        var survivor = Start("new-after-kill-3", ports[2], seed, "dialog");
        await survivor.WaitHealthy(TimeSpan.FromSeconds(90));
        // Both dialog regions registered before the first shard is allocated, so shards spread over both.
        await Task.Delay(5_000);

        var run = Guid.NewGuid().ToString("N")[..8];
        using var udp = new UdpClient(AddressFamily.InterNetwork);

        // One call of each kind per shard-ish spread (several per kind, so both dialog nodes hold some), settled: their
        // rows are what each kind comes out as when nothing happens.
        var baseline = new Dictionary<string, string>();
        var index = 0;
        foreach (var kind in Kinds)
            for (var i = 0; i < 4; i++)
            {
                var callId = $"nak-{run}-base-{index++}";
                baseline[callId] = kind;
                await CallLoad.SendAsync(udp, entry.Hep, SipFixture.Load(kind, callId, SipFixture.NowMicros()));
            }
        Dictionary<string, (string State, long Messages, long Retransmissions)> rows = [];
        await Eventually(async () => (rows = await Store.DialogRowsAsync($"nak-{run}-base-")).Count == baseline.Count,
            TimeSpan.FromSeconds(60), "every baseline call has its row");
        var expected = new Dictionary<string, (string State, long Messages, long Retransmissions)>();
        foreach (var kind in Kinds)
        {
            var ofKind = baseline.Where(b => b.Value == kind).Select(b => rows[b.Key]).Distinct().ToList();
            Assert.True(ofKind.Count == 1, $"{kind} came out in different ways before any kill: {string.Join(", ", ofKind)}");
            expected[kind] = ofKind[0];
            output.WriteLine($"{kind}: {ofKind[0]}");
        }
        Assert.True(await LiveDialogs(victim) > 0, "the node to kill holds no dialog; the kill proves nothing");

        victim.Kill();
        var killedAt = DateTime.UtcNow;
        // New calls, a few every second, from the kill until well after the dead node is seen unreachable.
        var calls = new Dictionary<string, (string Kind, DateTime StartedAt)>();
        index = 0;
        while (DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(12))
        {
            var kind = Kinds[index % Kinds.Length];
            var callId = $"nak-{run}-new-{index++}";
            calls[callId] = (kind, DateTime.UtcNow);
            await CallLoad.SendAsync(udp, entry.Hep, SipFixture.Load(kind, callId, SipFixture.NowMicros()));
            await Task.Delay(150);
        }
        output.WriteLine($"{calls.Count} new calls started in the {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");

        var settleBy = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        do
        {
            rows = await Store.DialogRowsAsync($"nak-{run}-new-");
            if (calls.All(c => rows.GetValueOrDefault(c.Key) == expected[c.Value.Kind]))
                break;
            await Task.Delay(1_000);
        }
        while (DateTime.UtcNow < settleBy);
        var wrong = calls.Where(c => rows.GetValueOrDefault(c.Key) != expected[c.Value.Kind])
            .Select(c => $"{c.Key} ({c.Value.Kind}, started {(c.Value.StartedAt - killedAt).TotalSeconds:0.00} s after the kill): " +
                $"{(rows.TryGetValue(c.Key, out var r) ? r.ToString() : "no row")}, expected {expected[c.Value.Kind]}; {Store.Describe(c.Key)}")
            .ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {calls.Count} calls started after the kill are not exact:\n" + string.Join("\n", wrong) +
            "\nlog tails:\n" + string.Join("\n----\n", new[] { entry, survivor }.Select(n => n.Name + ":\n" + n.Tail())));
        output.WriteLine($"every call exact in the dialogs table {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");

        // Live too: no call lost its dialog.
        foreach (var (callId, (kind, _)) in calls)
        {
            var dialog = await entry.Dialog(callId);
            Assert.True(dialog is not null, $"{callId} ({kind}) has no dialog");
            Assert.Equal(expected[kind].State, dialog!.Value.GetProperty("state").GetString());
            Assert.Equal(expected[kind].Messages, dialog.Value.GetProperty("messageCount").GetInt64());
        }
        var total = calls.Sum(c => (long)SipFixture.Load(c.Value.Kind).Count);
        Assert.Equal(total, await Store.MessagesAsync($"nak-{run}-new-"));
    }

    private NodeProcess Start(string name, int port, string seed, string roles)
    {
        var node = NodeProcess.Start(name, Database.ConnectionString, port, seed, roles);
        Nodes.Add(node);
        return node;
    }

    private static async Task<double> LiveDialogs(NodeProcess node)
    {
        var metrics = await node.Http.GetStringAsync("/metrics");
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("homer_dialogs_active ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line["homer_dialogs_active ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what) => Poll.Until(condition, timeout, what, Nodes);
}
