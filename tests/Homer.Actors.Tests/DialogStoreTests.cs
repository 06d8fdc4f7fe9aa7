using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Storage;
using Homer.TestSupport;

namespace Homer.Actors.Tests;

/// <summary>The dialogs table: batched upserts that only move a row forward.</summary>
public sealed class DialogStoreTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private DialogStore _store = null!;
    private Npgsql.NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        await DialogNode.MigrateAsync(_database.ConnectionString);
        _dataSource = _database.CreateDataSource();
        _store = new DialogStore(_dataSource);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task A_batch_is_upserted_in_one_statement_and_a_row_only_moves_forward()
    {
        var messages = SipFixture.Commands("success.sip");
        var early = SipFixture.Run(messages.Take(5)).ToRow();
        var done = SipFixture.Run(messages).ToRow();
        var other = SipFixture.Run(SipFixture.Commands("options.sip")).ToRow();

        Assert.Equal(2, await _store.UpsertAsync([early, other]));
        Assert.Equal("ANSWERED", (await _store.GetAsync(early.CallId))!.State);

        Assert.Equal(1, await _store.UpsertAsync([done]));
        var row = await _store.GetAsync(done.CallId);
        Assert.Equal(done with { StartedAt = row!.StartedAt, LastSeen = row.LastSeen, AnsweredAt = row.AnsweredAt, EndedAt = row.EndedAt }, row);
        Assert.Equal(done.EndedAt, row.EndedAt);

        // A stale version (fewer messages) never overwrites, e.g. one retried after a newer one was written.
        Assert.Equal(0, await _store.UpsertAsync([early]));
        Assert.Equal("COMPLETED", (await _store.GetAsync(done.CallId))!.State);

        // Neither does a stray retransmission that started an UNKNOWN dialog after the call retired.
        var stray = SipFixture.Run(messages.Skip(8)).ToRow();
        Assert.Equal("UNKNOWN", stray.State);
        Assert.Equal(0, await _store.UpsertAsync([stray]));
        Assert.Equal(9, (await _store.GetAsync(done.CallId))!.MessageCount);
    }

    [Fact]
    public async Task A_call_is_counted_once_in_the_write_that_first_ends_it_and_its_MOS_once_when_it_first_comes()
    {
        var messages = SipFixture.Commands("success.sip");
        var talking = SipFixture.Run(messages.Take(5)).ToRow();
        var ended = SipFixture.Run(messages).ToRow();

        var first = await _store.UpsertAndCountAsync([talking]);
        Assert.Equal((1, 0, 0), (first.Rows, first.Calls.Count, first.Mos.Count));

        var end = await _store.UpsertAndCountAsync([ended]);
        Assert.Equal((1, 1, 0), (end.Rows, end.Calls.Count, end.Mos.Count));
        Assert.Equal((ended.State, ended.FinalStatus, ended.MessageCount, ended.Retransmissions, true),
            (end.Calls[0].State, end.Calls[0].FinalStatus, end.Calls[0].MessageCount, end.Calls[0].Retransmissions, end.Calls[0].Answered));

        // Written again (a late retransmission, a checkpoint after a move): not counted again.
        var again = await _store.UpsertAndCountAsync([ended with { MessageCount = ended.MessageCount + 1 }]);
        Assert.Equal((1, 0, 0), (again.Rows, again.Calls.Count, again.Mos.Count));

        // The MOS arrives after the end: counted then, once.
        var withMos = ended with { MessageCount = ended.MessageCount + 1, MosMin = 4.1, MosAvg = 4.2 };
        var mos = await _store.UpsertAndCountAsync([withMos]);
        Assert.Equal((0, 1), (mos.Calls.Count, mos.Mos.Count));
        Assert.Equal(4.2, mos.Mos[0].Value);
        var mosAgain = await _store.UpsertAndCountAsync([withMos with { MessageCount = withMos.MessageCount + 1 }]);
        Assert.Equal((1, 0, 0), (mosAgain.Rows, mosAgain.Calls.Count, mosAgain.Mos.Count));

        // A stale version is neither written nor counted.
        var stale = await _store.UpsertAndCountAsync([ended]);
        Assert.Equal((0, 0, 0), (stale.Rows, stale.Calls.Count, stale.Mos.Count));

        // A new call reusing the Call-ID, started after the old one was last seen, is counted as itself.
        var later = ended with { StartedAt = ended.LastSeen.AddMinutes(5), LastSeen = ended.LastSeen.AddMinutes(6), EndedAt = ended.LastSeen.AddMinutes(6) };
        var reuse = await _store.UpsertAndCountAsync([later]);
        Assert.Equal((1, 1, 0), (reuse.Rows, reuse.Calls.Count, reuse.Mos.Count));
    }

    [Fact]
    public async Task Two_writers_ending_the_same_call_at_once_count_it_once()
    {
        // During a shard hand-off the old and the new home can both write a call's last state.
        var rows = Enumerable.Range(0, 200)
            .Select(i => SipFixture.Run(SipFixture.Commands("success.sip")).ToRow() with { CallId = $"race-{i}" })
            .ToArray();
        for (var round = 0; round < 3; round++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
                _store.UpsertAndCountAsync(rows.Select(r => r with { MessageCount = r.MessageCount + round, CallId = r.CallId + "-" + round }).ToArray()))));
            Assert.Equal(rows.Length, results.Sum(r => r.Calls.Count));
        }
    }
}
