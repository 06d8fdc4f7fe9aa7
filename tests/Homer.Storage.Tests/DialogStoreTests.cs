namespace Homer.Storage.Tests;

/// <summary>The dialogs table keeps every field of a <see cref="DialogRow"/>: a column added to one side only fails here.</summary>
public sealed class DialogStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private StoreDatabase _db = null!;

    public async Task InitializeAsync() => _db = await StoreDatabase.CreateAsync(T0);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    /// <summary>A row with every property set to something other than its default (a new property must be set here).</summary>
    private static readonly DialogRow Full = new()
    {
        CallId = "every-field@192.0.2.1",
        Kind = "CALL",
        State = "COMPLETED",
        FromUser = "alice",
        ToUser = "bob",
        RuriUser = "bob-ruri",
        CallerIp = "192.0.2.1",
        CalleeIp = "2001:db8::2",
        StartedAt = T0,
        AnsweredAt = T0.AddSeconds(2),
        EndedAt = T0.AddSeconds(62),
        ExpiresAt = T0.AddHours(1),
        LastSeen = T0.AddSeconds(63),
        PddMs = 1500,
        SetupMs = 2000,
        DurationMs = 60_000,
        FinalStatus = 200,
        FinalReason = "OK",
        Q850Cause = 16,
        HangupBy = "callee",
        EndedByTimeout = true,
        MessageCount = 9,
        Retransmissions = 1,
        MosMin = 3.9,
        MosAvg = 4.2,
        CorrelationGroup = "group-1",
        Node = "node-1",
    };

    [Fact]
    public async Task Every_field_of_a_row_is_written_and_read_back()
    {
        var unset = new DialogRow { CallId = "", Kind = "", State = "", StartedAt = default, LastSeen = default };
        foreach (var property in typeof(DialogRow).GetProperties())
            Assert.False(Equals(property.GetValue(Full), property.GetValue(unset)), $"{nameof(Full)} should give {property.Name} a value");

        var store = new DialogStore(_db.DataSource);
        Assert.Equal(1, await store.UpsertAsync([Full]));
        Assert.Equal(Full, await store.GetAsync(Full.CallId));
        var search = await new DialogSearch(_db.DataSource).SearchAsync(new DialogFilter { CallId = Full.CallId }, 10, null, false);
        Assert.Equal(Full, Assert.Single(search.Nodes));
    }
}
