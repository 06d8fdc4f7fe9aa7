using Akka.Actor;
using Akka.Event;
using Homer.Actors.Contracts;
using Homer.Storage;
using Prometheus;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>
/// One dialog (Call-ID), a thin shell around <see cref="DialogState"/> hosted by the <see cref="DialogHost"/> of its
/// shard: it restores from its shard's ledger when it starts, applies what the state decides, publishes call events,
/// hands checkpoints to the ledger and rows to the dialogs table a moment later (one per burst, not per packet), and
/// leaves its host after the end plus a linger, or when idle. It is not an actor of its own (ADR 0005): an actor per
/// call cost more to start, stop and collect than the call's own work; its host delivers its messages one at a time,
/// so it keeps an actor's guarantees.
/// </summary>
public sealed class HostedDialog
{
    /// <summary>Where the dialog is in its life.</summary>
    private enum Phase
    {
        Restoring,
        CatchingUp,
        Active,
    }

    /// <summary>What a timer of this dialog is for.</summary>
    public enum DueKind
    {
        Checkpoint,
        Idle,
        RestoreTimedOut,
        SecondPass,
        ReadTimedOut,
    }

    /// <summary>A timer of one dialog: its key in the host's timers and the message it delivers (made once per kind).</summary>
    public sealed class Due(HostedDialog dialog, DueKind kind)
    {
        public HostedDialog Dialog { get; } = dialog;
        public DueKind Kind { get; } = kind;
    }

    /// <summary>A message for this incarnation only (a store read it asked for); dropped if the dialog has left its host.</summary>
    public sealed record ToDialog(HostedDialog Dialog, object Message);

    private sealed record StoreRead(IReadOnlyList<CapturedMessage> Messages, int Pass);

    private sealed record StoreReadFailed(Exception Cause, int Pass);

    public static readonly Counter CaughtUp = Metrics.CreateCounter("homer_dialog_catchup_applied_total",
        "Messages dialogs applied from the message store after a crash or a hand-off of their shard (they had missed them).");
    public static readonly Counter PendingDropped = Metrics.CreateCounter("homer_dialog_catchup_pending_dropped_total",
        "Live messages a dialog waiting for its catch-up could not keep aside (homer.dialog.recovery.max-pending-live); its second read applies them from the store.");
    public static readonly Counter DuplicatesSkipped = Metrics.CreateCounter("homer_dialog_catchup_duplicates_total",
        "Live messages a dialog skipped because it had already applied them from the message store.");

    private readonly IDialogHostContext _host;
    private readonly DialogRuntime _runtime;
    private readonly DialogSettings _settings;
    private readonly string _shardId;
    private Phase _phase = Phase.Restoring;
    private IActorRef _region = ActorRefs.Nobody;
    /// <summary>The sender of the message being handled.</summary>
    private IActorRef _sender = ActorRefs.Nobody;
    /// <summary>Messages that wait for the restore or the catch-up, with their senders; null while there are none.</summary>
    private List<(object Message, IActorRef Sender)>? _stash;
    /// <summary>Stashed messages released by <see cref="BecomeActive"/>, handled before the host's next message, from <see cref="_releasedAt"/> on.</summary>
    private List<(object Message, IActorRef Sender)>? _released;
    private int _releasedAt;
    private Due? _checkpointDue;
    private Due? _idleDue;
    private Due? _restoreDue;
    private Due? _secondPassDue;
    private Due? _readDue;
    /// <summary>Live messages kept aside while the catch-up is pending (bounded by <see cref="CatchUpSettings.MaxPendingLive"/>).</summary>
    private int _pendingLive;
    private int _pendingDropped;
    private int _failedSecondReads;
    private const int SecondReadAttempts = 3;
    /// <summary>The ledger entity that answered the restore; the last checkpoint of a hand-off goes to it directly.</summary>
    private IActorRef? _ledger;
    private DialogState _state;
    /// <summary>
    /// The state as the ledger gave it back, null when it had none (an empty state): where a catch-up that comes after
    /// live messages starts again. Null rather than an empty state so that a new dialog does not keep one for its life.
    /// </summary>
    private DialogState? _restored;
    /// <summary>Set while a rebuild from the store is under way: what the dialog had, if the read fails or it must stop first.</summary>
    private DialogState? _beforeRebuild;
    private bool _dirty;
    /// <summary>Set when this incarnation caught up from the store: live messages it already read from there are skipped.</summary>
    private bool _recovering;
    private long _catchUpFromMicros;
    private int _restoreAttempts;
    /// <summary>Went on without the ledger's answer: it must not retire (delete) a state it never saw.</summary>
    private bool _unrestored;
    private const int RestoreAttempts = 3;
    /// <summary>When the dialog is idle (<see cref="Environment.TickCount64"/> ms), and when the idle timer fires (0: not running).</summary>
    private long _idleAtMs;
    private long _idleTimerAtMs;
    private bool _legacyCheckpoint;
    private bool _started;

