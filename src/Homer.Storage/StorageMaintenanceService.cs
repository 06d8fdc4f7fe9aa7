using Homer.Storage.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homer.Storage;

/// <summary>
/// Brings the schema up to date and creates the current partitions before anything else of the node starts
/// (waiting for PostgreSQL if it is not up yet). Later rounds of partition creation and retention belong to the
/// cluster's storage maintenance singleton.
/// </summary>
public sealed class StorageMaintenanceService(
    SchemaMigrator migrator,
    PartitionManager partitions,
    ILogger<StorageMaintenanceService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                var version = await migrator.MigrateAsync(cancellationToken);
                await partitions.EnsurePartitionsAsync(DateTimeOffset.UtcNow, cancellationToken);
                logger.LogInformation("Message store ready at schema version {Version}", version);
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("PostgreSQL is not reachable yet ({Error}); retrying in {Delay}", e.Message, delay);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
