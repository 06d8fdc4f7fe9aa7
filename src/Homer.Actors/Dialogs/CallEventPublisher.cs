using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Homer.Actors.Contracts;
using Prometheus;

namespace Homer.Actors.Dialogs;

/// <summary>How a dialog node publishes its dialogs' <see cref="CallEvents"/>.</summary>
/// <param name="Window">Events wait at most about this long before they are published (as <see cref="CallEvents.Batch"/>es).</param>
/// <param name="MaxEvents">Events per published batch at most (bounds the remoting frame).</param>
/// <param name="MaxWaiting">Events the outbox holds at most; past it new ones are dropped and counted.</param>
public sealed record CallEventSettings(TimeSpan Window, int MaxEvents, int MaxWaiting = CallEventSettings.DefaultMaxWaiting)
{
    /// <summary>About ten seconds of a dialog node's events at 3 000 calls/s.</summary>
    public const int DefaultMaxWaiting = 100_000;

    public static readonly CallEventSettings Default = new(TimeSpan.FromMilliseconds(20), 256);
}

/// <summary>
/// Where a node's dialogs put their call events for the node's <see cref="CallEventPublisher"/>: a queue rather than
/// a message per event, since an actor message to a publisher that is idle between events costs a thread-pool work
/// item each, and call events were a sixth of a dialog node's work items. Events keep the order they were added in; a
/// dialog adds its own from one host at a time, so each dialog's stay in order. Bounded: a publisher that cannot keep
/// up (a starved node) costs call events, counted, never the node's memory. Thread-safe.
/// </summary>
public sealed class CallEventOutbox(int maxWaiting = CallEventSettings.DefaultMaxWaiting)
{
    public static readonly Counter Dropped = Metrics.CreateCounter("homer_call_events_dropped_total",
        "Call events a dialog node dropped because more than homer.dialog.events.max-waiting were waiting for its publisher.");

    private readonly ConcurrentQueue<CallEvents.ICallEvent> _queue = new();
    /// <summary>Events waiting, kept apart from the queue's own count, which is not free.</summary>
    private int _count;
    /// <summary>Dropped since the publisher last looked.</summary>
    private int _dropped;
    /// <summary>1 while a flush is due (the publisher has been told, or will be once it runs).</summary>
    private int _armed;
    private volatile IActorRef? _publisher;

    /// <summary>Events waiting for the publisher.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Add(CallEvents.ICallEvent e)
    {
        if (Interlocked.Increment(ref _count) > maxWaiting)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            Dropped.Inc();
            return;
        }
        _queue.Enqueue(e);
        // The first event after a flush tells the publisher; the rest of the window only queue.
        if (Interlocked.Exchange(ref _armed, 1) == 0)
            _publisher?.Tell(CallEventPublisher.Arm.Instance);
    }

    internal void Attach(IActorRef publisher) => _publisher = publisher;

    /// <summary>
    /// Up to <paramref name="max"/> events, oldest first. The publisher calls <see cref="Disarm"/> before the first
    /// take of a flush: an event added after that tells it again.
    /// </summary>
    internal List<CallEvents.ICallEvent> Take(int max)
    {
        var taken = new List<CallEvents.ICallEvent>(Math.Min(max, Math.Max(1, Count)));
        while (taken.Count < max && _queue.TryDequeue(out var e))
            taken.Add(e);
        Interlocked.Add(ref _count, -taken.Count);
        return taken;
    }

    internal void Disarm() => Volatile.Write(ref _armed, 0);

    /// <summary>Events dropped since the last call.</summary>
    internal int TakeDropped() => Interlocked.Exchange(ref _dropped, 0);
}

/// <summary>
/// The node's one publisher of call events: it publishes what its dialogs put in the <see cref="CallEventOutbox"/>
/// over a <see cref="CallEventSettings.Window"/> as <see cref="CallEvents.Batch"/>es on <see cref="CallEvents.Topic"/>.
/// A publication per event cost a hop through the mediator, one through the topic and one per subscriber.
/// </summary>
public sealed class CallEventPublisher : UntypedActor, IWithTimers
{
    /// <summary>Events are waiting: publish them after the window.</summary>
    public sealed class Arm
    {
        public static readonly Arm Instance = new();
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }

    private readonly IActorRef _mediator;
    private readonly CallEventSettings _settings;
    private readonly CallEventOutbox _outbox;

    public CallEventPublisher(IActorRef mediator, CallEventSettings settings, CallEventOutbox outbox)
    {
        _mediator = mediator;
        _settings = settings;
        _outbox = outbox;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef mediator, CallEventSettings settings, CallEventOutbox outbox) =>
        Akka.Actor.Props.Create(() => new CallEventPublisher(mediator, settings, outbox));

    protected override void PreStart()
    {
        _outbox.Attach(Self);
        // Events added before the publisher was attached armed the outbox without telling anyone.
        Self.Tell(Arm.Instance);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Arm:
                if (!Timers.IsTimerActive(Flush.Instance))
                    Timers.StartSingleTimer(Flush.Instance, Flush.Instance, _settings.Window);
                break;
            case Flush:
                PublishAll();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // What was added before the node stops still goes out (a dialog's last events during a hand-off).
    protected override void PostStop() => PublishAll();

    private void PublishAll()
    {
        if (_outbox.TakeDropped() is > 0 and var dropped)
            Context.GetLogger().Warning("Dropped {0} call events: more than {1} were waiting to be published (homer.dialog.events.max-waiting)",
                dropped, _settings.MaxWaiting);
        _outbox.Disarm();
        while (true)
        {
            var events = _outbox.Take(_settings.MaxEvents);
            if (events.Count == 0)
                return;
            _mediator.Tell(new Publish(CallEvents.Topic, new CallEvents.Batch(events)));
        }
    }
}
