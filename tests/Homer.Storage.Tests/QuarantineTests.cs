using System.Net;
using System.Text;
using Homer.Hep;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>
/// A batch PostgreSQL refuses a row of for good: the row is isolated by bisecting, everything else is stored and the
/// refused row goes to the quarantine with its HEP packet. The refusal is a CHECK constraint this test adds to its own
/// throwaway database, so it stays a refusal whatever the decoder learns to make storable.
/// </summary>
public sealed class QuarantineTests : IAsyncLifetime
{
    private StoreDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync();
        await Execute("ALTER TABLE hep_call ADD CONSTRAINT test_poison CHECK (from_user IS DISTINCT FROM 'poison')");
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Twenty_good_invites_around_one_refused_row_are_all_stored_and_the_bad_one_is_quarantined_with_its_hep_bytes()
    {
        var now = DateTimeOffset.UtcNow;
        var batch = Enumerable.Range(0, 20).Select(i => Invite($"good-{i}", "alice", now.AddMilliseconds(i))).ToList();
        var rawHep = new byte[] { 0x48, 0x45, 0x50, 0x33, 1, 2, 3 };
        batch.Insert(7, Invite("bad-1", "poison", now) with { RawHep = rawHep });
        var writer = new MessageStoreWriter(_db.DataSource);

        // Before the fix the whole batch failed and not one of the 20 was stored.
        var outcome = await writer.StoreAsync(batch);

        Assert.Equal(20, outcome.Written);
        Assert.Empty(outcome.Unwritten);
        Assert.Null(outcome.TransientError);
        var refused = Assert.Single(outcome.Quarantined);
        Assert.Equal("bad-1", refused.Row.CallId);
        Assert.Equal("23514", refused.SqlState);
        Assert.Equal(20L, await Scalar<long>("SELECT count(*) FROM hep_call"));
        Assert.Equal(0L, await Scalar<long>("SELECT count(*) FROM hep_call WHERE call_id = 'bad-1'"));

        var entry = Assert.Single(await new QuarantineStore(_db.DataSource).GetAsync(null));
        Assert.Equal(QuarantineKind.Message, entry.Kind);
        Assert.Equal("hep_call", entry.Table);
        Assert.Equal("23514", entry.SqlState);
        Assert.Contains("test_poison", entry.Error, StringComparison.Ordinal);
        Assert.Equal(rawHep, entry.Hep);
        Assert.Null(entry.ReplayedAt);
    }

    [Fact]
    public async Task A_message_without_its_raw_bytes_is_quarantined_as_an_equivalent_rebuilt_hep_packet()
    {
        var message = Invite("rebuilt", "poison", DateTimeOffset.UtcNow);
        var outcome = await new MessageStoreWriter(_db.DataSource).StoreAsync([message]);
        Assert.Single(outcome.Quarantined);

        var entry = Assert.Single(await new QuarantineStore(_db.DataSource).GetAsync(null));
        Assert.True(HepDecoder.TryDecode(entry.Hep, out var packet, out _, out _));
        var decoded = packet.ToMessage(entry.Hep);
        Assert.Equal(message.Payload.ToArray(), decoded.Payload.ToArray());
        Assert.Equal(message.SourceIp, decoded.SourceAddress);
        Assert.Equal(message.DestinationPort, decoded.DestinationPort);
        Assert.Equal(message.TimestampMicros, decoded.TimestampUnixMicros);
        Assert.Equal((uint)message.CaptureId, decoded.CaptureId);
        Assert.Equal(message.NodeName, decoded.NodeName);
    }