    public HostedDialog(string callId, DialogRuntime runtime, IDialogHostContext host)
    {
        _host = host;
        _runtime = runtime;
        _settings = runtime.Settings;
        _shardId = runtime.Extractor.ShardOf(callId);
        _state = DialogState.Empty(callId);
    }

    public string CallId => _state.CallId;

    /// <summary>Set when the dialog is done: its host drops it after the message being handled.</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// Set by its host while the dialog is in the host's table: a timer or store read of an incarnation that left is
    /// dropped. A flag rather than a lookup of the Call-ID, which every timer that fires would pay.
    /// </summary>
    public bool InHost { get; set; }

    /// <summary>The timers this dialog made (to cancel when it leaves its host).</summary>
    public IEnumerable<Due> Timers
    {
        get
        {
            if (_checkpointDue is not null) yield return _checkpointDue;
            if (_idleDue is not null) yield return _idleDue;
            if (_restoreDue is not null) yield return _restoreDue;
            if (_secondPassDue is not null) yield return _secondPassDue;
            if (_readDue is not null) yield return _readDue;
        }
    }

    private ILoggingAdapter Log => _host.Log;

    /// <summary>
    /// Messages a stopped dialog had not handled yet (it retired with more waiting behind the message that retired it):
    /// its host gives them to the next incarnation, as a shard gives what it buffered during a passivation.
    /// </summary>
    public IReadOnlyList<(object Message, IActorRef Sender)> TakeLeftovers()
    {
        if ((_released is null || _releasedAt >= _released.Count) && _stash is not { Count: > 0 })
            return [];
        var left = new List<(object, IActorRef)>();
        if (_released is not null)
            left.AddRange(_released.Skip(_releasedAt));
        if (_stash is not null)
            left.AddRange(_stash);
        _released = null;
        _releasedAt = 0;
        _stash = null;
        return left;
    }

    /// <summary>Asks the shard's ledger for what it kept of this Call-ID; messages wait until it answers.</summary>
    private void Start()
    {
        _started = true;
        _region = _runtime.Region();
        _region.Tell(new LedgerCommands.Restore(_shardId, _state.CallId), _host.Self);
        StartTimer(DueKind.RestoreTimedOut, _runtime.RestoreTimeout);
    }

    /// <summary>Handles one message (the first one starts the dialog: it asks its ledger) and then the stashed ones it released, in their order.</summary>
    public void Receive(object message, IActorRef sender)
    {
        if (!_started)
            Start();
        Handle(message, sender);
        while (!Stopped && _released is { } released && _releasedAt < released.Count)
        {
            var (next, from) = released[_releasedAt++];
            Handle(next, from);
        }
        if (!Stopped)
        {
            _released = null;
            _releasedAt = 0;
        }
    }

    private void Handle(object message, IActorRef sender)
    {
        _sender = sender;
        switch (_phase)
        {
            case Phase.Restoring:
                Restoring(message);
                break;
            case Phase.CatchingUp:
                CatchingUp(message);
                break;
            default:
                Active(message);
                break;
        }
        _sender = ActorRefs.Nobody;
    }

