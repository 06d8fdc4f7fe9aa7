using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Runs on every dialog node. When a dialog node is removed after being downed (a crash, not a leave), its shards
/// would only start elsewhere on their next message, and a shard with no more traffic would never catch up what its
/// dead home received: this wakes every shard's ledger once the down-removal margin has passed, so each recovers,
/// and catches up, right away. Waking a running ledger does nothing.
/// </summary>
public sealed class LedgerWaker : ReceiveActor, IWithTimers
{
    private sealed record WakeAll(Address Removed);

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public LedgerWaker(Func<IActorRef> region, int shardCount, string role, TimeSpan afterRemoval)
    {
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            if (!e.Member.HasRole(role) || e.PreviousStatus != MemberStatus.Down)
                return;
            Timers.StartSingleTimer("wake-" + e.Member.Address, new WakeAll(e.Member.Address), afterRemoval);
        });
        Receive<WakeAll>(w =>
        {
            _log.Info("Dialog node {0} was downed and removed: waking the ledgers of all {1} shards so the moved ones recover now",
                w.Removed, shardCount);
            var target = region();
            for (var shard = 0; shard < shardCount; shard++)
                target.Tell(new LedgerCommands.Wake(shard.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public static Props Props(Func<IActorRef> region, int shardCount, string role, TimeSpan afterRemoval) =>
        Akka.Actor.Props.Create(() => new LedgerWaker(region, shardCount, role, afterRemoval));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
}
