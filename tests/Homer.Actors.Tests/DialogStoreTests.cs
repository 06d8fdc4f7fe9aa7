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
        Assert.Equal(DialogStates.Answered, (await _store.GetAsync(early.CallId))!.State);

        Assert.Equal(1, await _store.UpsertAsync([done]));
        var row = await _store.GetAsync(done.CallId);
        Assert.Equal(done with { StartedAt = row!.StartedAt, LastSeen = row.LastSeen, AnsweredAt = row.AnsweredAt, EndedAt = row.EndedAt }, row);
        Assert.Equal(done.EndedAt, row.EndedAt);

        // A stale version (fewer messages) never overwrites, e.g. one retried after a newer one was written.
        Assert.Equal(0, await _store.UpsertAsync([early]));
        Assert.Equal(DialogStates.Completed, (await _store.GetAsync(done.CallId))!.State);

        // Neither does a stray retransmission that started an UNKNOWN dialog after the call retired.
        var stray = SipFixture.Run(messages.Skip(8)).ToRow();
        Assert.Equal(DialogStates.Unknown, stray.State);
        Assert.Equal(0, await _store.UpsertAsync([stray]));
        Assert.Equal(9, (await _store.GetAsync(done.CallId))!.MessageCount);
    }
}