    private void Restoring(object message)
    {
        switch (message)
        {
            case LedgerCommands.Restored r:
                CancelTimer(_restoreDue);
                _restoreDue = null; // a lingering dialog keeps only the timers it can still use
                _ledger = _sender;
                if (r.State is not null)
                {
                    _state = r.State;
                    // Only a moved shard restores a state: its row may have been lost with the old home's row writer.
                    if (_state.Exists)
                        _runtime.Rows.Tell(_state.ToRow(), _host.Self);
                }
                _restored = r.State is null ? null : _state;
                if (r.CatchUpFromMicros is { } from && _runtime.History is not null)
                {
                    StartRecovering(from);
                    ReadStore(1);
                    _phase = Phase.CatchingUp;
                    return;
                }
                BecomeActive();
                break;
            case Due { Kind: DueKind.RestoreTimedOut }:
                // The ledger may have failed its recovery (a journal timeout under load) and stopped with this request;
                // asking again through the region starts it again. Going on without the earlier state is the last resort.
                if (++_restoreAttempts < RestoreAttempts)
                {
                    Log.Warning("Ledger of shard {0} did not answer for {1} within {2}; asking again ({3} of {4})",
                        _shardId, _state.CallId, _runtime.RestoreTimeout, _restoreAttempts + 1, RestoreAttempts);
                    _region.Tell(new LedgerCommands.Restore(_shardId, _state.CallId), _host.Self);
                    StartTimer(DueKind.RestoreTimedOut, _runtime.RestoreTimeout);
                    return;
                }
                Log.Error("Ledger of shard {0} did not answer for {1} after {2} attempts; going on without its earlier state, which it keeps",
                    _shardId, _state.CallId, RestoreAttempts);
                _unrestored = true;
                BecomeActive();
                break;
            case DialogCommands.StopDialog:
                Stopped = true;
                break;
            default:
                Stash(message);
                break;
        }
    }

    /// <summary>Restored after a crash or hand-off of the shard and found in the store: the store's messages first, live ones wait.</summary>
    private void CatchingUp(object message)
    {
        switch (message)
        {
            case StoreRead r:
                CancelTimer(_readDue);
                _beforeRebuild = null;
                ApplyStored(r.Messages);
                BecomeActive();
                // Live messages dropped while it waited are only in the store: the second read brings them.
                if (!_legacyCheckpoint || _pendingDropped > 0)
                    StartTimer(DueKind.SecondPass, _runtime.CatchUp.SecondPass);
                break;
            case StoreReadFailed or Due { Kind: DueKind.ReadTimedOut }:
                CancelTimer(_readDue);
                Log.Warning((message as StoreReadFailed)?.Cause, "Dialog {0} could not read the message store to catch up ({1}); going on, trying again in {2}",
                    _state.CallId, message is StoreReadFailed ? "the read failed" : "no answer in time", _runtime.CatchUp.SecondPass);
                RevertRebuild();
                BecomeActive();
                StartTimer(DueKind.SecondPass, _runtime.CatchUp.SecondPass);
                break;
            case DialogCommands.StopDialog:
                // Hand-off while reading the store: the ledger still waits for this dialog's last word, which is what
                // it had before a rebuild began (the next home catches up again).
                RevertRebuild();
                CheckpointAndStop();
                break;
            case DialogCommands.RecordSipMessage or DialogCommands.AttachQos or DialogCommands.AttachLog:
                // Ingest never waits for a catch-up: live messages wait here, in order, up to a bound. Past it they are
                // dropped; they are in the store, where the second read finds them.
                if (_pendingLive >= _runtime.CatchUp.MaxPendingLive)
                {
                    if (_pendingDropped++ == 0)
                        Log.Warning("Dialog {0} keeps {1} live messages aside while it catches up; it drops more until then (its second read applies them)",
                            _state.CallId, _pendingLive);
                    PendingDropped.Inc();
                    break;
                }
                _pendingLive++;
                Stash(message);
                break;
            default:
                Stash(message);
                break;
        }
    }

    private void Stash(object message) => (_stash ??= []).Add((message, _sender));

    /// <summary>
    /// Hand-off, shutdown or its host's end: what is applied but not yet checkpointed goes to the ledger that waits for
    /// it (see <see cref="Checkpoint"/>), then the dialog stops.
    /// </summary>
    private void CheckpointAndStop()
    {
        Checkpoint(final: true);
        Stopped = true;
    }

    private void RevertRebuild()
    {
        if (_beforeRebuild is { } before)
            _state = before;
        _beforeRebuild = null;
    }

