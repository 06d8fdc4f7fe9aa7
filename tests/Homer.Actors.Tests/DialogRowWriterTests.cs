using Akka.Actor;
using Akka.TestKit.Xunit2;
using Homer.Actors.Dialogs;
using Homer.Actors.Ingest;
using Homer.Actors.Storage;
using Homer.Storage;
using Homer.TestSupport;
using Npgsql;

namespace Homer.Actors.Tests;

/// <summary>
/// The dialog-row writer with one row PostgreSQL refuses for good (a CHECK constraint the test adds to its own
/// database) and with PostgreSQL gone: the others are written, the refused row is quarantined, and what waits stays
/// within its bounds.
/// </summary>
public sealed class DialogRowWriterTests() : TestKit("akka.loglevel = WARNING"), IAsyncLifetime
{
    private TestDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        await DialogNode.MigrateAsync(_database.ConnectionString);
        _dataSource = _database.CreateDataSource();
        await using var cmd = _dataSource.CreateCommand("ALTER TABLE dialogs ADD CONSTRAINT test_poison CHECK (from_user IS DISTINCT FROM 'poison')");
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task One_poison_row_is_quarantined_and_every_other_row_is_written_now_and_later()
    {
        var watchdog = new StorageWatchdog(TimeSpan.FromMinutes(5));
        var writer = Sys.ActorOf(DialogRowWriter.Props(new DialogStore(_dataSource), new QuarantineStore(_dataSource), watchdog,
            new DialogRowWriterSettings { MaxBatch = 50 }));
        var quarantinedBefore = StorageMetrics.QuarantinedCount(DialogRowWriter.WriterName, "23514");

        for (var i = 0; i < 40; i++)
            writer.Tell(Row($"call-{i}", i == 17 ? "poison" : "alice"));
        await Eventually(async () => await writer.Ask<long>(DialogRowWriter.GetWritten.Instance) == 39, "the 39 good rows written");

        // Before the fix the poison row was merged back into every later batch and nothing was written again.
        for (var i = 40; i < 100; i++)
            writer.Tell(Row($"call-{i}", "bob"));
        await Eventually(async () => await writer.Ask<long>(DialogRowWriter.GetWritten.Instance) == 99, "the rows after it written too");

        Assert.Equal(99L, await Count("SELECT count(*) FROM dialogs"));
        var entry = Assert.Single(await new QuarantineStore(_dataSource).GetAsync(null));
        Assert.Equal(QuarantineKind.Dialog, entry.Kind);
        Assert.Equal("dialogs", entry.Table);
        Assert.Equal("23514", entry.SqlState);
        Assert.Contains("\"callId\":\"call-17\"", entry.RowJson, StringComparison.Ordinal);
        Assert.Equal(quarantinedBefore + 1, StorageMetrics.QuarantinedCount(DialogRowWriter.WriterName, "23514"));
        var pending = await writer.Ask<DialogRowWriter.PendingStatus>(DialogRowWriter.GetPending.Instance);
        Assert.Equal(0, pending.Rows);
        Assert.Equal(1, pending.Quarantined);
        Assert.Empty(watchdog.Stalled());

        // Once the cause is gone the quarantined row is replayed into the dialogs table, as it was.
        await using (var drop = _dataSource.CreateCommand("ALTER TABLE dialogs DROP CONSTRAINT test_poison"))
            await drop.ExecuteNonQueryAsync();
        var replayer = new QuarantineReplayer(new QuarantineStore(_dataSource), new MessageStoreWriter(_dataSource), new DialogStore(_dataSource));
        var result = await replayer.ReplayAsync(null);
        Assert.Equal(1, result.Replayed);
        Assert.Equal(0, result.Failed);
        var replayed = await new DialogStore(_dataSource).GetAsync("call-17");
        Assert.Equal("poison", replayed!.FromUser);
        Assert.Equal(3, replayed.MessageCount);
        Assert.NotNull(Assert.Single(await new QuarantineStore(_dataSource).GetAsync([entry.Id])).ReplayedAt);
        Assert.Equal(0, (await replayer.ReplayAsync(null)).Replayed);
    }

