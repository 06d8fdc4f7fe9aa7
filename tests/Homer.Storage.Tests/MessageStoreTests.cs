using System.Net;
using System.Text;
using Homer.Storage;
using Homer.Storage.Migrations;
using Homer.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.Storage.Tests;

public sealed class MessageStoreTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private NpgsqlDataSource _dataSource = null!;
    private readonly StorageOptions _options = new() { ConnectionString = "unused" };

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _dataSource = _db.CreateDataSource();
        await new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
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
        Assert.Equal(["messages_p20261126", "messages_p20261127", "messages_p20261128", "messages_p20261129"], created);
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
        var writer = new CopyBatchWriter<CapturedMessage>(_dataSource, MessagesCopyTable.Instance);
        Assert.Equal(3UL, await writer.WriteAsync([invite, ok, other]));

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
            "SELECT tableoid::regclass::text FROM messages WHERE call_id = 'call-b'");
        Assert.Equal("messages_p20261127", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_timestamp_outside_every_partition_is_kept_in_the_default_partition()
    {
        var writer = new CopyBatchWriter<CapturedMessage>(_dataSource, MessagesCopyTable.Instance);
        await writer.WriteAsync([Message("call-1970", DateTimeOffset.UnixEpoch.AddSeconds(5), "OPTIONS", null, "x", "y")]);
        await using var cmd = _dataSource.CreateCommand("SELECT tableoid::regclass::text FROM messages");
        Assert.Equal("messages_default", await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Large_payloads_and_stray_nul_bytes_in_fields_survive_untruncated()
    {
        var body = new string('v', 60_000);
        var payload = Encoding.UTF8.GetBytes("INVITE sip:siprec@example.com SIP/2.0\r\nCall-ID: big\r\n\r\n" + body);
        var message = Message("big", DateTimeOffset.UtcNow, "INVITE", null, "a\0b", "c") with { Payload = payload };
        await new CopyBatchWriter<CapturedMessage>(_dataSource, MessagesCopyTable.Instance).WriteAsync([message]);

        var page = await new MessageQueries(_dataSource).SearchAsync(new MessageFilter { CallId = "big" }, 1);
        Assert.Equal(payload, page.Nodes.Single().Payload);
        Assert.Equal("a\uFFFDb", page.Nodes.Single().FromUser);
    }

    [Fact]
    public async Task Time_range_and_page_size_limit_the_rows_but_not_the_total()
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeSeconds());
        var rows = Enumerable.Range(0, 20).Select(i => Message("range", t0.AddSeconds(i), "NOTIFY", null, "u", "v")).ToList();
        await new CopyBatchWriter<CapturedMessage>(_dataSource, MessagesCopyTable.Instance).WriteAsync(rows);
        var queries = new MessageQueries(_dataSource);

        var page = await queries.SearchAsync(new MessageFilter { CallId = "range", From = t0.AddSeconds(5), To = t0.AddSeconds(14) }, 3);
        Assert.Equal(10, page.TotalCount);
        Assert.Equal([t0.AddSeconds(5), t0.AddSeconds(6), t0.AddSeconds(7)], page.Nodes.Select(n => n.Timestamp));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queries.SearchAsync(new MessageFilter(), MessageQueries.MaxPageSize + 1));
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
