using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Homer.Actors.Contracts;
using Homer.Actors.Ingest;

namespace Homer.Actors.Admin;

/// <summary>What a node tells the admin API about itself; supplied by the node's composition.</summary>
public sealed record NodeAdminOptions
{
    public required string NodeName { get; init; }
    public required IReadOnlyList<string> Roles { get; init; }
    /// <summary>The process-wide ingest counters (all zero on a node without the ingest role).</summary>
    public required IngestCounters Counters { get; init; }
    /// <summary>Bytes and batches waiting in the disk spool right now; (0, 0) without a spool.</summary>
    public Func<(long Bytes, int Batches)> Spool { get; init; } = () => (0, 0);
    /// <summary>The node's effective settings with secrets already masked, given the running ActorSystem's HOCON.</summary>
    public Func<Akka.Configuration.Config, IReadOnlyList<NodeAdmin.ConfigEntry>> Config { get; init; } = _ => [];
    /// <summary>Rates are the counters' growth over this window, sampled every second.</summary>
    public int RateWindowSeconds { get; init; } = 10;
    /// <summary>
    /// This node's stalled batch writers (<see cref="Homer.Storage.StorageWatchdog"/>), reported among the counters as
    /// <c>stalled.&lt;writer&gt;</c> = Unix seconds since it stalled; the alarm engine raises STORAGE_STALLED from them.
    /// </summary>
    public Func<IReadOnlyList<Homer.Storage.StalledWriter>> Stalled { get; init; } = () => [];
    /// <summary>
    /// This node's HEP forward targets, reported among the counters as <c>forward.&lt;target&gt;.sent</c>, <c>.dropped</c>,
    /// <c>.queued</c> and <c>.connected</c> (1 or 0).
    /// </summary>
    public Func<IReadOnlyList<HepForwardStatus>> Forwarding { get; init; } = () => [];
}

/// <summary>
/// Answers <see cref="NodeAdmin"/> queries for this node at <see cref="NodeAdmin.ActorPath"/>. It samples the ingest
/// counters once a second so a rate is a plain difference over a short window, not a guess from one reading.
/// </summary>
public sealed class NodeAdminActor : ReceiveActor, IWithTimers
{
    private sealed class Sample
    {
        public static readonly Sample Instance = new();
    }

    private readonly record struct Reading(long Ticks, long Received, long Stored, long Dropped);

    private readonly NodeAdminOptions _options;
    private readonly Queue<Reading> _readings = new();
    private readonly long _startedTicks = Stopwatch.GetTimestamp();

    public ITimerScheduler Timers { get; set; } = null!;

    public NodeAdminActor(NodeAdminOptions options)
    {
        _options = options;
        Receive<Sample>(_ => TakeReading());
        Receive<NodeAdmin.GetNodeStatus>(_ => Sender.Tell(Status()));
        Receive<NodeAdmin.GetNodeConfig>(_ => Sender.Tell(new NodeAdmin.NodeConfig(SelfAddress, _options.NodeName, _options.Config(Context.System.Settings.Config))));
    }

    protected override void PreStart()
    {
        TakeReading();
        Timers.StartPeriodicTimer("sample", Sample.Instance, TimeSpan.FromSeconds(1));
    }

    public static Props Props(NodeAdminOptions options) => Akka.Actor.Props.Create(() => new NodeAdminActor(options));

    private string SelfAddress => Cluster.Get(Context.System).SelfAddress.ToString();

    private void TakeReading()
    {
        var c = _options.Counters;
        _readings.Enqueue(new Reading(Stopwatch.GetTimestamp(), c.Received, c.Stored, c.DroppedTotal));
        while (_readings.Count > _options.RateWindowSeconds + 1)
            _readings.Dequeue();
    }

    /// <summary>Prefix of the counters that name a stalled writer.</summary>
    public const string StalledPrefix = "stalled.";

    private const string ForwardPrefix = NodeAdmin.ForwardCounterPrefix;

    private NodeAdmin.NodeStatus Status()
    {
        var c = _options.Counters;
        var now = new Reading(Stopwatch.GetTimestamp(), c.Received, c.Stored, c.DroppedTotal);
        var oldest = _readings.Count > 0 ? _readings.Peek() : now;
        var seconds = Stopwatch.GetElapsedTime(oldest.Ticks, now.Ticks).TotalSeconds;
        double Rate(long from, long to) => seconds < 0.5 ? 0 : Math.Round((to - from) / seconds, 1);
        var counters = c.Snapshot().Where(kv => !kv.Key.StartsWith("dropped.", StringComparison.Ordinal))
            .Select(kv => new NodeAdmin.Count(kv.Key, kv.Value)).ToList();
        foreach (var stalled in _options.Stalled())
            counters.Add(new NodeAdmin.Count(StalledPrefix + stalled.Writer, stalled.Since.ToUnixTimeSeconds()));
        foreach (var target in _options.Forwarding())
        {
            counters.Add(new NodeAdmin.Count(ForwardPrefix + target.Name + ".sent", target.Sent));
            counters.Add(new NodeAdmin.Count(ForwardPrefix + target.Name + ".dropped", target.Dropped));
            counters.Add(new NodeAdmin.Count(ForwardPrefix + target.Name + ".queued", target.Queued));
            counters.Add(new NodeAdmin.Count(ForwardPrefix + target.Name + ".connected", target.Connected ? 1 : 0));
        }
        var drops = Enum.GetValues<DropReason>().Select(r => new NodeAdmin.Count(r.ToString(), c.Dropped(r))).ToList();
        var (spoolBytes, spoolBatches) = _options.Spool();
        return new NodeAdmin.NodeStatus(
            SelfAddress,
            _options.NodeName,
            _options.Roles,
            _options.Roles.Contains("ingest"),
            counters,
            drops,
            Rate(oldest.Received, now.Received),
            Rate(oldest.Stored, now.Stored),
            Rate(oldest.Dropped, now.Dropped),
            _options.RateWindowSeconds,
            spoolBytes,
            spoolBatches,
            (long)Stopwatch.GetElapsedTime(_startedTicks).TotalSeconds);
    }
}
