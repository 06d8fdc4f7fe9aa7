using Homer.Storage.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Homer.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// The message store: data source, migrations and partition maintenance (started before the rest of the node),
    /// the COPY writer and the search queries.
    /// </summary>
    public static IServiceCollection AddHomerStorage(this IServiceCollection services, StorageOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(options.ConnectionString)
        {
            Name = "homer",
        }.Build());
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<PartitionManager>();
        // One lookup pool for every time-range-less read (search by Call-ID, call flows, QoS).
        // Both search pools carry the searches' statement_timeout (PostgreSQL cancels a search that runs longer).
        var lookup = new Lazy<NpgsqlDataSource>(() => MessageQueries.CreateLookupDataSource(options.ConnectionString, options.SearchStatementTimeout));
        var search = new Lazy<NpgsqlDataSource>(() => MessageQueries.CreateSearchDataSource(options.ConnectionString, options.SearchStatementTimeout));
        services.AddSingleton(_ => new MessageQueries(search.Value, lookup.Value));
        services.AddSingleton(_ => new CallRecordQueries(search.Value, lookup.Value));
        services.AddSingleton(_ => new DialogSearch(search.Value));
        services.AddSingleton<RetentionPolicy>();
        services.AddSingleton<MessageStoreWriter>();
        services.AddSingleton<QuarantineStore>();
        services.AddSingleton<Stats.StatsQueries>();
        services.AddSingleton<Alarms.AlarmStore>();
        services.AddHostedService<StorageMaintenanceService>();
        // Configured header fields: the node may have registered its registry first (the ingest graph holds it).
        services.TryAddSingleton(new HeaderFieldRegistry { Configured = options.HeaderFields });
        services.AddSingleton<HeaderFieldStore>();
        services.AddSingleton<HeaderFieldLoader>();
        services.AddHostedService<HeaderFieldRefreshService>();
        return services;
    }
}
