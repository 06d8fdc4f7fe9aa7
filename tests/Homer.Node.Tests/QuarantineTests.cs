using System.Net.Http.Json;
using System.Text.Json;
using Homer.Actors.Ingest;
using Npgsql;

namespace Homer.Node.Tests;

/// <summary>
/// A real node (real UDP, real PostgreSQL) fed 20 good INVITEs around one that PostgreSQL refuses for good: the refusal
/// is a CHECK constraint the test adds to its own throwaway database (From user "poison"), so it stays a refusal
/// whatever the decoder learns to make storable.
/// </summary>
public sealed class QuarantineTests : IAsyncLifetime
{
    private readonly NodeFixture _node = new();

    public Task InitializeAsync() => _node.InitializeAsync();
    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task Twenty_good_invites_around_a_refused_one_are_stored_the_bad_one_is_quarantined_and_replayed_after_the_fix()
    {
        await Execute("ALTER TABLE hep_call ADD CONSTRAINT test_poison CHECK (from_user IS DISTINCT FROM 'poison')");
        var start = SipCalls.NowMicros().AddMinutes(-1);
        var prefix = "q-" + Guid.NewGuid().ToString("N")[..8];
        var packets = Enumerable.Range(0, 21)
            .Select(i => SipCalls.Hep3(SipCalls.BasicCall($"{prefix}-{i}", i == 10 ? "poison" : "alice", "bob", start.AddMilliseconds(i))[0]))
            .ToArray();

        await _node.SendHep(packets);

        // Before the fix: 0 of 20 stored, the batch spooled, and its replay blocked the spool for good.
        await _node.Eventually(() => Task.FromResult(_node.Counters.Stored == 20 && _node.Counters.Quarantined == 1), "20 stored, 1 quarantined");
        Assert.Equal(20L, await Scalar<long>($"SELECT count(*) FROM hep_call WHERE call_id LIKE '{prefix}-%'"));
        Assert.Equal(0, _node.Counters.Spooled);
        Assert.Equal(0, _node.Counters.Dropped(DropReason.StorageFailure));

        // Metrics are process-wide and test classes share the process: at least this test's one.
        var samples = (await _node.Http.GetStringAsync("/metrics")).Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(samples["homer_quarantined_total{writer=\"messages\",sqlstate=\"23514\"}"] >= 1);

        var page = (await _node.GraphQL("{ quarantine(kind: \"message\") { nodes { id time kind table sqlstate error size replayedAt } hasNextPage endCursor } }"))
            .GetProperty("quarantine");
        var entry = Assert.Single(page.GetProperty("nodes").EnumerateArray());
        Assert.Equal("message", entry.GetProperty("kind").GetString());
        Assert.Equal("hep_call", entry.GetProperty("table").GetString());
        Assert.Equal("23514", entry.GetProperty("sqlstate").GetString());
        Assert.Contains("test_poison", entry.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(packets[10].Length, entry.GetProperty("size").GetInt32());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("replayedAt").ValueKind);
        Assert.Equal(packets[10], await Scalar<byte[]>("SELECT hep FROM quarantine"));

        // Replaying before the cause is fixed records the new error and leaves the entry waiting.
        var again = (await _node.GraphQL("mutation { replayQuarantine(all: true) { replayed failed failures { id sqlstate } } }")).GetProperty("replayQuarantine");
        Assert.Equal(0, again.GetProperty("replayed").GetInt32());
        Assert.Equal(1, again.GetProperty("failed").GetInt32());
        Assert.Equal(2, await Scalar<int>("SELECT attempts FROM quarantine"));

        await Execute("ALTER TABLE hep_call DROP CONSTRAINT test_poison");
        var id = entry.GetProperty("id").GetString();
        var replay = (await _node.GraphQL("mutation ($ids: [ID!]) { replayQuarantine(ids: $ids) { replayed failed } }", new { ids = new[] { id } }))
            .GetProperty("replayQuarantine");
        Assert.Equal(1, replay.GetProperty("replayed").GetInt32());
        Assert.Equal(0, replay.GetProperty("failed").GetInt32());
        Assert.Equal(21L, await Scalar<long>($"SELECT count(*) FROM hep_call WHERE call_id LIKE '{prefix}-%'"));
        Assert.Equal("poison", await Scalar<string>($"SELECT from_user FROM hep_call WHERE call_id = '{prefix}-10'"));
        var replayedAt = (await _node.GraphQL("{ quarantine { nodes { replayedAt } } }")).GetProperty("quarantine").GetProperty("nodes")[0].GetProperty("replayedAt");
        Assert.Equal(JsonValueKind.String, replayedAt.ValueKind);
    }

