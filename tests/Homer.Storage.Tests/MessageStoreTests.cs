using System.Net;
using System.Text;
using Homer.Storage;
using Homer.Storage.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.Storage.Tests;

public sealed class MessageStoreTests : IAsyncLifetime
{
    private StoreDatabase _db = null!;
    private NpgsqlDataSource _dataSource = null!;
    private readonly StorageOptions _options = new() { ConnectionString = "unused" };

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync();
        _dataSource = _db.DataSource;
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Migrating_twice_is_a_no_op_and_reports_the_newest_version()
    {
        var version = await new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        Assert.Equal(SchemaMigrations.All.Max(m => m.Version), version);
        await using var cmd = _dataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)SchemaMigrations.All.Count, (long)(await cmd.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Partitions_are_created_per_day_around_now_and_only_once()
    {
        var manager = new PartitionManager(_dataSource, _options, NullLogger<PartitionManager>.Instance);
        var now = new DateTimeOffset(2026, 11, 27, 13, 5, 0, TimeSpan.Zero);
        var created = await manager.EnsurePartitionsAsync(now);
        Assert.Equal(MessageTables.All.Count() * 4, created.Count);
        Assert.Contains("hep_call_p20261126", created);
        Assert.Contains("hep_registration_p20261129", created);
        Assert.Contains("hep_log_p20261127", created);
        Assert.Empty(await manager.EnsurePartitionsAsync(now));
    }

    [Fact]
    public async Task Copied_messages_land_in_their_day_partition_with_every_field_and_microseconds()
    {
        var manager = new PartitionManager(_dataSource, _options, NullLogger<PartitionManager>.Instance);
        var day = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        await manager.EnsurePartitionsAsync(day);

        var invite = Message("call-a", day.AddHours(10).AddTicks(1234560), "INVITE", null, "alice", "bob");
        var ok = Message("call-a", day.AddHours(10).AddTicks(2234570), null, 200, "alice", "bob");
        var other = Message("call-b", day.AddHours(11), "BYE", null, "carol", "dave");
        var writer = new MessageStoreWriter(_dataSource);
        Assert.Equal(3L, await writer.WriteAsync([invite, ok, other]));

        var page = await new MessageQueries(_dataSource).SearchAsync(new MessageFilter { CallId = "call-a" }, 10);
        Assert.Equal(2, page.TotalCount);
        Assert.Equal(["INVITE", null], page.Nodes.Select(n => n.Method));
        var first = page.Nodes[0];
        Assert.Equal(invite.Timestamp, first.Timestamp);
        Assert.Equal(123456, first.Timestamp.Ticks / 10 % 1_000_000);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), first.SourceIp);
        Assert.Equal(5060, first.SourcePort);
        Assert.Equal(IPAddress.Parse("2001:db8::2"), first.DestinationIp);
        Assert.Equal(5080, first.DestinationPort);
        Assert.Equal("alice", first.FromUser);
        Assert.Equal("bob", first.ToUser);
        Assert.Equal(42, first.CaptureId);
        Assert.Equal(invite.Payload.ToArray(), first.Payload);
        Assert.Equal(200, page.Nodes[1].StatusCode);