    [Fact]
    public async Task Several_refused_rows_are_each_isolated_and_every_other_row_is_stored_once()
    {
        var now = DateTimeOffset.UtcNow;
        var batch = Enumerable.Range(0, 300)
            .Select(i => Invite($"m-{i}", i % 97 == 5 ? "poison" : "bob", now.AddMilliseconds(i)))
            .ToList();
        var outcome = await new MessageStoreWriter(_db.DataSource).StoreAsync(batch);
        Assert.Equal(["m-5", "m-102", "m-199", "m-296"], outcome.Quarantined.Select(r => r.Row.CallId));
        Assert.Equal(296, outcome.Written);
        Assert.Equal(296L, await Scalar<long>("SELECT count(DISTINCT call_id) FROM hep_call"));
        Assert.Equal(296L, await Scalar<long>("SELECT count(*) FROM hep_call"));
        // The statistics of the batch are counted exactly for what was stored.
        Assert.Equal(296L, await Scalar<long>("SELECT coalesce(sum(count), 0)::bigint FROM stats_counters WHERE resolution = (SELECT min(resolution) FROM stats_counters) AND metric = 'request' AND key = 'INVITE'"));
    }

    [Fact]
    public async Task A_transient_error_hands_the_whole_batch_back_without_quarantining_anything()
    {
        var batch = new[] { Invite("t-1", "poison", DateTimeOffset.UtcNow), Invite("t-2", "bob", DateTimeOffset.UtcNow) };
        var result = await BatchIsolation.WriteAsync<CapturedMessage>(batch,
            (_, _) => throw new NpgsqlException("Exception while connecting", new System.Net.Sockets.SocketException(111)));
        Assert.Equal(batch, result.Unwritten);
        Assert.Empty(result.Refused);
        Assert.NotNull(result.TransientError);
    }