    [Fact]
    public async Task A_viewer_may_not_list_or_replay_the_quarantine()
    {
        await _node.GraphQL("mutation { createUser(username: \"qviewer\", password: \"viewer-password-1\", role: VIEWER) { id } }");
        using var viewer = _node.Client(await _node.Login("qviewer", "viewer-password-1"));
        foreach (var query in new[] { "{ quarantine { nodes { id } } }", "mutation { replayQuarantine(all: true) { replayed } }" })
        {
            using var response = await viewer.PostAsJsonAsync("/graphql", new { query });
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains("FORBIDDEN", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_dialog_writer_that_cannot_write_turns_healthz_degraded_naming_it_until_it_writes_again()
    {
        Assert.Equal(200, (int)(await _node.Http.GetAsync("/healthz")).StatusCode);

        // A lock holds the dialogs table: PostgreSQL still answers SELECT 1, but no dialog row can be written.
        await using var locker = new NpgsqlConnection(_node.Database.ConnectionString);
        await locker.OpenAsync();
        await using var tx = await locker.BeginTransactionAsync();
        await using (var lockCmd = new NpgsqlCommand("LOCK TABLE dialogs IN ACCESS EXCLUSIVE MODE", locker, tx))
            await lockCmd.ExecuteNonQueryAsync();

        var call = SipCalls.BasicCall("stall-" + Guid.NewGuid().ToString("N")[..8], "alice", "bob", SipCalls.NowMicros().AddSeconds(-40));
        await _node.SendHep(call.Select(l => SipCalls.Hep3(l)).ToArray());

        JsonElement health = default;
        await _node.Eventually(async () =>
        {
            using var response = await _node.Http.GetAsync("/healthz");
            health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            return (int)response.StatusCode == 503 && health.GetProperty("status").GetString() == "degraded";
        }, "healthz degraded");
        Assert.Equal("up", health.GetProperty("database").GetString());
        Assert.Contains(health.GetProperty("stalled").EnumerateArray(), w => w.GetProperty("writer").GetString() == "dialogs");

        // The alarm engine raises STORAGE_STALLED for the node's dialogs writer (its rule is seeded on, CRITICAL).
        const string alarmsQuery = "{ alarms(filter: { ruleType: STORAGE_STALLED }) { state severity scope message } }";
        await _node.Eventually(async () => (await _node.GraphQL(alarmsQuery)).GetProperty("alarms").EnumerateArray()
            .Any(a => a.GetProperty("state").GetString() == "ACTIVE" && a.GetProperty("scope").GetString() == "writer:test-node/dialogs"),
            "STORAGE_STALLED raised");

        await tx.RollbackAsync();
        await _node.Eventually(async () => (await _node.Http.GetAsync("/healthz")).IsSuccessStatusCode, "healthy again once the rows are written");
        await _node.Eventually(async () => (await _node.GraphQL(alarmsQuery)).GetProperty("alarms").EnumerateArray()
            .All(a => a.GetProperty("state").GetString() == "RESOLVED"), "STORAGE_STALLED resolved");
    }

    [Fact]
    public async Task An_alarm_postgresql_refuses_for_good_is_quarantined_instead_of_retried_forever()
    {
        var scanner = "203.0.113." + Random.Shared.Next(2, 250);
        await Execute($"ALTER TABLE alarms ADD CONSTRAINT test_poison CHECK (scope <> 'ip:{scanner}')");
        var callId = "scan-" + Guid.NewGuid().ToString("N")[..10];
        var text = $"REGISTER sip:example.net SIP/2.0\r\nVia: SIP/2.0/UDP {scanner}:5070;branch=z9hG4bK{callId}\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:100@example.net>;tag=s1\r\nTo: <sip:100@example.net>\r\nCall-ID: {callId}\r\nCSeq: 1 REGISTER\r\n" +
            "User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n";
        await _node.SendHep(SipCalls.Hep3(new SipCalls.Leg(text, System.Net.IPAddress.Parse(scanner), 5070, SipCalls.Proxy, 5060, SipCalls.NowMicros())));

        // Before the fix the engine retried the refused row every 2 s for as long as it ran.
        await _node.Eventually(async () => await Scalar<long>("SELECT count(*) FROM quarantine WHERE kind = 'alarm'") == 1, "the alarm quarantined");
        Assert.Equal("23514", await Scalar<string>("SELECT sqlstate FROM quarantine WHERE kind = 'alarm'"));
        Assert.Contains(scanner, await Scalar<string>("SELECT row_json FROM quarantine WHERE kind = 'alarm'"), StringComparison.Ordinal);
        Assert.Equal(0L, await Scalar<long>("SELECT count(*) FROM alarms"));
    }

    private async Task Execute(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(_node.Database.ConnectionString);
        await using var cmd = dataSource.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<T> Scalar<T>(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(_node.Database.ConnectionString);
        await using var cmd = dataSource.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