    private void StartRecovering(long fromMicros)
    {
        _recovering = true;
        // A checkpoint without applied keys (written before they existed) is caught up once, in capture order.
        _legacyCheckpoint = _state is { Exists: true, AppliedThroughMicros: 0 };
        _catchUpFromMicros = fromMicros;
    }

    private void ReadStore(int pass)
    {
        var from = DialogCatchUp.ReadFrom(_state, _catchUpFromMicros, _settings.AppliedKeyWindow);
        // Through the shard's ledger, which reads for all of the shard's dialogs that ask at once in one statement
        // (through the node's read queue) instead of one statement per dialog.
        _region.Tell(new LedgerCommands.ReadMessages(_shardId, _state.CallId, from, _host.Self,
            m => new ToDialog(this, new StoreRead(m, pass)), e => new ToDialog(this, new StoreReadFailed(e, pass))));
        if (pass == 1)
            StartTimer(DueKind.ReadTimedOut, _runtime.RestoreTimeout + _runtime.RestoreTimeout);
    }

    private void ApplyStored(IReadOnlyList<CapturedMessage> messages)
    {
        var applied = 0;
        foreach (var message in messages)
            foreach (var command in DialogCatchUp.CommandsFor(_state.CallId, message, _settings.SipParser))
            {
                var (key, micros) = KeyOf(command);
                if (!DialogCatchUp.IsNew(_state, micros, key, _settings.AppliedKeyWindow))
                    continue;
                Apply(Decide(command, new AppliedMessage(micros, key)));
                applied++;
            }
        if (applied > 0)
        {
            CaughtUp.Inc(applied);
            Log.Info("Dialog {0} caught up {1} messages from the message store", _state.CallId, applied);
        }
    }

    private void BecomeActive()
    {
        _phase = Phase.Active;
        _pendingLive = 0;
        if (_stash is { Count: > 0 } stash)
        {
            // Not while releasing earlier ones (only a ledger's answer or a store read makes a dialog active, and
            // neither is ever stashed); should that change, the earlier ones keep their place in front.
            if (_released is { } earlier && _releasedAt < earlier.Count)
                stash.InsertRange(0, earlier.Skip(_releasedAt));
            _released = stash;
            _releasedAt = 0;
        }
        _stash = null;
        ScheduleIdle();
    }

    private void Active(object message)
    {
        switch (message)
        {
            case DialogCommands.RecordSipMessage or DialogCommands.AttachQos or DialogCommands.AttachLog:
                Live((IWithCallId)message);
                break;
            case DialogCommands.LinkLeg l:
                Apply(_state.Process(l));
                break;
            case Due { Kind: DueKind.Checkpoint }:
                Checkpoint();
                break;
            case Due { Kind: DueKind.Idle }:
                if (!IdleReached())
                    return;
                Apply(_state.ProcessTimeout());
                Retire();
                break;
            case LedgerCommands.WakeDialog w:
                // Already running when the ledger's store read found it: it catches up too.
                if (w.CatchUpFromMicros is { } from && !_recovering && _runtime.History is not null)
                {
                    // What it applied live since it restored is newer than what the store has for it (a BYE before the
                    // INVITE it never saw would leave the call without its answer time, final status and who hung
                    // up): it starts again from what it restored and applies the store's messages, which include the
                    // live ones, in capture order. Live messages wait meanwhile; those the store did not have yet come
                    // with the second read. The revision only grows, so the ledger takes the rebuilt state.
                    if (_state.Revision != (_restored?.Revision ?? 0))
                    {
                        Log.Warning("Dialog {0} applied live messages before its catch-up; rebuilding it from the message store in capture order",
                            _state.CallId);
                        _beforeRebuild = _state;
                        _state = (_restored ?? DialogState.Empty(_state.CallId)) with { Revision = _state.Revision };
                    }
                    StartRecovering(from);
                    ReadStore(1);
                    _phase = Phase.CatchingUp;
                }
                // Woken for a catch-up that found nothing for it: no empty dialog stays behind. Not while its own catch-up
                // is still to come (its first read failed and the second is due): retiring then cancelled that read, and
                // a call whose first messages all went to a dead node lost its dialog for good (issue 20, item 4).
                else if (IsBlank && !_recovering)
                    Retire();
                break;
            case Due { Kind: DueKind.SecondPass }:
                ReadStore(2);
                break;
            case StoreRead r:
                ApplyStored(r.Messages);
                if (r.Pass == 1 && !_legacyCheckpoint)
                    StartTimer(DueKind.SecondPass, _runtime.CatchUp.SecondPass);
                break;
            case StoreReadFailed f:
                // The second read is tried again (a few times, SecondPass apart): it is the one that finds what was on
                // its way to the store, and for a dialog whose first read failed, everything.
                var again = f.Pass == 1 || _failedSecondReads++ < SecondReadAttempts;
                Log.Warning(f.Cause, "Dialog {0}: read {1} of the message store failed{2}", _state.CallId, f.Pass,
                    again ? $"; trying again in {_runtime.CatchUp.SecondPass}" : "");
                if (again)
                    StartTimer(DueKind.SecondPass, _runtime.CatchUp.SecondPass);
                break;
            case DialogQueries.GetDialog:
                _sender.Tell(_state.ToSnapshot(), _host.Self);
                // A query for an unknown Call-ID must not leave an empty dialog behind (one catching up is not unknown).
                if (IsBlank && !_recovering)
                    Retire();
                break;
            case DialogCommands.StopDialog:
                CheckpointAndStop();
                break;
            case LedgerCommands.Restored or Due:
                break;
            default:
                Log.Debug("Dialog {0} ignored {1}", _state.CallId, message.GetType().Name);
                break;
        }
    }

