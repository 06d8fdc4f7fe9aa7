using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Prometheus;

namespace Homer.Actors.Stats;

/// <summary>
/// Samples this node's dialog shard region for /metrics: shards hosted here and the entities in them (dialog hosts,
/// ledgers and media-index buckets), plus live dialogs counted by the dialog hosts.
/// </summary>
public sealed class ShardMetricsActor : ReceiveActor, IWithTimers
{
    private static readonly Gauge Shards = Metrics.CreateGauge("homer_shards", "Dialog shards hosted on this node.");
    private static readonly Gauge Entities = Metrics.CreateGauge("homer_shard_entities", "Entities (one dialog host and one ledger per shard, media index buckets) in this node's dialog shards.");
    private static readonly Gauge LiveDialogs = Metrics.CreateGauge("homer_dialogs_active", "Dialogs live on this node (hosted by its dialog shards, lingering ones included).");
    private static long _dialogs;

    // Hosts start and stop dialogs on several threads at once: a gauge set by each of them could be left at an older
    // count by whichever set came last. It is read from the counter when /metrics is scraped instead.
    static ShardMetricsActor() => Metrics.DefaultRegistry.AddBeforeCollectCallback(() => LiveDialogs.Set(Interlocked.Read(ref _dialogs)));

    private sealed class Sample
    {
        public static readonly Sample Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static void DialogStarted() => Interlocked.Increment(ref _dialogs);
    public static void DialogStopped() => Interlocked.Decrement(ref _dialogs);

    public static Props Props(IActorRef region, TimeSpan interval) => Akka.Actor.Props.Create(() => new ShardMetricsActor(region, interval));

    public ShardMetricsActor(IActorRef region, TimeSpan interval)
    {
        var log = Context.GetLogger();
        Receive<Sample>(_ => region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5)).PipeTo(Self,
            failure: e => new Status.Failure(e)));
        Receive<CurrentShardRegionState>(state =>
        {
            Shards.Set(state.Shards.Count);
            Entities.Set(state.Shards.Sum(s => s.EntityIds.Count));
        });
        Receive<Status.Failure>(f => log.Debug("Shard region state not available: {0}", f.Cause.Message));
        Timers.StartPeriodicTimer(Sample.Instance, Sample.Instance, TimeSpan.FromSeconds(1), interval);
    }
}
