using Akka.Actor;
using Akka.Event;
using Homer.Storage;

namespace Homer.Actors.Storage;

/// <summary>
/// Keeps message partitions created ahead of time and applies retention, on a timer. Runs as a cluster singleton,
/// so one node does the work however many there are; the storage layer's advisory locks make a second runner
/// (during a singleton hand-over) harmless.
/// </summary>
public sealed class StorageMaintenanceActor : ReceiveActor, IWithTimers
{
    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Finished(IReadOnlyList<string> Created, RetentionReport? Retention, Exception? Error);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _running;

    public ITimerScheduler Timers { get; set; } = null!;

    public StorageMaintenanceActor(PartitionManager partitions, RetentionPolicy retention, StorageOptions options,
        Homer.Storage.Stats.StatsQueries? stats = null, Homer.Storage.Alarms.AlarmStore? alarms = null)
    {
        Receive<Tick>(_ =>
        {
            // A slow round (a big DROP) must not overlap the next one.
            if (_running)
                return;
            _running = true;
            Run(partitions, retention, options, stats, alarms).PipeTo(Self);
        });
        Receive<Finished>(done =>
        {
            _running = false;
            if (done.Error is not null)
                _log.Warning("Storage maintenance failed, retrying in {0}: {1}", options.MaintenanceInterval, done.Error.Message);
            else if (done.Created.Count > 0 || done.Retention is { DroppedByAge.Count: > 0 } or { DroppedByBudget.Count: > 0 })
                _log.Info("Storage maintenance: {0} partitions created, {1} dropped by age, {2} by disk budget; message tables use {3} bytes",
                    done.Created.Count, done.Retention!.DroppedByAge.Count, done.Retention.DroppedByBudget.Count, done.Retention.BytesAfter);
        });
        Timers.StartPeriodicTimer("maintenance", Tick.Instance, TimeSpan.FromSeconds(5), options.MaintenanceInterval);
    }

    public static Props Props(PartitionManager partitions, RetentionPolicy retention, StorageOptions options,
        Homer.Storage.Stats.StatsQueries? stats = null, Homer.Storage.Alarms.AlarmStore? alarms = null) =>
        Akka.Actor.Props.Create(() => new StorageMaintenanceActor(partitions, retention, options, stats, alarms));

    private static async Task<Finished> Run(PartitionManager partitions, RetentionPolicy retention, StorageOptions options,
        Homer.Storage.Stats.StatsQueries? stats, Homer.Storage.Alarms.AlarmStore? alarms)
    {
        try
        {
            var created = await partitions.EnsurePartitionsAsync(DateTimeOffset.UtcNow);
            var report = await retention.RunAsync(DateTimeOffset.UtcNow);
            if (stats is not null)
                await stats.DeleteExpiredAsync(options.StatsRetention);
            if (alarms is not null)
                await alarms.DeleteResolvedBeforeAsync(DateTimeOffset.UtcNow - options.AlarmRetention);
            return new Finished(created, report, null);
        }
        catch (Exception e)
        {
            return new Finished([], null, e);
        }
    }
}
