using System.Net;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>
/// Values of any length are stored and found (migrations 6 and 105): the indexes hold the first 256 characters, the
/// rows the full value, and the searches still go through the indexes.
/// </summary>
public sealed class BoundedIndexTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private StoreDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync(T0);
        // Enough ordinary traffic that a scan would cost more than the index.
        await using var fill = _db.DataSource.CreateCommand("""
            INSERT INTO hep_call (ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, call_id, correlation_id,
                                  from_user, to_user, payload)
            SELECT $1 + i * interval '90 ms', 1, 17, '10.0.0.1', 5060, '10.0.0.2', 5060, 1, 'call-' || i, 'leg-' || i,
                   'user' || (i % 5000), 'callee' || (i % 5000), '\x00'::bytea
            FROM generate_series(0, 39999) AS i
            """);
        fill.Parameters.Add(new NpgsqlParameter { Value = T0.UtcDateTime });
        await fill.ExecuteNonQueryAsync();
        await using var dialogs = _db.DataSource.CreateCommand("""
            INSERT INTO dialogs (call_id, kind, state, from_user, to_user, ruri_user, started_at, last_seen, message_count, correlation_group)
            SELECT 'call-' || i, 'CALL', 'COMPLETED', 'user' || (i % 5000), 'callee' || (i % 5000), 'callee' || (i % 5000),
                   $1 + i * interval '90 ms', $1 + i * interval '90 ms', 7, 'group-' || (i / 2)
            FROM generate_series(0, 39999) AS i
            """);
        dialogs.Parameters.Add(new NpgsqlParameter { Value = T0.UtcDateTime });
        await dialogs.ExecuteNonQueryAsync();
        await using var analyze = _db.DataSource.CreateCommand("ANALYZE hep_call; ANALYZE dialogs");
        await analyze.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    /// <summary>Random text does not compress, so it is as big in an index entry as it is here.</summary>
    private static string Long(string tag, int length) =>
        tag + Convert.ToHexString(RandomNumberGenerator.GetBytes(length / 2))[..(length - tag.Length)].ToLowerInvariant();

    [Theory]
    [InlineData(10 * 1024)]
    [InlineData(64 * 1024)]
    public async Task A_message_with_huge_indexed_values_is_stored_and_found_by_each_of_them(int length)
    {
        var callId = Long("cid", length);
        var from = Long("from", length);
        var to = Long("to", length);
        var correlation = Long("x", length);
        var at = T0.AddMinutes(30);
        var message = Message(callId, at, from, to, correlation);
        var neighbour = Message("ordinary-call", at, "alice", "bob", null);
        Assert.Equal(2L, await new MessageStoreWriter(_db.DataSource).WriteAsync([message, neighbour]));

        var queries = new MessageQueries(_db.DataSource, _db.DataSource);
        Assert.Equal(callId, (await queries.SearchAsync(new MessageFilter { CallId = callId }, 10)).Nodes.Single().CallId);
        Assert.Equal(callId, (await queries.SearchAsync(new MessageFilter { CallIds = [callId, "ordinary-call"] }, 10)).Nodes
            .Single(n => n.CallId != "ordinary-call").CallId);
        Assert.Equal(from, (await queries.SearchAsync(new MessageFilter { FromUser = from }, 10)).Nodes.Single().FromUser);
        Assert.Equal(to, (await queries.SearchAsync(new MessageFilter { ToUser = to, From = T0, To = T0.AddHours(1) }, 10)).Nodes.Single().ToUser);
        Assert.Equal(correlation, (await queries.SearchAsync(new MessageFilter { CorrelationId = correlation }, 10)).Nodes.Single().CorrelationId);
        // A prefix search longer than what the index holds still checks the rest against the row.
        Assert.Single((await queries.SearchAsync(new MessageFilter { FromUser = from[..(length - 10)] + "*" }, 10)).Nodes);
        Assert.Empty((await queries.SearchAsync(new MessageFilter { FromUser = from[..300] + "no-such-rest*" }, 10)).Nodes);
        // Two Call-IDs that share the indexed prefix are still told apart.
        Assert.Empty((await queries.SearchAsync(new MessageFilter { CallId = callId[..(length - 1)] + "#" }, 10)).Nodes);

        var (loaded, _) = await new CallRecordQueries(_db.DataSource, _db.DataSource).LoadAsync([callId], 10);
        Assert.Equal(callId, loaded.Single().CallId);
        var history = await new DialogHistoryQueries(_db.DataSource).MessagesSinceAsync(callId, (T0 - DateTimeOffset.UnixEpoch).Ticks / 10, 10);
        Assert.Equal(from, history.Single().FromUser);
    }

    [Theory]
    [InlineData(10 * 1024)]
    [InlineData(64 * 1024)]
    public async Task A_dialog_with_a_huge_call_id_and_users_is_upserted_and_found(int length)
    {
        var callId = Long("dlg", length);
        var twin = callId[..300] + Long("twin", length - 300);
        var store = new DialogStore(_db.DataSource);
        var row = Row(callId, Long("from", length), Long("to", length), state: "RINGING", messages: 2);
        Assert.Equal(2, await store.UpsertAsync([row, Row(twin, "alice", "bob", "RINGING", 2)]));
        Assert.Equal(1, await store.UpsertAsync([row with { State = "ANSWERED", MessageCount = 4 }]));

        var stored = await store.GetAsync(callId);
        Assert.Equal("ANSWERED", stored!.State);
        Assert.Equal(row.FromUser, stored.FromUser);
        Assert.Equal("RINGING", (await store.GetAsync(twin))!.State);
        var search = new DialogSearch(_db.DataSource);
        Assert.Equal(callId, (await search.SearchAsync(new DialogFilter { CallId = callId }, 10, null, false)).Nodes.Single().CallId);
        Assert.Equal(callId, (await search.SearchAsync(new DialogFilter { FromUser = row.FromUser }, 10, null, false)).Nodes.Single().CallId);
        Assert.Equal(callId, (await search.SearchAsync(new DialogFilter { AnyUser = row.ToUser }, 10, null, false)).Nodes.Single().CallId);
        Assert.Equal(2, (await search.GetManyAsync([callId, twin])).Count);
        Assert.Equal([callId], await search.GroupedWithAsync([callId], 10));

        // Keyset pages across the two rows that share a prefix and a start time: each exactly once.
        var window = new DialogFilter { From = T0.AddHours(2), To = T0.AddHours(3) };
        var first = await search.SearchAsync(window, 1, null, false);
        var second = await search.SearchAsync(window, 1, first.EndCursor, false);
        Assert.True(first.HasNextPage);
        Assert.Equal(new[] { callId, twin }.Order(StringComparer.Ordinal), new[] { first.Nodes.Single().CallId, second.Nodes.Single().CallId }.Order(StringComparer.Ordinal));
        Assert.False(second.HasNextPage);
    }

    public static TheoryData<string, string> IndexedSearches => new()
    {
        { $"SELECT id FROM messages WHERE {IndexedText.EqualsSql("call_id", "$1")}", "hep_call_call_id_ts" },
        { $"SELECT id FROM messages WHERE {IndexedText.AnySql("call_id", "$2", "$3")}", "hep_call_call_id_ts" },
        { $"SELECT id FROM messages WHERE {IndexedText.EqualsSql("correlation_id", "$1")}", "hep_call_correlation_id" },
        { $"SELECT id FROM messages WHERE ts >= $4 AND {IndexedText.EqualsSql("from_user", "$1")}", "hep_call_from_user_ts" },
        { $"SELECT id FROM messages WHERE ts >= $4 AND (left(to_user, 256) LIKE 'callee42%' AND to_user LIKE 'callee42%')", "hep_call_to_user_ts" },
        { $"SELECT call_id FROM dialogs WHERE {IndexedText.EqualsSql("call_id", "$1")}", "dialogs_call_id" },
        { $"SELECT call_id FROM dialogs WHERE {IndexedText.AnySql("call_id", "$2", "$3")}", "dialogs_call_id" },
        { $"SELECT call_id FROM dialogs WHERE {IndexedText.EqualsSql("from_user", "$1")}", "dialogs_from_user_started_at" },
        { $"SELECT call_id FROM dialogs WHERE (left(ruri_user, 256) LIKE 'callee42%' AND ruri_user LIKE 'callee42%')", "dialogs_ruri_user_started_at" },
        { $"SELECT call_id FROM dialogs WHERE {IndexedText.EqualsSql("correlation_group", "$1")}", "dialogs_correlation_group" },
        { $"SELECT call_id FROM dialogs WHERE started_at >= $4 AND (started_at, left(call_id, 256), call_id) > ($4, left($1, 256), $1) ORDER BY started_at, left(call_id, 256), call_id LIMIT 100", "dialogs_started_at_call_id" },
    };

    [Theory]
    [MemberData(nameof(IndexedSearches))]
    public async Task Searches_by_a_bounded_value_use_its_index_with_custom_and_generic_plans(string sql, string index)
    {
        // A partitioned index is read through its partitions' indexes, which PostgreSQL names itself.
        var names = new List<string> { index };
        await using (var children = _db.DataSource.CreateCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)"))
        {
            children.Parameters.Add(new NpgsqlParameter { Value = index });
            await using var r = await children.ExecuteReaderAsync();
            while (await r.ReadAsync())
                names.Add(r.GetString(0));
        }
        foreach (var mode in new[] { "auto", "force_generic_plan" })
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync();
            await using (var set = new NpgsqlCommand($"SET plan_cache_mode = {mode}", connection))
                await set.ExecuteNonQueryAsync();
            await using var explain = new NpgsqlCommand("EXPLAIN (COSTS OFF) " + sql, connection);
            explain.Parameters.Add(new NpgsqlParameter { Value = "call-4242", NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            explain.Parameters.Add(new NpgsqlParameter { Value = new[] { "call-4242", "call-7" }, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            explain.Parameters.Add(new NpgsqlParameter { Value = IndexedText.Prefixes(["call-4242", "call-7"]), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            explain.Parameters.Add(new NpgsqlParameter { Value = T0.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            if (mode == "force_generic_plan")
                await explain.PrepareAsync();
            var plan = new StringBuilder();
            await using (var reader = await explain.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    plan.AppendLine(reader.GetString(0));
            Assert.True(names.Any(n => plan.ToString().Contains(n + " ", StringComparison.Ordinal) || plan.ToString().Contains(n + "\n", StringComparison.Ordinal)),
                $"{mode}: none of {string.Join(", ", names)} in {plan}");
            // The partition that holds the rows (the others are empty, and a scan of nothing is what they cost).
            Assert.DoesNotContain("Seq Scan on hep_call_p20261127", plan.ToString());
            Assert.DoesNotContain("Seq Scan on dialogs", plan.ToString());
        }
    }

    private static CapturedMessage Message(string callId, DateTimeOffset ts, string from, string to, string? correlation) => new()
    {
        TimestampMicros = (ts - DateTimeOffset.UnixEpoch).Ticks / 10,
        Profile = MessageProfile.Call,
        ProtocolType = 1,
        IpProtocol = 17,
        SourceIp = IPAddress.Parse("10.0.0.1"),
        SourcePort = 5060,
        DestinationIp = IPAddress.Parse("10.0.0.2"),
        DestinationPort = 5060,
        CallId = callId,
        CorrelationId = correlation,
        Method = "INVITE",
        FromUser = from,
        ToUser = to,
        Payload = Encoding.UTF8.GetBytes($"INVITE sip:{to}@example.net SIP/2.0\r\nCall-ID: {callId}\r\n\r\n"),
    };

    private static DialogRow Row(string callId, string from, string to, string state, long messages) => new()
    {
        CallId = callId,
        Kind = "CALL",
        State = state,
        FromUser = from,
        ToUser = to,
        RuriUser = to,
        StartedAt = T0.AddHours(2).AddSeconds(5),
        LastSeen = T0.AddHours(2).AddSeconds(6),
        MessageCount = messages,
    };
}
