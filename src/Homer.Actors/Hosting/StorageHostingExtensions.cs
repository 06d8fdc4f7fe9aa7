using Akka.Cluster.Hosting;
using Akka.Hosting;
using Homer.Actors.Storage;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Actors.Hosting;

/// <summary>Registry key of the storage maintenance singleton.</summary>
public sealed class StorageMaintenance;

public static class StorageHostingExtensions
{
    /// <summary>Partition creation and retention as a cluster singleton (one runner for the whole cluster).</summary>
    public static AkkaConfigurationBuilder AddStorageMaintenance(this AkkaConfigurationBuilder builder, IServiceProvider services) =>
        builder.WithSingleton<StorageMaintenance>(
            "storage-maintenance",
            StorageMaintenanceActor.Props(
                services.GetRequiredService<PartitionManager>(),
                services.GetRequiredService<RetentionPolicy>(),
                services.GetRequiredService<StorageOptions>(),
                services.GetService<Homer.Storage.Stats.StatsQueries>(),
                services.GetService<Homer.Storage.Alarms.AlarmStore>()),
            new ClusterSingletonOptions(),
            createProxyToo: false);
}