    private bool IsBlank => _state is { MessageCount: 0, QosReports.Count: 0, Logs.Count: 0, Legs.Count: 0 };

    private void Live(IWithCallId command)
    {
        var (key, micros) = KeyOf(command);
        if (_recovering && _state.HasApplied(key))
        {
            DuplicatesSkipped.Inc();
            return;
        }
        Apply(Decide(command, new AppliedMessage(micros, key)));
    }

    private (IReadOnlyList<DialogEvent> Events, DialogState State) Decide(IWithCallId command, AppliedMessage applied) =>
        _state.Decide(command, _settings, applied, _settings.AppliedKeyWindow);

    private static (long Key, long Micros) KeyOf(IWithCallId command) => MessageKeys.Of(command);

    private void Apply(IReadOnlyList<DialogEvent> events) => Apply((events, _state.ApplyAll(events)));

    private void Apply((IReadOnlyList<DialogEvent> Events, DialogState State) decision)
    {
        var (events, next) = decision;
        if (events.Count == 0)
            return;
        var before = _state;
        _state = next;
        Publish(before, events);
        if (!_dirty)
        {
            _dirty = true;
            StartTimer(DueKind.Checkpoint, _settings.CheckpointDelay);
        }
        ScheduleIdle();
    }

    private void Publish(DialogState before, IReadOnlyList<DialogEvent> events)
    {
        var s = _state;
        // What other entities of the region must hear: the leg's own dialog, the media index.
        for (var i = 0; i < events.Count; i++)
        {
            switch (events[i])
            {
                case LegLinked { FromSip: true } l:
                    _region.Tell(new DialogCommands.LinkLeg(l.LegCallId, s.CallId));
                    break;
                case MediaAnnounced m:
                    var announcements = MediaIndexCommands.AnnouncementsFor(s.CallId, m.Endpoints);
                    for (var a = 0; a < announcements.Count; a++)
                        _region.Tell(announcements[a]);
                    break;
            }
        }
        if (_runtime.Events is not { } outbox)
            return;
        // One list per thread: the host delivers one message at a time, and the outbox does not re-enter.
        var published = t_published ??= new List<CallEvents.ICallEvent>(8);
        try
        {
            DialogCallEvents.AddTo(published, before, s, events);
            for (var i = 0; i < published.Count; i++)
                outbox.Add(published[i]);
        }
        finally
        {
            published.Clear();
        }
    }

    [ThreadStatic] private static List<CallEvents.ICallEvent>? t_published;

