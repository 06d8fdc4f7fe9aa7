using System.Net;
using System.Text;
using Homer.Actors.Ingest;
using Homer.Storage;
using Homer.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Homer.Actors.Tests;

/// <summary>
/// The node's spool replay round against a real PostgreSQL: a spooled batch with a row PostgreSQL refuses for good (a
/// CHECK constraint this test adds to its own database) is stored but for that row, which is quarantined, and the
/// files behind it are replayed in the same round.
/// </summary>
public sealed class SpoolReplayTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private Npgsql.NpgsqlDataSource _dataSource = null!;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "homer-spool-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        await DialogNode.MigrateAsync(_database.ConnectionString);
        _dataSource = _database.CreateDataSource();
        await using var cmd = _dataSource.CreateCommand("ALTER TABLE hep_call ADD CONSTRAINT test_poison CHECK (from_user IS DISTINCT FROM 'poison')");
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Replay_goes_on_past_a_file_with_a_refused_row_and_counts_what_it_stored_and_quarantined()
    {
        var spool = new MessageSpool(_directory, 1 << 20, NullLogger.Instance);
        var now = DateTimeOffset.UtcNow;
        Assert.True(spool.TryAdd([Invite("r-1", "alice", now), Invite("r-bad", "poison", now), Invite("r-2", "alice", now)]));
        Assert.True(spool.TryAdd([Invite("r-3", "alice", now)]));
        Assert.True(spool.TryAdd([Invite("r-4", "alice", now)]));
        var counters = new IngestCounters();
        var watchdog = new StorageWatchdog(TimeSpan.FromSeconds(30));

        // Before the fix the first file failed every round (the whole batch refused) and blocked the two behind it.
        var handled = await IngestGraph.ReplaySpoolOnce(spool, new MessageStoreWriter(_dataSource), counters, NullLogger.Instance,
            CancellationToken.None, watchdog);

        Assert.Equal(5, handled);
        Assert.Equal(0, spool.Batches);
        Assert.Equal(4, counters.Stored);
        Assert.Equal(4, counters.Replayed);
        Assert.Equal(1, counters.Quarantined);
        Assert.Equal(0, counters.Dropped(DropReason.StorageFailure));
        Assert.False(watchdog.IsWaiting(IngestGraph.QuarantineWriter));
        await using var cmd = _dataSource.CreateCommand("SELECT count(*) FROM hep_call");
        Assert.Equal(4L, (long)(await cmd.ExecuteScalarAsync())!);
        var entry = Assert.Single(await new QuarantineStore(_dataSource).GetAsync(null));
        Assert.Equal("23514", entry.SqlState);
    }

    [Fact]
    public async Task Replayed_messages_get_the_configured_header_fields_the_spool_does_not_keep()
    {
        var spool = new MessageSpool(_directory, 1 << 20, NullLogger.Instance);
        var invite = Invite("f-1", "alice", DateTimeOffset.UtcNow) with
        {
            Payload = Encoding.UTF8.GetBytes("INVITE sip:b@b SIP/2.0\r\nCall-ID: f-1\r\nX-Trunk: carrier-7\r\n\r\n"),
        };
        Assert.True(spool.TryAdd([invite]));
        var fields = new HeaderFieldRegistry();
        fields.Set(HeaderFieldRegistry.ParseSetting("trunk=X-Trunk"));

        await IngestGraph.ReplaySpoolOnce(spool, new MessageStoreWriter(_dataSource), new IngestCounters(), NullLogger.Instance,
            CancellationToken.None, headerFields: fields);

        await using var cmd = _dataSource.CreateCommand("SELECT fields->>'trunk' FROM hep_call WHERE call_id = 'f-1'");
        Assert.Equal("carrier-7", await cmd.ExecuteScalarAsync());
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
        DestinationPort = 5060,
        CallId = callId,
        Method = "INVITE",
        FromUser = from,
        CSeqNumber = 1,
        CSeqMethod = "INVITE",
        Payload = Encoding.UTF8.GetBytes($"INVITE sip:b@b SIP/2.0\r\nCall-ID: {callId}\r\n\r\n"),
    };
}