        await using var cmd = _dataSource.CreateCommand(
            "SELECT tableoid::regclass::text FROM hep_call WHERE call_id = 'call-b'");
        Assert.Equal("hep_call_p20261127", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Every_column_reads_back_as_written_across_several_copy_chunks()
    {
        // The COPY rows are encoded by hand (PgBinaryCopyWriter): compare every column PostgreSQL decoded with
        // what was written, in a batch large enough to be sent in several chunks.
        var manager = new PartitionManager(_dataSource, _options, NullLogger<PartitionManager>.Instance);
        var day = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        await manager.EnsurePartitionsAsync(day);
        var filler = Message("filler", day.AddHours(1), "OPTIONS", null, "f", "g") with { Payload = new byte[40_000] };
        var full = new CapturedMessage
        {
            TimestampMicros = (day.AddHours(9) - DateTimeOffset.UnixEpoch).Ticks / 10 + 987_654,
            Profile = MessageProfile.Call,
            ProtocolType = 1,
            IpProtocol = 6,
            Transport = "TLS",
            Vlan = 4094,
            SourceIp = IPAddress.Parse("::ffff:192.0.2.7"),
            SourcePort = 65535,
            DestinationIp = IPAddress.Parse("fe80::1:2:3:4"),
            DestinationPort = 5061,
            CaptureId = 9_000_000_001,
            NodeName = "sbc-ß-1",
            CorrelationId = "corr-1",
            CallId = "all-columns@example.com",
            Method = null,
            StatusCode = 486,
            ReasonPhrase = "Busy Here",
            RuriUser = "ru",
            RuriDomain = "rd.example",
            FromUser = "+4930123",
            FromDomain = "fd.example",
            FromTag = "ft",
            ToUser = "日本",
            ToDomain = "td.example",
            ToTag = "tt",
            CSeqNumber = 4_294_967_295,
            CSeqMethod = "INVITE",
            UserAgent = "ua\0nul",
            ParseError = "none",
            HeadersJson = "{\"diversion\":\"<sip:900@example.com>\",\"expires\":60}",
            Payload = Encoding.UTF8.GetBytes("SIP/2.0 486 Busy Here\r\n\r\n"),
        };
        var batch = Enumerable.Repeat(filler, 20).Append(full).Append(filler).ToList();
        Assert.Equal(batch.Count, await new MessageStoreWriter(_dataSource).WriteAsync(batch));

        await using var cmd = _dataSource.CreateCommand("""
            SELECT ts, proto_type, ip_proto, transport, host(src_ip), src_port, host(dst_ip), dst_port, capture_id, node, vlan,
                   correlation_id, method, status, reason, ruri_user, ruri_domain, from_user, from_domain, from_tag,
                   to_user, to_domain, to_tag, cseq, cseq_method, user_agent, parse_error, headers->>'diversion',
                   (headers->>'expires')::int, payload
            FROM hep_call WHERE call_id = 'all-columns@example.com'
            """);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal(full.Timestamp, new DateTimeOffset(r.GetFieldValue<DateTime>(0)));
        Assert.Equal(1, r.GetInt16(1));
        Assert.Equal(6, r.GetInt16(2));
        Assert.Equal("TLS", r.GetString(3));
        Assert.Equal("::ffff:192.0.2.7", r.GetString(4));
        Assert.Equal(65535, r.GetInt32(5));
        Assert.Equal("fe80::1:2:3:4", r.GetString(6));
        Assert.Equal(5061, r.GetInt32(7));
        Assert.Equal(9_000_000_001, r.GetInt64(8));
        Assert.Equal("sbc-ß-1", r.GetString(9));
        Assert.Equal(4094, r.GetInt32(10));
        Assert.Equal("corr-1", r.GetString(11));
        Assert.True(r.IsDBNull(12));
        Assert.Equal(486, r.GetInt16(13));
        Assert.Equal("Busy Here", r.GetString(14));
        Assert.Equal(["ru", "rd.example", "+4930123", "fd.example", "ft", "日本", "td.example", "tt"],
            Enumerable.Range(15, 8).Select(r.GetString));
        Assert.Equal(4_294_967_295, r.GetInt64(23));
        Assert.Equal("INVITE", r.GetString(24));
        Assert.Equal("ua\u2400nul", r.GetString(25));
        Assert.Equal("none", r.GetString(26));
        Assert.Equal("<sip:900@example.com>", r.GetString(27));
        Assert.Equal(60, r.GetInt32(28));
        Assert.Equal(full.Payload.ToArray(), r.GetFieldValue<byte[]>(29));
        Assert.False(await r.ReadAsync());
        await r.DisposeAsync();

        await using var count = _dataSource.CreateCommand("SELECT count(*), sum(length(payload)) FROM hep_call WHERE call_id = 'filler'");
        await using var c = await count.ExecuteReaderAsync();
        Assert.True(await c.ReadAsync());
        Assert.Equal(21L, c.GetInt64(0));
        Assert.Equal(21L * 40_000, c.GetInt64(1));
    }

    [Fact]
    public async Task A_timestamp_outside_every_partition_is_kept_in_the_default_partition()
    {
        var writer = new MessageStoreWriter(_dataSource);
        await writer.WriteAsync([Message("call-1970", DateTimeOffset.UnixEpoch.AddSeconds(5), "OPTIONS", null, "x", "y")]);
        await using var cmd = _dataSource.CreateCommand("SELECT tableoid::regclass::text FROM hep_call");
        Assert.Equal("hep_call_default", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Large_payloads_and_stray_nul_bytes_in_fields_survive_untruncated()
    {
        var body = new string('v', 60_000);
        var payload = Encoding.UTF8.GetBytes("INVITE sip:siprec@example.com SIP/2.0\r\nCall-ID: big\r\n\r\n" + body);
        var message = Message("big", DateTimeOffset.UtcNow, "INVITE", null, "a\0b", "c") with { Payload = payload };
        await new MessageStoreWriter(_dataSource).WriteAsync([message]);

        var page = await new MessageQueries(_dataSource).SearchAsync(new MessageFilter { CallId = "big" }, 1);
        Assert.Equal(payload, page.Nodes.Single().Payload);
        Assert.Equal("a\u2400b", page.Nodes.Single().FromUser);
        // Migration 5: big payloads are compressed with lz4, in a partition made after it (inherited from the parent)...
        await using var stored = _dataSource.CreateCommand("SELECT pg_column_compression(payload) FROM hep_call WHERE call_id = 'big'");
        Assert.Equal("lz4", await stored.ExecuteScalarAsync());
        // ...and in one that existed before it (the default partition, made by the first migration).
        await using var before = _dataSource.CreateCommand(
            "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'hep_call_default'::regclass AND attname = 'payload'");
        Assert.Equal("l", await before.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Tables_made_after_the_migrations_like_the_dialog_journal_compress_with_lz4()
    {
        // Migration 104: Akka.Persistence.Sql creates its journal after the migrations, in sessions of its own; a new
        // session of this role in this database must compress with lz4 by default.
        var fresh = new NpgsqlConnectionStringBuilder(_db.ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(fresh.ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(
            "CREATE TEMP TABLE later (message bytea); INSERT INTO later SELECT convert_to(repeat('checkpoint ', 6000), 'UTF8')", connection);
        await create.ExecuteNonQueryAsync();
        await using var stored = new NpgsqlCommand("SELECT pg_column_compression(message) FROM later", connection);
        Assert.Equal("lz4", await stored.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Time_range_and_page_size_limit_the_rows_but_not_the_total()
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeSeconds());
        var rows = Enumerable.Range(0, 20).Select(i => Message("range", t0.AddSeconds(i), "NOTIFY", null, "u", "v")).ToList();
        await new MessageStoreWriter(_dataSource).WriteAsync(rows);
        var queries = new MessageQueries(_dataSource);

        var page = await queries.SearchAsync(new MessageFilter { CallId = "range", From = t0.AddSeconds(5), To = t0.AddSeconds(14) }, 3);
        Assert.Equal(10, page.TotalCount);
        Assert.Equal([t0.AddSeconds(5), t0.AddSeconds(6), t0.AddSeconds(7)], page.Nodes.Select(n => n.Timestamp));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queries.SearchAsync(new MessageFilter(), MessageQueries.MaxPageSize + 1));
    }

    [Fact]
    public async Task Each_profile_goes_to_its_own_table_in_one_transaction_and_the_view_unites_them()
    {
        var ts = DateTimeOffset.UtcNow;
        var batch = new[]
        {
            Message("p-1", ts, "INVITE", null, "a", "b"),
            Message("p-1", ts, "REGISTER", null, "a", "b") with { Profile = MessageProfile.Registration },
            Message("p-1", ts, "OPTIONS", null, "a", "b") with { Profile = MessageProfile.Default },
            Message("p-1", ts, null, null, "a", "b") with { Profile = MessageProfile.Log, ProtocolType = 100, Method = null },
        };
        await new MessageStoreWriter(_dataSource).WriteAsync(batch);

        var perTable = string.Join(" UNION ALL ", MessageTables.All.Select(t => $"SELECT tableoid::regclass::text AS part, call_id FROM {t}"));
        await using var cmd = _dataSource.CreateCommand(
            $"SELECT m.profile, t.part FROM messages m JOIN ({perTable}) t USING (call_id) WHERE m.call_id = 'p-1' AND t.part LIKE '%' || " +
            "(CASE m.profile WHEN 0 THEN 'hep_default' WHEN 1 THEN 'hep_call' WHEN 2 THEN 'hep_registration' WHEN 5 THEN 'hep_log' END) || '_default' ORDER BY m.profile");
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(short, string)>();
        while (await reader.ReadAsync())
            rows.Add((reader.GetInt16(0), reader.GetString(1)));
        (short, string)[] expected = [(0, "hep_default_default"), (1, "hep_call_default"), (2, "hep_registration_default"), (5, "hep_log_default")];
        Assert.Equal(expected, rows);
    }

    [Fact]
    public async Task A_batch_that_fails_in_one_table_leaves_no_rows_in_the_others()
    {
        var ts = DateTimeOffset.UtcNow;
        var good = Message("tx-1", ts, "INVITE", null, "a", "b");
        // A bytea longer than PostgreSQL accepts (1 GB) would be slow to build; an invalid JSON document fails the COPY as surely.
        var bad = Message("tx-1", ts, "REGISTER", null, "a", "b") with { Profile = MessageProfile.Registration, HeadersJson = "{not json" };
        await Assert.ThrowsAnyAsync<PostgresException>(() => new MessageStoreWriter(_dataSource).WriteAsync([good, bad]));
        Assert.Equal(0, (await new MessageQueries(_dataSource).SearchAsync(new MessageFilter { CallId = "tx-1" }, 0)).TotalCount);
    }

    [Fact]
    public async Task A_partition_created_late_takes_its_rows_out_of_the_default_partition()
    {
        var day = new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);
        await new MessageStoreWriter(_dataSource).WriteAsync([Message("late", day, "INVITE", null, "a", "b")]);
        var manager = new PartitionManager(_dataSource, _options, NullLogger<PartitionManager>.Instance);
        Assert.Contains("hep_call_p20250310", await manager.EnsurePartitionsAsync(day));

        await using var cmd = _dataSource.CreateCommand("SELECT tableoid::regclass::text FROM hep_call WHERE call_id = 'late'");
        Assert.Equal("hep_call_p20250310", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Retention_drops_partitions_older_than_each_profile_keeps_and_the_oldest_over_budget()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var options = _options with
        {
            PartitionsBehind = 10,
            Retention = TimeSpan.FromDays(7),
            RetentionByProfile = new Dictionary<MessageProfile, TimeSpan> { [MessageProfile.Registration] = TimeSpan.FromDays(2) },
        };
        var manager = new PartitionManager(_dataSource, options, NullLogger<PartitionManager>.Instance);
        await manager.EnsurePartitionsAsync(now);

        var report = await new RetentionPolicy(manager, options, NullLogger<RetentionPolicy>.Instance).RunAsync(now);
        // Days 17..19 end at or before now - 7 days (Nov 20 00:00) for every table; registration also drops 20..24.
        Assert.Contains("hep_call_p20261119", report.DroppedByAge);
        Assert.DoesNotContain("hep_call_p20261120", report.DroppedByAge);
        Assert.Contains("hep_registration_p20261124", report.DroppedByAge);
        Assert.DoesNotContain("hep_registration_p20261125", report.DroppedByAge);
        Assert.Empty(report.DroppedByBudget);

        await new MessageStoreWriter(_dataSource).WriteAsync(
            Enumerable.Range(0, 50).Select(i => Message("budget", now.AddDays(-5).AddMinutes(i), "INVITE", null, "a", "b")).ToList());
        var left = await manager.ListAsync();
        var budget = left.Sum(p => p.Bytes) - 1;
        var overBudget = await new RetentionPolicy(manager, options with { DiskBudgetBytes = budget }, NullLogger<RetentionPolicy>.Instance).RunAsync(now);
        // The oldest partition goes first, and never one that holds now.
        Assert.Equal(left.Where(p => p.To <= now).OrderBy(p => p.From).First().Name, overBudget.DroppedByBudget[0]);
        Assert.True(overBudget.BytesAfter <= budget);
        Assert.Contains((await manager.ListAsync()), p => p.Name == "hep_call_p20261127");
    }

    [Fact]
    public async Task Spooled_batches_survive_a_restart_of_the_spool_and_replay_oldest_first()
    {
        var directory = Path.Combine(Path.GetTempPath(), "homer-spool-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = new[] { Message("spool-1", DateTimeOffset.UtcNow, "INVITE", null, "ä", "b") with { HeadersJson = "{\"x\":1}", Vlan = 7, Transport = "TLS" } };
            var second = new[] { Message("spool-2", DateTimeOffset.UtcNow, "BYE", null, "c", "d") };
            var spool = new MessageSpool(directory, 1 << 20, NullLogger.Instance);
            Assert.True(spool.TryAdd(first));
            Assert.True(spool.TryAdd(second));
            Assert.False(new MessageSpool(directory, 10, NullLogger.Instance).TryAdd(first), "a full spool refuses");

            var reopened = new MessageSpool(directory, 1 << 20, NullLogger.Instance);
            Assert.Equal(2, reopened.Batches);
            var seen = new List<string?>();
            var replayed = await reopened.ReplayAsync(async (batch, ct) =>
            {
                seen.AddRange(batch.Select(m => m.CallId));
                await new MessageStoreWriter(_dataSource).WriteAsync(batch, ct);
            }, CancellationToken.None);
            Assert.Equal(2, replayed);
            Assert.Equal(["spool-1", "spool-2"], seen);
            Assert.Equal(0, reopened.Batches);
            Assert.Equal(0, reopened.Bytes);
            var stored = (await new MessageQueries(_dataSource).SearchAsync(new MessageFilter { CallId = "spool-1" }, 1)).Nodes.Single();
            Assert.Equal("ä", stored.FromUser);
            Assert.Equal(first[0].Payload.ToArray(), stored.Payload);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_failing_replay_keeps_the_batch_for_the_next_round()
    {
        var directory = Path.Combine(Path.GetTempPath(), "homer-spool-" + Guid.NewGuid().ToString("N"));
        try
        {
            var spool = new MessageSpool(directory, 1 << 20, NullLogger.Instance);
            spool.TryAdd([Message("keep", DateTimeOffset.UtcNow, "INVITE", null, "a", "b")]);
            await Assert.ThrowsAsync<InvalidOperationException>(() =>
                spool.ReplayAsync((_, _) => throw new InvalidOperationException("store down"), CancellationToken.None));
            Assert.Equal(1, spool.Batches);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static CapturedMessage Message(string callId, DateTimeOffset ts, string? method, int? status, string from, string to) => new()
    {
        TimestampMicros = (ts - DateTimeOffset.UnixEpoch).Ticks / 10,
        Profile = MessageProfile.Call,
        ProtocolType = 1,
        IpProtocol = 17,
        SourceIp = IPAddress.Parse("10.0.0.1"),
        SourcePort = 5060,
        DestinationIp = IPAddress.Parse("2001:db8::2"),
        DestinationPort = 5080,
        CaptureId = 42,
        CallId = callId,
        Method = method,
        StatusCode = status,
        FromUser = from,
        ToUser = to,
        CSeqNumber = 1,
        CSeqMethod = method ?? "INVITE",
        Payload = Encoding.UTF8.GetBytes($"{method ?? "SIP/2.0 " + status} ...\r\nCall-ID: {callId}\r\n\r\n"),
    };
}