    /// <summary>
    /// Moves the idle deadline. The timer is only restarted when the deadline comes earlier than it fires (the end of a
    /// call: linger instead of the idle time); a later deadline is checked when the timer fires. Most messages of a call
    /// push the deadline later, so this saves a timer cancel and schedule per message.
    /// </summary>
    private void ScheduleIdle()
    {
        var idle = IdleSpan();
        var now = Environment.TickCount64;
        _idleAtMs = now + (long)idle.TotalMilliseconds;
        if (_idleTimerAtMs != 0 && _idleTimerAtMs <= _idleAtMs)
            return;
        _idleTimerAtMs = _idleAtMs;
        StartTimer(DueKind.Idle, idle);
    }

    /// <summary>The idle timer fired: whether the deadline it was set for still holds (else it is set again for the rest).</summary>
    private bool IdleReached()
    {
        var now = Environment.TickCount64;
        if (now >= _idleAtMs)
        {
            _idleTimerAtMs = 0;
            return true;
        }
        _idleTimerAtMs = _idleAtMs;
        StartTimer(DueKind.Idle, TimeSpan.FromMilliseconds(_idleAtMs - now));
        return false;
    }

    private TimeSpan IdleSpan()
    {
        var s = _state;
        TimeSpan idle;
        if (s.IsEnded || !s.Exists)
            idle = _settings.Linger;
        else if (s.Kind == DialogKinds.Call)
            idle = s.AnsweredMicros is not null ? _settings.IdleAnswered : _settings.IdleUnanswered;
        else if (s is { Kind: DialogKinds.Registration, State: DialogStatus.Registered, ExpiresMicros: { } expires })
            idle = TimeSpan.FromMicroseconds(Math.Max(0, expires - s.LastSeenMicros)) + _settings.RegistrationGrace;
        else
            idle = _settings.Linger;
        return idle;
    }

    private void Checkpoint(bool final = false)
    {
        CancelTimer(_checkpointDue);
        if (!_dirty && !final)
            return;
        // Through the region, which restarts a ledger that failed; only a stopping dialog's last word goes straight
        // to the ledger that is waiting for it (during a hand-off the region would buffer and drop it).
        var ledger = final ? _ledger ?? _region : _region;
        if (!_dirty)
        {
            // Nothing new: the ledger only needs to know this dialog is done with it (a blank one was never kept).
            if (!IsBlank)
                ledger.Tell(new LedgerCommands.Checkpoint(_shardId, _state, Final: true));
            else if (!_unrestored)
                ledger.Tell(new LedgerCommands.Retire(_shardId, _state.CallId, _state.Revision));
            return;
        }
        _dirty = false;
        ledger.Tell(new LedgerCommands.Checkpoint(_shardId, _state, final));
        if (_state.Exists)
            _runtime.Rows.Tell(_state.ToRow());
    }

    private void Retire()
    {
        if (_dirty && _state.Exists)
            _runtime.Rows.Tell(_state.ToRow());
        _dirty = false;
        _idleTimerAtMs = 0;
        // Same path as the checkpoints before it, so it cannot overtake one and leave a stale state behind.
        if (!_unrestored)
            _region.Tell(new LedgerCommands.Retire(_shardId, _state.CallId, _state.Revision));
        var withdrawals = MediaIndexCommands.WithdrawalsFor(_state.CallId, _state.MediaEndpoints);
        for (var w = 0; w < withdrawals.Count; w++)
            _region.Tell(withdrawals[w]);
        // Its host drops it and cancels its timers; the next message for this Call-ID starts a new incarnation,
        // which asks the ledger after this retirement (same path) and so finds nothing.
        Stopped = true;
    }

    private void StartTimer(DueKind kind, TimeSpan delay)
    {
        var due = kind switch
        {
            DueKind.Checkpoint => _checkpointDue ??= new Due(this, kind),
            DueKind.Idle => _idleDue ??= new Due(this, kind),
            DueKind.RestoreTimedOut => _restoreDue ??= new Due(this, kind),
            DueKind.ReadTimedOut => _readDue ??= new Due(this, kind),
            _ => _secondPassDue ??= new Due(this, kind),
        };
        _host.StartTimer(due, delay);
    }

    private void CancelTimer(Due? due)
    {
        if (due is not null)
            _host.CancelTimer(due);
    }
}
