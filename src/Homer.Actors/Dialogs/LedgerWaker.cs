using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Runs on every dialog node. When a dialog node is removed after being downed (a crash, not a leave), its shards
/// would only start elsewhere on their next message, and a shard with no more traffic would never catch up what its
/// dead home received: this wakes every shard's ledger once the down-removal margin has passed, so each recovers,
/// and catches up, right away. The wake carries a window from shortly before the node was seen unreachable: a ledger
/// opened since then (one whose shard was first allocated to the dead node included, which left no journal behind)
/// catches up from there. Waking a ledger opened before does nothing.
/// </summary>
public sealed class LedgerWaker : ReceiveActor, IWithTimers
{
    private sealed record WakeAll(Address Removed, long FromMicros);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<UniqueAddress, long> _unreachableSince = [];

    public ITimerScheduler Timers { get; set; } = null!;

    public LedgerWaker(Func<IActorRef> region, int shardCount, string role, TimeSpan afterRemoval, CatchUpSettings settings)
    {
        Receive<ClusterEvent.UnreachableMember>(e => _unreachableSince.TryAdd(e.Member.UniqueAddress, NowMicros()));
        Receive<ClusterEvent.ReachableMember>(e => _unreachableSince.Remove(e.Member.UniqueAddress));
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            var unreachable = _unreachableSince.Remove(e.Member.UniqueAddress, out var since) ? since : NowMicros();
            if (!e.Member.HasRole(role) || e.PreviousStatus != MemberStatus.Down)
                return;
            var from = unreachable - (long)settings.DetectionAllowance.TotalMicroseconds;
            Timers.StartSingleTimer("wake-" + e.Member.Address, new WakeAll(e.Member.Address, from), afterRemoval);
        });
        Receive<WakeAll>(w =>
        {
            _log.Warning("Dialog node {0} was downed and removed: waking the ledgers of all {1} shards; those opened since {2:O} catch up from then",
                w.Removed, shardCount, DateTime.UnixEpoch.AddTicks(w.FromMicros * 10));
            var target = region();
            for (var shard = 0; shard < shardCount; shard++)
                target.Tell(new LedgerCommands.Wake(shard.ToString(System.Globalization.CultureInfo.InvariantCulture), w.FromMicros, w.FromMicros));
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public static Props Props(Func<IActorRef> region, int shardCount, string role, TimeSpan afterRemoval, CatchUpSettings settings) =>
        Akka.Actor.Props.Create(() => new LedgerWaker(region, shardCount, role, afterRemoval, settings));

    private static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
}
