using System.Net.Sockets;
using System.Text.Json;
using Homer.Actors.Tests;
using Homer.Hep;
using Homer.TestSupport;
using Npgsql;

namespace Homer.Cluster.Tests;

/// <summary>
/// Three nodes as separate processes on loopback. Calls are answered, one node is killed with SIGKILL, the rest of the
/// calls and whole new calls are sent at once (before the crash is noticed, so the dead node's share is lost on the
/// way), and every dialog, those it hosted too, recovers from its shard's ledger and the message store on the
/// survivors and finishes exactly: state, message count and retransmissions, live and in the dialogs table.
/// </summary>
public sealed class KillOneNodeTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Calls = 40;
    private const int LateCalls = 20;
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

        victim.Kill();
        var killedAt = DateTime.UtcNow;
        // Right after the kill, before anyone notices: the rest of every call, and whole new calls. What the ingest
        // node routes to the dead node's shards now is lost for their dialogs; only the message store has it.
        var late = Enumerable.Range(0, LateCalls)
            .Select(i => SipFixture.Load("success.sip", $"kill-{run}-late-{i}", SipFixture.NowMicros().AddMilliseconds(i)))
            .ToArray();
        foreach (var call in calls)
            foreach (var item in call.Skip(7))
                await udp.SendAsync(Hep3(item), entry.Hep);
        foreach (var call in late)
            foreach (var item in call)
                await udp.SendAsync(Hep3(item), entry.Hep);
        output.WriteLine($"the rest of {Calls} calls and {LateCalls} whole calls sent {(DateTime.UtcNow - killedAt).TotalMilliseconds:0} ms after the kill");

        // Right after the kill, the dialogs the victim hosted cannot answer: proof that it hosted some.
        var unavailable = (await Task.WhenAll(calls.Select(c => entry.Dialog(c[0].Command.CallId)))).Count(d => d is null);
        Assert.True(unavailable > 0, "the killed node hosted no dialog; the test proves nothing");
        Assert.True(unavailable < Calls, "all dialogs were on the killed node");
        output.WriteLine($"{unavailable} of {Calls} dialogs were on the killed node");

        // The split brain resolver downs the victim, its shards move, their ledgers find what it missed in the store.
        var all = calls.Concat(late).Select(c => c[0].Command.CallId).ToArray();
        Dictionary<string, (string State, long Messages, long Retransmissions)> rows = [];
        await Eventually(async () => (rows = await DialogRows($"kill-{run}-")).Count == all.Length
            && rows.Values.All(r => r == ("COMPLETED", 9L, 2L)), TimeSpan.FromSeconds(120), "every call completed and exact in the dialogs table",
            () => string.Join("\n", all.Where(id => rows.GetValueOrDefault(id) != ("COMPLETED", 9L, 2L))
                .Select(id => $"{id}: {(rows.TryGetValue(id, out var r) ? r.ToString() : "no row")}, {Stored(id)}").Take(20)));
        output.WriteLine($"every call exact in the dialogs table {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");
        Assert.Equal((long)all.Length * 9, await Scalar("SELECT count(*) FROM messages WHERE call_id LIKE @p", $"kill-{run}-%"));

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
        var caughtUp = _nodes.Take(2).Sum(n => File.ReadLines(n.LogFile).Count(l => l.Contains("catch up from the store", StringComparison.Ordinal)));
        output.WriteLine($"{caughtUp} ledger catch-up reports in the survivors' logs");
    }

    /// <summary>For a failure report: what the store holds for a Call-ID and which node wrote its row.</summary>
    private string Stored(string callId)
    {
        using var connection = new NpgsqlConnection(_database.ConnectionString);
        connection.Open();
        using var cmd = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM messages WHERE call_id = @c), (SELECT min(ts)::text FROM messages WHERE call_id = @c),
                   (SELECT node FROM dialogs WHERE call_id = @c)
            """, connection);
        cmd.Parameters.AddWithValue("c", callId);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return $"{reader.GetInt64(0)} stored from {(reader.IsDBNull(1) ? "-" : reader.GetString(1))}, row node {(reader.IsDBNull(2) ? "-" : reader.GetString(2))}";
    }

    private async Task<long> Scalar(string sql, string pattern)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddWithValue("p", pattern);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<Dictionary<string, (string, long, long)>> DialogRows(string prefix)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT call_id, state, message_count, retransmissions FROM dialogs WHERE call_id LIKE @p", connection);
        cmd.Parameters.AddWithValue("p", prefix + "%");
        var rows = new Dictionary<string, (string, long, long)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
        return rows;
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

    private async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? detail = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(500);
        }
        Assert.Fail($"Timed out after {timeout} waiting for {what}; {detail?.Invoke()}\nsurvivors' log tails:\n" +
            string.Join("\n----\n", _nodes.Take(2).Select(n => n.Name + ":\n" + n.Tail())));
    }
}
