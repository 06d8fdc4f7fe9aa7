using System.Net.Sockets;
using System.Text.Json;
using Homer.Actors.Tests;
using Homer.Hep;
using Homer.TestSupport;

namespace Homer.Cluster.Tests;

/// <summary>
/// Three nodes as separate processes on loopback. Calls are answered, one node is killed with SIGKILL, and every
/// dialog (those it hosted too) recovers from its shard's ledger on the survivors and finishes correctly.
/// </summary>
public sealed class KillOneNodeTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Calls = 40;
    private TestDatabase _database = null!;
    private readonly List<NodeProcess> _nodes = [];

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
            node.Dispose();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Killing_one_of_three_nodes_mid_call_loses_no_dialog()
    {
        var ports = Enumerable.Range(0, 3).Select(_ => NodeProcess.FreePort()).ToArray();
        var seed = $"akka.tcp://homer@127.0.0.1:{ports[0]}";
        _nodes.Add(NodeProcess.Start("node-1", _database.ConnectionString, ports[0], seed));
        await _nodes[0].WaitHealthy(TimeSpan.FromSeconds(90));
        _nodes.Add(NodeProcess.Start("node-2", _database.ConnectionString, ports[1], seed));
        _nodes.Add(NodeProcess.Start("node-3", _database.ConnectionString, ports[2], seed));
        await Task.WhenAll(_nodes.Skip(1).Select(n => n.WaitHealthy(TimeSpan.FromSeconds(90))));
        // Every node's dialog region must be registered before the first shard is allocated, so shards spread.
        await Task.Delay(5_000);
        var entry = _nodes[0];
        var victim = _nodes[2];

        var run = Guid.NewGuid().ToString("N")[..8];
        var calls = Enumerable.Range(0, Calls)
            .Select(i => SipFixture.Load("success.sip", $"kill-{run}-{i}", SipFixture.NowMicros().AddMilliseconds(i)))
            .ToArray();
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        foreach (var call in calls)
            foreach (var item in call.Take(7))
                await udp.SendAsync(Hep3(item), entry.Hep);

        await Eventually(async () => (await Task.WhenAll(calls.Select(c => entry.Dialog(c[0].Command.CallId))))
            .All(d => d is { } e && e.GetProperty("state").GetString() == "ANSWERED" && e.GetProperty("messageCount").GetInt64() == 7),
            TimeSpan.FromSeconds(60), "every call answered");
        // Checkpoints reach the ledger journal within ~70 ms; leave them ample time.
        await Task.Delay(2_000);

        victim.Kill();

        // Right after the kill, the dialogs the victim hosted cannot answer: proof that it hosted some.
        var unavailable = (await Task.WhenAll(calls.Select(c => entry.Dialog(c[0].Command.CallId)))).Count(d => d is null);
        Assert.True(unavailable > 0, "the killed node hosted no dialog; the test proves nothing");
        var killedAt = DateTime.UtcNow;
        output.WriteLine($"{unavailable} of {Calls} dialogs were on the killed node");

        // The split brain resolver downs the victim, its shards move, their dialogs restore from the ledgers.
        await Eventually(async () => (await Task.WhenAll(calls.Select(c => entry.Dialog(c[0].Command.CallId))))
            .All(d => d is { } e && e.GetProperty("state").GetString() == "ANSWERED"),
            TimeSpan.FromSeconds(90), "every dialog back after the kill");

        output.WriteLine($"all dialogs answer again {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");
        foreach (var call in calls)
            foreach (var item in call.Skip(7))
                await udp.SendAsync(Hep3(item), _nodes[1].Hep);

        JsonElement?[] finished = [];
        await Eventually(async () => (finished = await Task.WhenAll(calls.Select(c => entry.Dialog(c[0].Command.CallId))))
            .All(d => d is { } e && e.GetProperty("state").GetString() == "COMPLETED"),
            TimeSpan.FromSeconds(60), "every call completed");
        foreach (var d in finished)
        {
            var e = d!.Value;
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
        Assert.True(unavailable < Calls, "all dialogs were on the killed node");
    }

    private static byte[] Hep3(SipFixture.Item item) => HepEncoder.Encode(new HepMessage
    {
        Version = HepVersion.V3,
        IpFamily = 2,
        IpProtocol = 17,
        SourceAddress = item.Captured.SourceIp,
        DestinationAddress = item.Captured.DestinationIp,
        SourcePort = (ushort)item.Captured.SourcePort,
        DestinationPort = (ushort)item.Captured.DestinationPort,
        Timestamp = item.Captured.Timestamp,
        ProtocolType = 1,
        CaptureId = 2001,
        Payload = item.Captured.Payload.ToArray(),
    });

    private async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(500);
        }
        Assert.Fail($"Timed out after {timeout} waiting for {what}; survivors' log tails:\n" +
            string.Join("\n----\n", _nodes.Take(2).Select(n => n.Name + ":\n" + n.Tail())));
    }
}