    [Fact]
    public async Task While_postgresql_is_unreachable_what_waits_stays_within_its_row_bound_and_the_newest_rows_are_kept()
    {
        var settings = new DialogRowWriterSettings { MaxBatch = 50, MaxPendingRows = 200, FlushInterval = TimeSpan.FromMilliseconds(20) };
        var attempts = 0;
        var down = 1;
        var written = new System.Collections.Concurrent.ConcurrentBag<string>();
        var writer = Sys.ActorOf(DialogRowWriter.Props(rows =>
        {
            Interlocked.Increment(ref attempts);
            if (Volatile.Read(ref down) == 1)
                return Task.FromException<int>(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111)));
            foreach (var row in rows)
                written.Add(row.CallId);
            return Task.FromResult(rows.Count);
        }, settings));
        var shedBefore = StorageMetrics.ShedCount(DialogRowWriter.WriterName);

        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 2_000; i++)
            writer.Tell(Row($"call-{i}", "alice", start.AddMilliseconds(i)));
        await Eventually(() => Task.FromResult(Volatile.Read(ref attempts) >= 2), "a retry");

        // Before the fix every failed row was kept: 2 000 rows here (158 069 in the field, growing ~290 MB/min).
        var pending = await writer.Ask<DialogRowWriter.PendingStatus>(DialogRowWriter.GetPending.Instance);
        Assert.InRange(pending.Rows, 1, settings.MaxPendingRows);
        // Every row is waiting, in flight (one batch at most) or counted as shed.
        Assert.InRange(2_000 - pending.Rows - pending.Shed, 0, settings.MaxBatch);
        Assert.Equal(shedBefore + pending.Shed, StorageMetrics.ShedCount(DialogRowWriter.WriterName));

        Volatile.Write(ref down, 0);
        await Eventually(async () => (await writer.Ask<DialogRowWriter.PendingStatus>(DialogRowWriter.GetPending.Instance)).Rows == 0, "the rest written");
        Assert.Contains("call-1999", written);
        Assert.DoesNotContain("call-0", written);
    }

    [Fact]
    public async Task The_byte_bound_holds_too()
    {
        var settings = new DialogRowWriterSettings { MaxBatch = 10, MaxPendingBytes = 100_000, FlushInterval = TimeSpan.FromMilliseconds(20) };
        var writer = Sys.ActorOf(DialogRowWriter.Props(
            _ => Task.FromException<int>(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))), settings));
        var big = new string('u', 5_000);
        var failures = 0;
        for (var i = 0; i < 300; i++)
            writer.Tell(Row($"call-{i}", big));
        await Eventually(async () =>
        {
            var status = await writer.Ask<DialogRowWriter.PendingStatus>(DialogRowWriter.GetPending.Instance);
            failures++;
            return status.Shed > 0;
        }, "rows shed");
        var pending = await writer.Ask<DialogRowWriter.PendingStatus>(DialogRowWriter.GetPending.Instance);
        Assert.True(pending.Bytes <= settings.MaxPendingBytes, $"{pending.Bytes} bytes pending");
        Assert.True(failures > 0);
    }

    [Fact]
    public async Task A_writer_that_makes_no_progress_is_reported_stalled_and_clears_when_it_writes_again()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var watchdog = new StorageWatchdog(TimeSpan.FromSeconds(30), clock);
        var down = 1;
        var writer = Sys.ActorOf(DialogRowWriter.Props(rows => Volatile.Read(ref down) == 1
                ? Task.FromException<int>(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111)))
                : Task.FromResult(rows.Count),
            new DialogRowWriterSettings { FlushInterval = TimeSpan.FromMilliseconds(10) }, null, watchdog));
        writer.Tell(Row("stall-1", "alice"));
        await Eventually(async () => (await writer.Ask<DialogRowWriter.PendingStatus>(DialogRowWriter.GetPending.Instance)).Rows == 1
            && watchdog.IsWaiting(DialogRowWriter.WriterName), "a failed attempt");
        Assert.Empty(watchdog.Stalled());

        clock.Advance(TimeSpan.FromSeconds(31));
        await Eventually(() => Task.FromResult(watchdog.Stalled() is [{ LastError: not null }]), "the stall reported with its error");
        var stalled = Assert.Single(watchdog.Stalled());
        Assert.Equal(DialogRowWriter.WriterName, stalled.Writer);
        Assert.Contains("Failed to connect", stalled.LastError, StringComparison.Ordinal);

        Volatile.Write(ref down, 0);
        await Eventually(async () => await writer.Ask<long>(DialogRowWriter.GetWritten.Instance) == 1, "the row written once PostgreSQL is back");
        await Eventually(() => Task.FromResult(watchdog.Stalled().Count == 0), "the stall cleared");
    }

    private async Task<long> Count(string sql)
    {
        await using var cmd = _dataSource.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static DialogRow Row(string callId, string from, DateTimeOffset? lastSeen = null) => new()
    {
        CallId = callId,
        Kind = "call",
        State = "completed",
        FromUser = from,
        ToUser = "bob",
        StartedAt = lastSeen ?? DateTimeOffset.UtcNow,
        LastSeen = lastSeen ?? DateTimeOffset.UtcNow,
        MessageCount = 3,
        Node = "test",
    };

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(20);
        }
        Assert.Fail("Timed out waiting for: " + what);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
