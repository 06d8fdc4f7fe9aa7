using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Homer.Actors.Contracts;
using Prometheus;

namespace Homer.Actors.Ingest;

/// <summary>
/// Sits between the ingest graph and the dialog region. While a member with the dialog role is unreachable, what the
/// graph routes to dialogs is held here, in order, instead of being sent on: the region would still send messages
/// for that member's shards to it, and a crashed node loses them. When the member is reachable again the held
/// messages go on at once; when it is removed after being downed they go on after the down-removal margin, once its
/// shards can start elsewhere, so they reach the dialogs recovered from their ledgers. While a dialog member is
/// leaving, messages are held too, until a second after its removal: Akka drops messages that reach a shard's old
/// home during its hand-off. Messages sent in the seconds between a crash and its detection are still lost for dialogs (they are
/// stored all the same). Holding is bounded: past the capacity new messages are dropped and counted.
/// </summary>
public sealed class DialogRoutingGate : ReceiveActor, IWithTimers
{
    private sealed record Release(int Generation);

    private sealed class LeftSettled
    {
        public static readonly LeftSettled Instance = new();
    }

    public static readonly Gauge Held = Metrics.CreateGauge("homer_dialog_routing_held",
        "Messages for dialogs held by the ingest node while a dialog node is unreachable or its shards are moving.");
    public static readonly Counter Dropped = Metrics.CreateCounter("homer_dialog_routing_dropped_total",
        "Messages for dialogs dropped because the hold was full (they are stored; only their dialogs miss them).");

    private readonly IActorRef _region;
    private readonly string _role;
    private readonly int _capacity;
    private readonly TimeSpan _afterRemoval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<(object Message, IActorRef Sender)> _held = new();
    private readonly HashSet<UniqueAddress> _unreachable = [];
    private readonly HashSet<UniqueAddress> _moving = [];
    private readonly HashSet<UniqueAddress> _leaving = [];
    private int _heldCommands;
    private int _generation;
    private long _droppedSinceHold;

    public ITimerScheduler Timers { get; set; } = null!;

    public DialogRoutingGate(IActorRef region, string role, int capacity, TimeSpan afterRemoval)
    {
        _region = region;
        _role = role;
        _capacity = capacity;
        _afterRemoval = afterRemoval;

        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            if (!e.Member.HasRole(_role) || !_unreachable.Add(e.Member.UniqueAddress))
                return;
            _log.Warning("Dialog node {0} is unreachable: holding messages for dialogs until it is back or removed", e.Member.Address);
        });
        Receive<ClusterEvent.MemberLeft>(e =>
        {
            // A leaving dialog node hands its shards over; Akka drops what reaches the old home during a hand-off
            // ("Dropping buffered messages ... to avoid re-ordering"), so hold until it is gone.
            if (!e.Member.HasRole(_role) || !_leaving.Add(e.Member.UniqueAddress))
                return;
            _log.Info("Dialog node {0} is leaving: holding messages for dialogs until its shards have moved", e.Member.Address);
        });
        Receive<ClusterEvent.ReachableMember>(e =>
        {
            if (_unreachable.Remove(e.Member.UniqueAddress))
                ReleaseIfClear("is reachable again");
        });
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            if (_leaving.Remove(e.Member.UniqueAddress) && !_unreachable.Contains(e.Member.UniqueAddress))
            {
                // Left gracefully: its shards were handed over before it was removed.
                Timers.StartSingleTimer("left", LeftSettled.Instance, TimeSpan.FromSeconds(1));
                return;
            }
            if (!_unreachable.Remove(e.Member.UniqueAddress))
                return;
            // Its shards start elsewhere only after the down-removal margin; sent earlier, messages would wait in the
            // region's own buffer (bounded, and dropping when full) or go to the dead node.
            _moving.Add(e.Member.UniqueAddress);
            var generation = ++_generation;
            Timers.StartSingleTimer("release", new Release(generation), _afterRemoval);
            _log.Info("Dialog node {0} removed: releasing {1} held messages in {2}", e.Member.Address, _heldCommands, _afterRemoval);
        });
        Receive<Release>(r =>
        {
            if (r.Generation != _generation)
                return;
            _moving.Clear();
            ReleaseIfClear("was removed and its shards moved");
        });
        Receive<LeftSettled>(_ => ReleaseIfClear("left and handed its shards over"));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        ReceiveAny(message =>
        {
            if (_unreachable.Count == 0 && _moving.Count == 0 && _leaving.Count == 0)
            {
                _region.Tell(message, Sender);
                return;
            }
            // Capacity and counters are in dialog commands: a batch of a shard's commands counts as what it holds.
            var commands = message is DialogCommands.ShardBatch batch ? batch.Commands.Count : 1;
            if (_heldCommands + commands > _capacity)
            {
                _droppedSinceHold += commands;
                Dropped.Inc(commands);
                return;
            }
            _held.Enqueue((message, Sender));
            _heldCommands += commands;
            Held.Set(_heldCommands);
        });
    }

    public static Props Props(IActorRef region, string role, int capacity, TimeSpan afterRemoval) =>
        Akka.Actor.Props.Create(() => new DialogRoutingGate(region, role, capacity, afterRemoval));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberLeft), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void ReleaseIfClear(string why)
    {
        if (_unreachable.Count > 0 || _moving.Count > 0 || _leaving.Count > 0)
            return;
        if (_heldCommands > 0 || _droppedSinceHold > 0)
            _log.Info("Dialog nodes settled (the last one {0}): releasing {1} held messages; {2} dropped while the hold was full",
                why, _heldCommands, _droppedSinceHold);
        while (_held.TryDequeue(out var item))
            _region.Tell(item.Message, item.Sender);
        _heldCommands = 0;
        _droppedSinceHold = 0;
        Held.Set(0);
    }
}
