using System.Net.Sockets;
using System.Text.Json;
using Homer.Actors.Tests;
using Homer.TestSupport;

namespace Homer.Cluster.Tests;

/// <summary>
/// Three nodes as separate processes on loopback. Calls are answered, one node is killed with SIGKILL, the rest of the
/// calls and whole new calls are sent at once (before the crash is noticed, so the dead node's share is lost on the
/// way), and every dialog, those it hosted too, recovers from its shard's ledger and the message store on the
/// survivors and finishes exactly: state, message count and retransmissions, live and in the dialogs table.
/// </summary>
public sealed class KillOneNodeTests(Xunit.Abstractions.ITestOutputHelper output) : ClusterTest
{
    private const int Calls = 40;
    private const int LateCalls = 20;

    [Fact]
    public async Task Killing_one_of_three_nodes_mid_call_loses_no_dialog()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => NodeProcess.FreePort()).ToArray();
        var seed = $"akka.tcp://homer@127.0.0.1:{ports[0]}";
        Nodes.Add(NodeProcess.Start("node-1", Database.ConnectionString, ports[0], seed));
        await Nodes[0].WaitHealthy(TimeSpan.FromSeconds(90));
        Nodes.Add(NodeProcess.Start("node-2", Database.ConnectionString, ports[1], seed));
        Nodes.Add(NodeProcess.Start("node-3", Database.ConnectionString, ports[2], seed));
        await Task.WhenAll(Nodes.Skip(1).Select(n => n.WaitHealthy(TimeSpan.FromSeconds(90))));
        // Every node's dialog region must be registered before the first shard is allocated, so shards spread.
        await Task.Delay(5_000);
        var entry = Nodes[0];
        var victim = Nodes[2];

        var run = Guid.NewGuid().ToString("N")[..8];
        var calls = Enumerable.Range(0, Calls)
            .Select(i => SipFixture.Load("success.sip", $"kill-{run}-{i}", SipFixture.NowMicros().AddMilliseconds(i)))
            .ToArray();
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        foreach (var call in calls)
            await CallLoad.SendAsync(udp, entry.Hep, call.Take(7));

        await Eventually(async () => (await Task.WhenAll(calls.Select(c => entry.Dialog(c[0].Command.CallId))))
            .All(d => d is { } e && e.GetProperty("state").GetString() == "ANSWERED" && e.GetProperty("messageCount").GetInt64() == 7),
            TimeSpan.FromSeconds(60), "every call answered");

        victim.Kill();
        var killedAt = DateTime.UtcNow;
        // Right after the kill, before anyone notices: the rest of every call, and whole new calls. What the ingest
        // node routes to the dead node's shards now is lost for their dialogs; only the message store has it.
        var late = Enumerable.Range(0, LateCalls)
            .Select(i => SipFixture.Load("success.sip", $"kill-{run}-late-{i}", SipFixture.NowMicros().AddMilliseconds(i)))
            .ToArray();
        foreach (var call in calls)
            await CallLoad.SendAsync(udp, entry.Hep, call.Skip(7));
        foreach (var call in late)
            await CallLoad.SendAsync(udp, entry.Hep, call);
        output.WriteLine($"the rest of {Calls} calls and {LateCalls} whole calls sent {(DateTime.UtcNow - killedAt).TotalMilliseconds:0} ms after the kill");

        // Right after the kill, the dialogs the victim hosted cannot answer: proof that it hosted some.
        var unavailable = (await Task.WhenAll(calls.Select(c => entry.Dialog(c[0].Command.CallId)))).Count(d => d is null);
        Assert.True(unavailable > 0, "the killed node hosted no dialog; the test proves nothing");
        Assert.True(unavailable < Calls, "all dialogs were on the killed node");
        output.WriteLine($"{unavailable} of {Calls} dialogs were on the killed node");

        // The split brain resolver downs the victim, its shards move, their ledgers find what it missed in the store.
        var all = calls.Concat(late).Select(c => c[0].Command.CallId).ToArray();
        Dictionary<string, (string State, long Messages, long Retransmissions)> rows = [];
        await Eventually(async () => (rows = await Store.DialogRowsAsync($"kill-{run}-")).Count == all.Length
            && rows.Values.All(r => r == ("COMPLETED", 9L, 2L)), TimeSpan.FromSeconds(120), "every call completed and exact in the dialogs table",
            () => string.Join("\n", all.Where(id => rows.GetValueOrDefault(id) != ("COMPLETED", 9L, 2L))
                .Select(id => $"{id}: {(rows.TryGetValue(id, out var r) ? r.ToString() : "no row")}, {Store.Describe(id)}").Take(20)));
        output.WriteLine($"every call exact in the dialogs table {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");
        Assert.Equal((long)all.Length * 9, await Store.MessagesAsync($"kill-{run}-"));

        // And live from the recovered actors, field by field.
        var finished = await Task.WhenAll(all.Select(id => entry.Dialog(id)));
        foreach (var d in finished)
        {
            Assert.NotNull(d);
            var e = d!.Value;
            Assert.Equal("COMPLETED", e.GetProperty("state").GetString());
            Assert.Equal(9, e.GetProperty("messageCount").GetInt64());
            Assert.Equal(2, e.GetProperty("retransmissions").GetInt64());
            Assert.Equal(2520, e.GetProperty("setupMs").GetInt64());
            Assert.Equal(13025 - 2520, e.GetProperty("durationMs").GetInt64());
            Assert.Equal("caller", e.GetProperty("hangupBy").GetString());
            Assert.Equal("CALL", e.GetProperty("kind").GetString());
            Assert.Equal(200, e.GetProperty("finalStatus").GetInt32());
            Assert.Equal(520, e.GetProperty("pddMs").GetInt64());
            Assert.Equal(["INVITE", "ACK", "BYE"], e.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("method").GetString()));
            Assert.Equal(0, e.GetProperty("legs").GetArrayLength());
        }
        var caughtUp = Nodes.Take(2).Sum(n => File.ReadLines(n.LogFile).Count(l => l.Contains("catch up from the store", StringComparison.Ordinal)));
        output.WriteLine($"{caughtUp} ledger catch-up reports in the survivors' logs");
        var rebuilt = Nodes.Take(2).Sum(n => File.ReadLines(n.LogFile).Count(l => l.Contains("rebuilding it from the message store", StringComparison.Ordinal)));
        output.WriteLine($"{rebuilt} dialogs had applied live messages before their catch-up and were rebuilt in capture order");
    }

    private Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? detail = null) =>
        Poll.Until(condition, timeout, what, Nodes.Take(2), detail);
}
