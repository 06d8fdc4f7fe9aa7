using Homer.Storage.Migrations;
using Homer.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>A throwaway database on the test PostgreSQL, migrated as the node migrates it, with a data source on it.</summary>
public sealed class StoreDatabase : IAsyncDisposable
{
    private readonly TestDatabase _database;

    private StoreDatabase(TestDatabase database)
    {
        _database = database;
        DataSource = database.CreateDataSource();
    }

    public NpgsqlDataSource DataSource { get; }
    public string ConnectionString => _database.ConnectionString;

    /// <param name="partitionsFor">Also creates the partitions the maintenance actor would create on that day.</param>
    public static async Task<StoreDatabase> CreateAsync(DateTimeOffset? partitionsFor = null)
    {
        var store = new StoreDatabase(await TestDatabase.CreateAsync());
        await new SchemaMigrator(store.DataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        if (partitionsFor is { } day)
            await new PartitionManager(store.DataSource, new StorageOptions { ConnectionString = "unused" }, NullLogger<PartitionManager>.Instance)
                .EnsurePartitionsAsync(day);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _database.DisposeAsync();
    }
}
