using Homer.Storage.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homer.Storage;

/// <summary>
/// Brings the schema up to date before anything else of the node starts (waiting for PostgreSQL if it is not up
/// yet), then keeps partitions created ahead of time.
/// </summary>
public sealed class StorageMaintenanceService(
    SchemaMigrator migrator,
    PartitionManager partitions,
    RetentionPolicy retention,
    StorageOptions options,
    ILogger<StorageMaintenanceService> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
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
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Every node runs this; partition creation is serialised by advisory locks and drops are idempotent, so
        // several nodes doing it at once only repeat harmless work.
        using var timer = new PeriodicTimer(options.MaintenanceInterval);
        do
        {
            try
            {
                await partitions.EnsurePartitionsAsync(DateTimeOffset.UtcNow, stoppingToken);
                await retention.RunAsync(DateTimeOffset.UtcNow, stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Partitions are created days ahead; a missed round is retried at the next tick.
                logger.LogWarning(e, "Storage maintenance failed; will retry in {Interval}", options.MaintenanceInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
