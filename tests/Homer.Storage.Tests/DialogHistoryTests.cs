using System.Net;
using System.Text;
using Homer.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>The store reads a recovering dialog shard makes, on real PostgreSQL with day partitions.</summary>
public sealed class DialogHistoryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
    private StoreDatabase _db = null!;
    private NpgsqlDataSource _dataSource = null!;
    private DialogHistoryQueries _history = null!;

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync(partitionsFor: Day);
        _dataSource = _db.DataSource;
        _history = new DialogHistoryQueries(_dataSource);

        var t0 = Day.AddHours(10);
        await new MessageStoreWriter(_dataSource).WriteAsync(
        [
            // Yesterday: outside every window below.
            Sip("old-call", Day.AddHours(-2), "INVITE"),
            // An hour before the window.
            Sip("early-call", t0.AddHours(-1), "INVITE"),
            Sip("straddling", t0.AddSeconds(-3), "INVITE"),
            Sip("straddling", t0.AddSeconds(1), null, 200),
            Sip("straddling", t0.AddSeconds(2), "ACK"),
            Sip("fresh-call", t0.AddSeconds(5), "INVITE"),
            // A log line and an RTCP-XR report for "straddling" by correlation id, in other tables.
            Log("straddling", t0.AddSeconds(4), "hangup cause 16"),
            Qos("qos-only-correlation", t0.AddSeconds(6)),
            // A future-stamped message (sender clock ahead): still inside an open-ended window.
            Sip("future-call", t0.AddDays(1), "OPTIONS"),
        ]);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Dialog_ids_since_a_time_are_the_call_ids_and_correlation_ids_captured_from_then_on()
    {
        var ids = await _history.DialogIdsSinceAsync(Micros(Day.AddHours(10)), 1000);
        Assert.Equal(["fresh-call", "future-call", "qos-only-correlation", "straddling"], ids.Select(a => a.Id).Order(StringComparer.Ordinal));
        // With the capture time of each one's newest message (the log line by correlation id counts).
        Assert.Equal(Micros(Day.AddHours(10).AddSeconds(4)), ids.Single(a => a.Id == "straddling").LastMicros);
        Assert.Equal(Micros(Day.AddHours(10).AddDays(1)), ids.Single(a => a.Id == "future-call").LastMicros);

        var wider = await _history.DialogIdsSinceAsync(Micros(Day.AddHours(8)), 1000);
        Assert.Contains("early-call", wider.Select(a => a.Id));
        Assert.DoesNotContain("old-call", wider.Select(a => a.Id));

        Assert.Equal(2, (await _history.DialogIdsSinceAsync(Micros(Day.AddHours(10)), 2)).Count);
    }

    [Fact]
    public async Task Messages_since_a_time_are_the_dialogs_own_and_its_correlated_ones_oldest_first_with_every_field()
    {
        var messages = await _history.MessagesSinceAsync("straddling", Micros(Day.AddHours(10)), 1000);
        Assert.Equal([(short)1, (short)1, (short)100], messages.Select(m => (short)m.ProtocolType));
        Assert.Equal([null, "ACK", null], messages.Select(m => m.Method));
        Assert.Equal(200, messages[0].StatusCode);
        Assert.Equal(Micros(Day.AddHours(10).AddSeconds(1)), messages[0].TimestampMicros);
        Assert.Equal(MessageProfile.Log, messages[2].Profile);
        Assert.Equal("straddling", messages[2].CorrelationId);
        Assert.Equal("hangup cause 16", Encoding.UTF8.GetString(messages[2].Payload.Span));

        var first = messages[0];
        Assert.Equal(IPAddress.Parse("10.0.0.1"), first.SourceIp);
        Assert.Equal(5060, first.SourcePort);
        Assert.Equal(IPAddress.Parse("10.0.0.2"), first.DestinationIp);
        Assert.Equal(5080, first.DestinationPort);
        Assert.Equal(2001, first.CaptureId);
        Assert.Equal("probe-1", first.NodeName);
        Assert.Equal("alice", first.FromUser);
        Assert.Equal("bob", first.ToUser);
        Assert.Equal("ftag", first.FromTag);
        Assert.Equal(7, first.CSeqNumber);
        Assert.Equal("INVITE", first.CSeqMethod);
        Assert.Equal("UDP", first.Transport);
        Assert.Equal(17, first.IpProtocol);
        Assert.Equal(Encoding.UTF8.GetBytes("SIP/2.0 200 ...\r\nCall-ID: straddling\r\n\r\n"), first.Payload.ToArray());

        // The whole dialog when asked from before its start; nothing for a window after its last message.
        Assert.Equal(4, (await _history.MessagesSinceAsync("straddling", Micros(Day.AddHours(9)), 1000)).Count);
        Assert.Empty(await _history.MessagesSinceAsync("straddling", Micros(Day.AddHours(11)), 1000));
        Assert.Single(await _history.MessagesSinceAsync("qos-only-correlation", Micros(Day), 1000));
        Assert.Equal(2, (await _history.MessagesSinceAsync("straddling", Micros(Day.AddHours(9)), 2)).Count);
    }

    [Fact]
    public async Task Dialog_ids_of_a_closed_window_leave_out_what_was_captured_after_it_and_say_when_each_began()
    {
        var t0 = Day.AddHours(10);
        var ids = await _history.DialogIdsBetweenAsync(Micros(t0), Micros(t0.AddSeconds(4)), 1000);
        // fresh-call (t0 + 5 s), the QoS report (+ 6 s) and the future-stamped message are after the window.
        Assert.Equal(["straddling"], ids.Select(a => a.Id));
        Assert.Equal(Micros(t0.AddSeconds(1)), ids[0].FirstMicros);
        Assert.Equal(Micros(t0.AddSeconds(4)), ids[0].LastMicros);
    }

    [Fact]
    public async Task The_messages_of_many_dialogs_come_in_one_read_each_message_once_oldest_first()
    {
        var t0 = Day.AddHours(10);
        var messages = await _history.MessagesOfAsync(["straddling", "fresh-call", "qos-only-correlation", "nobody"], Micros(t0.AddHours(-1).AddSeconds(1)), 1000);
        // straddling's three SIP messages and its log line by correlation id, fresh-call's INVITE, the QoS report.
        Assert.Equal(6, messages.Count);
        Assert.Equal(messages.OrderBy(m => m.TimestampMicros).Select(m => m.TimestampMicros), messages.Select(m => m.TimestampMicros));
        Assert.Equal(4, messages.Count(m => m.CallId == "straddling" || m.CorrelationId == "straddling"));
        Assert.DoesNotContain(messages, m => m.CallId == "early-call");
        // From t0: straddling's 200, ACK and log line, fresh-call's INVITE.
        Assert.Equal(4, (await _history.MessagesOfAsync(["straddling", "fresh-call"], Micros(t0), 1000)).Count);
        Assert.Empty(await _history.MessagesOfAsync([], Micros(t0), 1000));
    }

    [Fact]
    public async Task Both_reads_touch_only_the_partitions_of_their_window()
    {
        await new PartitionManager(_dataSource, new StorageOptions { ConnectionString = "unused" }, NullLogger<PartitionManager>.Instance)
            .EnsurePartitionsAsync(Day.AddDays(-5));
        await using var connection = await _dataSource.OpenConnectionAsync();
        // The window starts today: no partition of an earlier day may appear in either plan.
        foreach (var sql in new[]
                 {
                     "EXPLAIN SELECT call_id FROM messages WHERE ts >= @from AND call_id IS NOT NULL",
                     "EXPLAIN SELECT * FROM messages WHERE call_id = 'x' AND ts >= @from",
                 })
        {
            await using var cmd = new NpgsqlCommand(sql, connection);
            cmd.Parameters.AddWithValue("from", Day.AddHours(10).UtcDateTime);
            var plan = new StringBuilder();
            await using (var reader = await cmd.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    plan.AppendLine(reader.GetString(0));
            Assert.Contains("hep_call_p20261127", plan.ToString());
            Assert.DoesNotContain("hep_call_p20261126", plan.ToString());
            Assert.DoesNotContain("hep_call_p20261123", plan.ToString());
        }
    }

    private static long Micros(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks / 10;

    private static CapturedMessage Sip(string callId, DateTimeOffset ts, string? method, int? status = null) => new()
    {
        TimestampMicros = Micros(ts),
        Profile = method is "OPTIONS" ? MessageProfile.Default : MessageProfile.Call,
        ProtocolType = 1,
        IpProtocol = 17,
        Transport = "UDP",
        SourceIp = IPAddress.Parse("10.0.0.1"),
        SourcePort = 5060,
        DestinationIp = IPAddress.Parse("10.0.0.2"),
        DestinationPort = 5080,
        CaptureId = 2001,
        NodeName = "probe-1",
        CallId = callId,
        Method = method,
        StatusCode = status,
        FromUser = "alice",
        FromTag = "ftag",
        ToUser = "bob",
        CSeqNumber = 7,
        CSeqMethod = method is null or "ACK" ? "INVITE" : method,
        Payload = Encoding.UTF8.GetBytes($"{method ?? "SIP/2.0 " + status} ...\r\nCall-ID: {callId}\r\n\r\n"),
    };

    private static CapturedMessage Log(string correlationId, DateTimeOffset ts, string text) => new()
    {
        TimestampMicros = Micros(ts),
        Profile = MessageProfile.Log,
        ProtocolType = 100,
        SourceIp = IPAddress.Parse("10.0.0.9"),
        SourcePort = 0,
        DestinationIp = IPAddress.Parse("10.0.0.10"),
        DestinationPort = 0,
        CorrelationId = correlationId,
        Payload = Encoding.UTF8.GetBytes(text),
    };

    private static CapturedMessage Qos(string correlationId, DateTimeOffset ts) => new()
    {
        TimestampMicros = Micros(ts),
        Profile = MessageProfile.Qos,
        ProtocolType = 35,
        SourceIp = IPAddress.Parse("10.0.0.9"),
        SourcePort = 0,
        DestinationIp = IPAddress.Parse("10.0.0.10"),
        DestinationPort = 0,
        CorrelationId = correlationId,
        Payload = "{}"u8.ToArray(),
    };
}