    [Fact]
    public async Task Spool_replay_quarantines_the_refused_row_of_a_bad_file_and_goes_on_with_the_next_file()
    {
        var directory = Path.Combine(Path.GetTempPath(), "homer-spool-" + Guid.NewGuid().ToString("N"));
        try
        {
            var now = DateTimeOffset.UtcNow;
            var spool = new MessageSpool(directory, 1 << 20, NullLogger.Instance);
            var raw = new byte[] { 1, 2, 3, 4 };
            Assert.True(spool.TryAdd([Invite("s-1", "bob", now), Invite("s-bad", "poison", now) with { RawHep = raw }, Invite("s-2", "bob", now)]));
            Assert.True(spool.TryAdd([Invite("s-3", "carol", now)]));
            Assert.True(spool.TryAdd([Invite("s-4", "dave", now)]));
            var writer = new MessageStoreWriter(_db.DataSource);

            // Before the fix the first file failed every round and the two behind it were never replayed.
            var handled = await spool.ReplayPartialAsync(async (batch, ct) => (await writer.StoreAsync(batch, ct)).Unwritten, CancellationToken.None);

            Assert.Equal(5, handled);
            Assert.Equal(0, spool.Batches);
            Assert.Equal(0, spool.Bytes);
            Assert.Equal(4L, await Scalar<long>("SELECT count(*) FROM hep_call"));
            var entry = Assert.Single(await new QuarantineStore(_db.DataSource).GetAsync(null));
            Assert.Equal(raw, entry.Hep);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_transient_failure_in_the_middle_of_a_file_keeps_only_what_was_not_stored()
    {
        var directory = Path.Combine(Path.GetTempPath(), "homer-spool-" + Guid.NewGuid().ToString("N"));
        try
        {
            var now = DateTimeOffset.UtcNow;
            var spool = new MessageSpool(directory, 1 << 20, NullLogger.Instance);
            Assert.True(spool.TryAdd([Invite("p-1", "bob", now), Invite("p-2", "bob", now), Invite("p-3", "bob", now)]));
            Assert.True(spool.TryAdd([Invite("p-4", "bob", now)]));

            // The first file: one message stored, then the store goes away for the other two.
            var handled = await spool.ReplayPartialAsync((batch, _) => Task.FromResult<IReadOnlyList<CapturedMessage>>(batch.Skip(1).ToList()),
                CancellationToken.None);
            Assert.Equal(1, handled);
            Assert.Equal(2, spool.Batches);

            var seen = new List<string?>();
            await spool.ReplayPartialAsync((batch, _) =>
            {
                seen.AddRange(batch.Select(m => m.CallId));
                return Task.FromResult<IReadOnlyList<CapturedMessage>>([]);
            }, CancellationToken.None);
            Assert.Equal(["p-2", "p-3", "p-4"], seen);
            Assert.Equal(0, spool.Bytes);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Spool_files_of_format_1_are_still_read_and_format_2_keeps_the_raw_hep_packet()
    {
        var message = Invite("v", "bob", DateTimeOffset.UtcNow) with { RawHep = new byte[] { 9, 8, 7 } };
        var bytes = MessageSpool.Serialize([message]);
        Assert.Equal(new byte[] { 9, 8, 7 }, MessageSpool.Deserialize(bytes)[0].RawHep.ToArray());

        // Format 1 is format 2 without the trailing raw packet.
        var v1 = bytes[..^(4 + 3)];
        BitConverter.GetBytes(1).CopyTo(v1, 0);
        var read = MessageSpool.Deserialize(v1).Single();
        Assert.Equal("v", read.CallId);
        Assert.True(read.RawHep.IsEmpty);
    }

    [Fact]
    public async Task A_top_list_key_postgresql_refuses_is_quarantined_and_the_other_keys_are_written()
    {
        await Execute("ALTER TABLE stats_counters ADD CONSTRAINT test_bad_agent CHECK (key IS DISTINCT FROM 'BadAgent/1.0')");
        var now = DateTimeOffset.UtcNow;
        var writer = new MessageStoreWriter(_db.DataSource);
        await writer.WriteAsync([
            Invite("ua-1", "alice", now) with { UserAgent = "GoodAgent/2.0" },
            Invite("ua-2", "alice", now) with { UserAgent = "BadAgent/1.0" },
        ]);

        // Before the fix the flush failed whole, every key was kept for the next one, and it failed again, forever.
        var refused = Assert.Single(await writer.FlushTopKeysAsync());
        Assert.Equal("BadAgent/1.0", refused.Row.Key);
        Assert.Equal("23514", refused.SqlState);
        Assert.Equal(1L, await Scalar<long>("SELECT count(DISTINCT key) FROM stats_counters WHERE metric = 'user_agent'"));
        Assert.Equal(1L, await Scalar<long>("SELECT count(DISTINCT key) FROM stats_counters WHERE metric = 'src_ip'"));
        var entry = Assert.Single(await new QuarantineStore(_db.DataSource).GetAsync(null));
        Assert.Equal(QuarantineKind.TopList, entry.Kind);
        Assert.Contains("BadAgent/1.0", entry.RowJson, StringComparison.Ordinal);

        // The refused key is not kept: the next flush has nothing to write.
        Assert.Empty(await writer.FlushTopKeysAsync());

        // Its JSON holds what a replay needs to write it once the cause is gone.
        await Execute("ALTER TABLE stats_counters DROP CONSTRAINT test_bad_agent");
        var row = Homer.Storage.Stats.TopKeyRows.FromJson(entry.RowJson!);
        Assert.Equal(refused.Row with { Source = null }, row);
        await Homer.Storage.Stats.TopKeyRows.WriteAsync(_db.DataSource, [row]);
        Assert.Equal(2L, await Scalar<long>("SELECT count(DISTINCT key) FROM stats_counters WHERE metric = 'user_agent'"));
    }

    private async Task Execute(string sql)
    {
        await using var cmd = _db.DataSource.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task<T> Scalar<T>(string sql)
    {
        await using var cmd = _db.DataSource.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static CapturedMessage Invite(string callId, string from, DateTimeOffset ts) => new()
    {
        TimestampMicros = (ts - DateTimeOffset.UnixEpoch).Ticks / 10,
        Profile = MessageProfile.Call,
        ProtocolType = 1,
        IpProtocol = 17,
        SourceIp = IPAddress.Parse("10.0.0.1"),
        SourcePort = 5060,
        DestinationIp = IPAddress.Parse("10.0.0.2"),
        DestinationPort = 5080,
        CaptureId = 42,
        NodeName = "edge-1",
        CallId = callId,
        Method = "INVITE",
        FromUser = from,
        ToUser = "bob",
        CSeqNumber = 1,
        CSeqMethod = "INVITE",
        Payload = Encoding.UTF8.GetBytes($"INVITE sip:bob@b SIP/2.0\r\nCall-ID: {callId}\r\nFrom: <sip:{from}@a>;tag=1\r\n\r\n"),
    };
}
