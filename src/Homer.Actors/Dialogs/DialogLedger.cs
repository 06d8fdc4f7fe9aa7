using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Homer.Actors.Contracts;
using Homer.Storage;
using Prometheus;

namespace Homer.Actors.Dialogs;

/// <summary>Messages to the ledger of one shard; routed by shard id to the ledger entity living in that shard.</summary>
public interface IWithLedgerShard
{
    string ShardId { get; }
}

public static class LedgerCommands
{
    /// <summary>The dialog's state as of now; the newest one per Call-ID is what a moved shard recovers.</summary>
    /// <param name="Final">Sent by a dialog that is stopping (hand-off): the ledger waits for these before it stops.</param>
    public sealed record Checkpoint(string ShardId, DialogState State, bool Final = false) : IWithLedgerShard, IHomerSerializable;

    /// <summary>
    /// The dialog ended and passivated: it leaves the ledger (its summary is in the dialogs table), unless the ledger
    /// holds a newer revision than <paramref name="Revision"/>. A dialog that retires and then gets messages before it
    /// stops (its shard buffers only what comes after) sends a final checkpoint straight to the ledger, which can
    /// arrive before this retirement sent through the region; the revision keeps that checkpoint.
    /// </summary>
    /// <param name="Revision">The state's revision when it retired; <see cref="long.MaxValue"/> (what a node from before
    /// this field sends) removes whatever the ledger holds.</param>
    public sealed record Retire(string ShardId, string CallId, long Revision = long.MaxValue) : IWithLedgerShard, IHomerSerializable;

    /// <summary>Asked by a dialog entity when it starts; answered with <see cref="Restored"/>.</summary>
    public sealed record Restore(string ShardId, string CallId) : IWithLedgerShard, IHomerSerializable;

    /// <param name="CatchUpFromMicros">
    /// Set while the ledger recovers from a crash of its shard's previous home: the dialog reads the message store
    /// from there (see <see cref="DialogCatchUp.ReadFrom"/>) before it goes on.
    /// </param>
    public sealed record Restored(string CallId, DialogState? State, long? CatchUpFromMicros = null) : IHomerSerializable;

    /// <summary>
    /// Starts the ledger of a shard (and so the shard) if it is not running. Sent for every shard after a dialog node
    /// was downed: a ledger opened since <paramref name="OpenedSinceMicros"/> (a brand-new one included: its shard may
    /// have been allocated to the dead node and received messages there without ever opening a ledger) catches up
    /// from <paramref name="CatchUpFromMicros"/> unless it is catching up already.
    /// </summary>
    public sealed record Wake(string ShardId, long? CatchUpFromMicros = null, long? OpenedSinceMicros = null) : IWithLedgerShard, IHomerSerializable;

    /// <summary>Starts a dialog entity so it restores now rather than on its next message.</summary>
    /// <param name="CatchUpFromMicros">Set when the store has messages for it in the ledger's window: it catches up from there.</param>
    public sealed record WakeDialog(string CallId, long? CatchUpFromMicros = null) : IWithCallId, IHomerSerializable;

    /// <summary>
    /// A dialog catching up asks its shard's ledger for its stored messages captured from <paramref name="FromMicros"/>
    /// on: the ledger reads those of all the dialogs that ask at about the same time in one statement (through the
    /// node's read queue) and hands each its own, <paramref name="Read"/> or <paramref name="Failed"/>, to
    /// <paramref name="ReplyTo"/>. Local only: a ledger always runs on the node of its shard's dialogs.
    /// </summary>
    public sealed record ReadMessages(string ShardId, string CallId, long FromMicros, IActorRef ReplyTo,
        Func<IReadOnlyList<CapturedMessage>, object> Read, Func<Exception, object> Failed) : IWithLedgerShard;
}

/// <summary>
/// What a ledger persists. <c>AtMicros</c> is the node's wall clock when the event was made: the newest one a
/// recovering ledger finds bounds what its crashed previous home can have received without persisting it.
/// </summary>
public static class LedgerEvents
{
    /// <summary>One checkpoint per journal row, as written before <see cref="Batch"/>; still read from older journals.</summary>
    public sealed record Checkpointed(DialogState State, long AtMicros = 0) : IHomerSerializable;

    /// <summary>
    /// What one flush of the ledger writes: the newest state of every dialog checkpointed since the last flush and the
    /// Call-IDs retired since (a Call-ID is in at most one of the two). One journal row per flush rather than one per
    /// checkpoint: the journal's cost is mostly per row (statement binding, index entries), not per byte.
    /// </summary>
    public sealed record Batch(IReadOnlyList<DialogState> Checkpointed, IReadOnlyList<string> Retired, long AtMicros) : IHomerSerializable;

    /// <summary>As written before <see cref="Batch"/>; still read from older journals.</summary>
    public sealed record Retired(string CallId, long AtMicros = 0) : IHomerSerializable;

    /// <summary>A node took the ledger over; persisted before any of its dialogs is restored.</summary>
    public sealed record Opened(long AtMicros) : IHomerSerializable;

    /// <summary>The ledger's node handed it over (or shut down) after the last checkpoint of its dialogs.</summary>
    /// <param name="AtMicros">When the hand-off began: what reached the old home from then on may have been dropped.</param>
    public sealed record Closed(long AtMicros) : IHomerSerializable;

    /// <summary>Every live dialog of the shard; the journal before it is deleted.</summary>
    /// <param name="Closed">Taken when the ledger closed; a snapshot of an open ledger that is the newest thing found means a crash.</param>
    public sealed record LedgerSnapshot(IReadOnlyList<DialogState> Dialogs, bool Closed = false, long AtMicros = 0) : IHomerSerializable;
}

/// <summary>
/// The persistent ledger of one dialog shard, living in that shard (entity id <see cref="EntityIdOf"/>), so it moves
/// with its dialogs. Dialog entities are not persistent themselves: starting a persistent entity costs about 1 ms of
/// CPU (DESIGN.md), too much for ~3 000 new calls/s, while a few hundred ledgers write batched checkpoints cheaply.
/// Checkpoints gather for <see cref="LedgerSettings.FlushDelay"/> and are persisted as one <see cref="LedgerEvents.Batch"/>
/// (the newest state per dialog), folded into a snapshot every <see cref="LedgerSettings.SnapshotEvery"/> dialog
/// changes; a moved shard's dialogs restore from it on their next message.
/// <para>
/// A ledger persists <see cref="LedgerEvents.Opened"/> when a node takes it over and <see cref="LedgerEvents.Closed"/>
/// when the node hands it over. Recovering an open ledger means its previous home crashed: what that node received in
/// its last moments (the checkpoints not yet persisted, and everything routed to it until the crash was detected) is
/// only in the message store. The ledger then reads from the store the Call-IDs of its shard with messages captured
/// since shortly before its last persisted event, wakes them with the instruction to catch up from the store
/// (<see cref="DialogCatchUp"/>), and wakes every other dialog it holds (their rows may have died with the node).
/// Recovering a closed ledger does the same for the window of the hand-off (Akka drops what reaches a shard's old home
/// while it hands over), without waking the dialogs that have no stored messages in it. ADR 0004.
/// </para>
/// </summary>
public sealed class DialogLedger : ReceivePersistentActor, IWithTimers
{
    public const string EntityPrefix = " ledger ";

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }

    private sealed class FinishStop
    {
        public static readonly FinishStop Instance = new();
    }

    private sealed class Open
    {
        public static readonly Open Instance = new();
    }

    private sealed record FoundDialogs(IReadOnlyList<DialogActivity> Ids, int Pass);

    private sealed record SearchStore(int Pass);

    private sealed record SearchFailed(Exception Cause, int Pass);

    private sealed class ReadBatch
    {
        public static readonly ReadBatch Instance = new();
    }

    private sealed record BatchRead(IReadOnlyList<LedgerCommands.ReadMessages> Requests, IReadOnlyList<CapturedMessage>? Messages, Exception? Cause);

    /// <summary>How long the ledger gathers dialogs' read requests before it reads them in one statement.</summary>
    private static readonly TimeSpan ReadGather = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan MaxHandOffWait = TimeSpan.FromSeconds(5);

    private readonly LedgerSettings _settings;
    private readonly IActorRef? _region;
    private readonly string _shardId;
    private readonly DialogRuntime? _runtime;
    private readonly CatchUpSettings _catchUp;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, DialogState> _dialogs = new(StringComparer.Ordinal);
    /// <summary>Changes since the last flush, the newest per Call-ID: a state checkpointed, or null for retired.</summary>
    private readonly Dictionary<string, DialogState?> _pending = new(StringComparer.Ordinal);
    /// <summary>
    /// Dialogs of this shard that restored from this ledger and are alive, with the actor that asked (the shard's
    /// <see cref="DialogHost"/>, which hosts many): a hand-off waits for their last checkpoint, or for that actor's end.
    /// </summary>
    private readonly Dictionary<string, IActorRef> _live = new(StringComparer.Ordinal);
    /// <summary>How many <see cref="_live"/> dialogs each watched actor hosts.</summary>
    private readonly Dictionary<IActorRef, int> _liveHosts = [];
    private long _eventsSinceSnapshot;
    private bool _stopping;
    private bool _snapshotInFlight;
    /// <summary>As recovered: the last home opened the ledger and never closed it.</summary>
    private bool _wasOpen;
    /// <summary>Newest wall-clock time of anything recovered.</summary>
    private long _lastActiveMicros;
    /// <summary>As recovered: when the hand-off that closed the ledger began; 0 for a ledger never closed.</summary>
    private long _closedAtMicros;
    private long _handOffStartedMicros;
    private long _openedAtMicros;
    private long? _wakeAfterCrash;
    private bool _catchUpStarted;
    /// <summary>Restores are answered once the opening is persisted and, after a crash, the first store read is in.</summary>
    private bool _answering;
    private bool _afterCrash;
    /// <summary>Where the window ends: what is routed to the shard after its ledger opened here reaches it live.</summary>
    private long _catchUpToMicros;
    /// <summary>Failed attempts of the window read of the pass under way.</summary>
    private int _searchFailures;
    /// <summary>Dialogs' requests for their stored messages, read together once the read in flight is back.</summary>
    private readonly List<LedgerCommands.ReadMessages> _readRequests = [];
    private bool _readInFlight;
    private bool _readScheduled;
    /// <summary>During a catch-up: where the window starts, until when restoring dialogs catch up, who was found.</summary>
    private long? _catchUpFromMicros;
    private DateTime _catchUpUntil;
    private readonly HashSet<string> _found = new(StringComparer.Ordinal);

    public static readonly Counter ChangesWritten = Metrics.CreateCounter("homer_dialog_ledger_changes_total",
        "Dialog changes (checkpointed states and retirements) the node's ledgers handed to the journal, many per journal row.");
    public static readonly Counter RowsWritten = Metrics.CreateCounter("homer_dialog_ledger_writes_total",
        "Journal rows the node's ledgers wrote for dialog changes (one per flush).");

    public override string PersistenceId { get; }
    public ITimerScheduler Timers { get; set; } = null!;

    public static string EntityIdOf(string shardId) => EntityPrefix + shardId;

    /// <param name="runtime">Where the dialogs' store reads go; without one (or without its history) a crash is only logged.</param>
    public static Props Props(string shardId, LedgerSettings settings, IActorRef? region, DialogRuntime? runtime = null) =>
        Akka.Actor.Props.Create(() => new DialogLedger(shardId, settings, region, runtime));

    public DialogLedger(string shardId, LedgerSettings settings, IActorRef? region, DialogRuntime? runtime = null)
    {
        PersistenceId = "dialog-ledger-" + shardId;
        _shardId = shardId;
        _settings = settings;
        _region = region;
        _runtime = runtime;
        _catchUp = runtime?.CatchUp ?? CatchUpSettings.Default;

        Recover<LedgerEvents.Checkpointed>(e =>
        {
            _dialogs[e.State.CallId] = e.State;
            Seen(e.AtMicros);
        });
        Recover<LedgerEvents.Batch>(e =>
        {
            foreach (var state in e.Checkpointed)
                _dialogs[state.CallId] = state;
            foreach (var callId in e.Retired)
                _dialogs.Remove(callId);
            Seen(e.AtMicros);
        });
        Recover<LedgerEvents.Retired>(e =>
        {
            _dialogs.Remove(e.CallId);
            Seen(e.AtMicros);
        });
        Recover<LedgerEvents.Opened>(e =>
        {
            _wasOpen = true;
            Seen(e.AtMicros);
        });
        Recover<LedgerEvents.Closed>(e =>
        {
            _wasOpen = false;
            _closedAtMicros = e.AtMicros;
            Seen(e.AtMicros);
        });
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not LedgerEvents.LedgerSnapshot snapshot)
                return;
            _dialogs.Clear();
            foreach (var dialog in snapshot.Dialogs)
                _dialogs[dialog.CallId] = dialog;
            // A snapshot from before ledgers were opened and closed (AtMicros 0) says nothing either way: treat it as
            // open, so the first recovery after an upgrade reads the store once too many rather than once too few.
            _wasOpen = !snapshot.Closed;
            _closedAtMicros = snapshot.Closed ? snapshot.AtMicros : 0;
            Seen(snapshot.AtMicros);
        });
        Recover<RecoveryCompleted>(_ => OnRecovered());

        // Restores wait until the opening is persisted: a dialog must not apply anything before a crash of this node
        // would be recognised as one.
        Command<Open>(_ => Persist(new LedgerEvents.Opened(NowMicros()), opened =>
        {
            _openedAtMicros = opened.AtMicros;
            if ((_wasOpen || _closedAtMicros > 0) && BeginCatchUp())
                return; // restores wait for the first store read
            if (_wakeAfterCrash is { } wake && BeginCatchUp(wake))
                return;
            _answering = true;
            Stash.UnstashAll();
        }));

        Command<LedgerCommands.Checkpoint>(c =>
        {
            // Checkpoints come through the region, the last one of a stopping dialog directly: it may overtake.
            if (!_dialogs.TryGetValue(c.State.CallId, out var known) || known.Revision <= c.State.Revision)
            {
                _dialogs[c.State.CallId] = c.State;
                Enqueue(c.State.CallId, c.State);
            }
            if (c.Final)
                Release(c.State.CallId);
        });
        Command<LedgerCommands.Retire>(r =>
        {
            if (_dialogs.TryGetValue(r.CallId, out var known))
            {
                if (known.Revision <= r.Revision)
                {
                    _dialogs.Remove(r.CallId);
                    Enqueue(r.CallId, null);
                }
                else
                {
                    // A newer last checkpoint overtook this retirement (see Retire): the dialog went on after it retired
                    // and has stopped since. It starts again from that checkpoint, so it lingers and retires in its
                    // time instead of leaving its state here for good.
                    _region?.Tell(new LedgerCommands.WakeDialog(r.CallId));
                }
            }
            Release(r.CallId);
        });
        Command<LedgerCommands.Restore>(r =>
        {
            if (!_answering)
            {
                Stash.Stash();
                return;
            }
            if (!Sender.IsNobody())
                Hold(r.CallId, Sender);
            Sender.Tell(new LedgerCommands.Restored(r.CallId, _dialogs.GetValueOrDefault(r.CallId), CatchUpFor(r.CallId)));
        });
        Command<LedgerCommands.Wake>(w =>
        {
            if (w.CatchUpFromMicros is not { } from || w.OpenedSinceMicros is not { } since || _catchUpStarted)
                return;
            if (_openedAtMicros == 0)
                _wakeAfterCrash = from; // still opening: decided once the opening is persisted
            else if (_openedAtMicros >= since)
                BeginCatchUp(from);
        });
        Command<SearchStore>(s => SearchStoreFor(s.Pass));
        Command<FoundDialogs>(f => WakeFound(f.Ids, f.Pass));
        Command<SearchFailed>(f =>
        {
            // Tried again with a doubling backoff, never in a loop: restores wait meanwhile (their dialogs keep their live
            // messages aside); after the last attempt the dialogs go on from their checkpoints.
            if (++_searchFailures < _catchUp.ReadAttempts)
            {
                var delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, _catchUp.ReadRetryDelay.Ticks << (_searchFailures - 1)));
                _log.Warning(f.Cause, "Ledger {0}: pass {1} of the message store read for dialogs its previous home may have missed failed " +
                    "(attempt {2} of {3}); trying again in {4}", PersistenceId, f.Pass, _searchFailures, _catchUp.ReadAttempts, delay);
                Timers.StartSingleTimer("search-retry", new SearchStore(f.Pass), delay);
                return;
            }
            _log.Error(f.Cause, "Ledger {0}: pass {1} of the message store read failed {2} times; its dialogs go on from their checkpoints{3}",
                PersistenceId, f.Pass, _searchFailures, f.Pass == 1 ? $" (the second pass tries again in {_catchUp.SecondPass})" : "");
            _searchFailures = 0;
            if (f.Pass == 1)
                WakeFound([], 1);
        });
        Command<LedgerCommands.ReadMessages>(r =>
        {
            _readRequests.Add(r);
            ScheduleRead();
        });
        Command<ReadBatch>(_ =>
        {
            _readScheduled = false;
            StartRead();
        });
        Command<BatchRead>(HandOut);
        Command<Terminated>(t => ReleaseAll(t.ActorRef));
        Command<Flush>(_ => PersistPending());
        Command<DialogCommands.StopDialog>(_ =>
        {
            // The shard stops all its entities at once: wait for the dialogs' last checkpoints before the snapshot.
            if (!_stopping)
                _handOffStartedMicros = NowMicros();
            _stopping = true;
            Timers.StartSingleTimer(FinishStop.Instance, FinishStop.Instance, MaxHandOffWait);
            if (_live.Count == 0)
                Self.Tell(FinishStop.Instance);
        });
        Command<FinishStop>(_ =>
        {
            if (_live.Count > 0)
                _log.Warning("Ledger {0} stops without the last checkpoint of {1} dialogs", PersistenceId, _live.Count);
            Timers.Cancel(FinishStop.Instance);
            _live.Clear();
            _liveHosts.Clear();
            Stop();
        });
        Command<SaveSnapshotSuccess>(s =>
        {
            _snapshotInFlight = false;
            DeleteMessages(s.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
            if (_stopping)
                Context.Stop(Self);
        });
        Command<SaveSnapshotFailure>(f =>
        {
            _snapshotInFlight = false;
            _log.Warning(f.Cause, "Snapshot of {0} failed; the journal keeps its events", PersistenceId);
            if (_stopping)
                Context.Stop(Self);
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning(f.Cause, "Journal cleanup of {0} failed", PersistenceId));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning(f.Cause, "Snapshot cleanup of {0} failed", PersistenceId));
    }

    /// <summary>Live dialogs this ledger holds; for tests and the admin API.</summary>
    public int Count => _dialogs.Count;

    private void Seen(long atMicros) => _lastActiveMicros = Math.Max(_lastActiveMicros, atMicros);

    private static long NowMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private void OnRecovered()
    {
        Self.Tell(Open.Instance);
        if (_wasOpen)
            _log.Warning("Ledger {0} recovered {1} live dialogs; its previous home did not close it (it crashed): catching up from the message store",
                PersistenceId, _dialogs.Count);
        else if (_dialogs.Count > 0)
            _log.Info("Ledger {0} recovered {1} live dialogs", PersistenceId, _dialogs.Count);
        // The media index is memory only: after a move, tell it again where this shard's calls have their media.
        if (_region is null)
            return;
        foreach (var dialog in _dialogs.Values)
            foreach (var announce in MediaIndexCommands.AnnouncementsFor(dialog.CallId, dialog.MediaEndpoints))
                _region.Tell(announce);
    }

    /// <summary>
    /// After a crash the window starts shortly before the last thing the previous home persisted (everything older is
    /// in this ledger); after a hand-off, shortly before the hand-off began. It ends <see cref="CatchUpSettings.AfterOpen"/>
    /// after the ledger opened here (what is routed to the shard from then on reaches it live): every Call-ID of the shard
    /// with messages captured in it may have missed some, and no call that started later reads the store.
    /// </summary>
    /// <returns>Whether a catch-up began (restores then wait for its first store read).</returns>
    /// <param name="wokenFromMicros">Woken after a crash without a window of its own: the waker's.</param>
    private bool BeginCatchUp(long? wokenFromMicros = null)
    {
        _catchUpStarted = true;
        _afterCrash = _wasOpen || wokenFromMicros is not null;
        var now = NowMicros();
        var earliest = now - (long)_catchUp.MaxWindow.TotalMicroseconds;
        var since = wokenFromMicros ?? (_wasOpen ? _lastActiveMicros : _closedAtMicros) - (long)_catchUp.Margin.TotalMicroseconds;
        _catchUpFromMicros = Math.Max(earliest, since);
        // Routed to this shard since it opened here, a message reaches its dialog live: the window ends there.
        _catchUpToMicros = (_openedAtMicros > 0 ? _openedAtMicros : now) + (long)_catchUp.AfterOpen.TotalMicroseconds;
        _catchUpUntil = DateTime.UtcNow + _catchUp.Period;
        if (_region is null || _runtime?.History is null)
        {
            if (_afterCrash)
                _log.Warning("Ledger {0}: no message store to catch up from; dialogs go on from their last persisted checkpoints", PersistenceId);
            _catchUpFromMicros = null;
            return false;
        }
        SearchStoreFor(1);
        return true;
    }

    private void SearchStoreFor(int pass)
    {
        if (_catchUpFromMicros is not { } from || _runtime?.History is not { } history)
            return;
        history.DialogIdsBetweenAsync(from, _catchUpToMicros, _catchUp.MaxDialogIds).PipeTo(Self,
            success: ids => new FoundDialogs(ids, pass),
            failure: e => new SearchFailed(e, pass));
    }

    private void WakeFound(IReadOnlyList<DialogActivity> ids, int pass)
    {
        _searchFailures = 0;
        if (_catchUpFromMicros is not { } from)
            return;
        if (pass == 1)
        {
            Timers.StartSingleTimer("second-pass", new SearchStore(2), _catchUp.SecondPass);
            // Counted from the first read's answer, which retries may have delayed.
            _catchUpUntil = DateTime.UtcNow + _catchUp.Period;
        }
        if (ids.Count >= _catchUp.MaxDialogIds)
            _log.Warning("Ledger {0}: the message store read was cut at {1} dialog ids; some dialogs may miss what their previous home received",
                PersistenceId, ids.Count);
        var found = 0;
        foreach (var (id, _) in ids)
            // The second pass wakes only what the first did not find; those the first found read the store again themselves.
            if (_runtime!.Extractor.ShardOf(id) == _shardId && _found.Add(id))
            {
                _region!.Tell(new LedgerCommands.WakeDialog(id, from));
                found++;
            }
        var since = DateTime.UnixEpoch.AddTicks(from * 10);
        if (pass != 1)
        {
            if (found > 0)
                _log.Warning("Ledger {0}: the second message store read found {1} more dialogs of this shard with messages since {2:O}",
                    PersistenceId, found, since);
            return;
        }
        var woken = 0;
        if (_afterCrash)
        {
            // Every live dialog restarts now: its row may have been lost with the crashed node's row writer.
            foreach (var callId in _dialogs.Keys)
                if (!_found.Contains(callId))
                {
                    _region!.Tell(new LedgerCommands.WakeDialog(callId));
                    woken++;
                }
            if (found + woken > 0)
                _log.Warning("Ledger {0}: {1} dialogs of this shard have stored messages since {2:O} and catch up from the store; {3} more it holds restart",
                    PersistenceId, found, since, woken);
        }
        else if (found > 0)
            _log.Info("Ledger {0}: after a hand-off {1} dialogs of this shard with stored messages since {2:O} catch up from the store",
                PersistenceId, found, since);
        _answering = true;
        Stash.UnstashAll();
    }

    /// <summary>During the catch-up period, a restoring dialog the store read found catches up (all of them if it failed).</summary>
    private long? CatchUpFor(string callId)
    {
        if (_catchUpFromMicros is not { } from)
            return null;
        if (DateTime.UtcNow > _catchUpUntil)
        {
            _catchUpFromMicros = null;
            _found.Clear();
            return null;
        }
        // Only the Call-IDs the window holds: a call that starts now reads nothing from the store.
        return _found.Contains(callId) ? from : null;
    }

    private void ScheduleRead()
    {
        if (_readInFlight || _readScheduled || _readRequests.Count == 0)
            return;
        _readScheduled = true;
        Timers.StartSingleTimer(ReadBatch.Instance, ReadBatch.Instance, ReadGather);
    }

    /// <summary>One read (in chunks of <see cref="CatchUpSettings.DialogsPerRead"/> dialogs) for every dialog that asked.</summary>
    private void StartRead()
    {
        if (_readInFlight || _readRequests.Count == 0)
            return;
        if (_runtime?.History is not { } history)
        {
            _readRequests.Clear();
            return;
        }
        var requests = _readRequests.ToArray();
        _readRequests.Clear();
        _readInFlight = true;
        var ids = requests.Select(r => r.CallId).Distinct(StringComparer.Ordinal).ToArray();
        var from = requests.Min(r => r.FromMicros);
        var perRead = Math.Max(1, _catchUp.DialogsPerRead);
        var limitPerDialog = _catchUp.MaxMessagesPerDialog;
        ReadChunks(history, ids, from, perRead, limitPerDialog).PipeTo(Self,
            success: messages => new BatchRead(requests, messages, null),
            failure: e => new BatchRead(requests, null, e));
    }

    private static async Task<IReadOnlyList<CapturedMessage>> ReadChunks(IDialogHistory history, string[] ids, long from, int perRead, int limitPerDialog)
    {
        if (ids.Length <= perRead)
            return await history.MessagesOfAsync(ids, from, (int)Math.Min(int.MaxValue, (long)limitPerDialog * ids.Length)).ConfigureAwait(false);
        var all = new List<CapturedMessage>();
        foreach (var chunk in ids.Chunk(perRead))
            all.AddRange(await history.MessagesOfAsync(chunk, from, (int)Math.Min(int.MaxValue, (long)limitPerDialog * chunk.Length)).ConfigureAwait(false));
        return all;
    }

    /// <summary>Each dialog that asked gets the messages of its Call-ID or correlation id captured from where it asked, oldest first.</summary>
    private void HandOut(BatchRead read)
    {
        _readInFlight = false;
        if (read.Messages is null)
        {
            _log.Warning(read.Cause, "Ledger {0}: reading the stored messages of {1} dialogs failed; they try again at their second pass",
                PersistenceId, read.Requests.Count);
            foreach (var r in read.Requests)
                r.ReplyTo.Tell(r.Failed(read.Cause!));
        }
        else
        {
            var byId = new Dictionary<string, List<CapturedMessage>>(StringComparer.Ordinal);
            foreach (var r in read.Requests)
                byId.TryAdd(r.CallId, []);
            foreach (var m in read.Messages.OrderBy(m => m.TimestampMicros))
            {
                if (m.CallId is { } callId && byId.TryGetValue(callId, out var own))
                    own.Add(m);
                if (m.CorrelationId is { } correlation && correlation != m.CallId && byId.TryGetValue(correlation, out var correlated))
                    correlated.Add(m);
            }
            foreach (var r in read.Requests)
            {
                var own = byId[r.CallId];
                var from = r.FromMicros;
                var mine = own.Count > 0 && own[0].TimestampMicros >= from ? own : own.Where(m => m.TimestampMicros >= from).ToList();
                if (mine.Count > _catchUp.MaxMessagesPerDialog)
                    mine = mine.Take(_catchUp.MaxMessagesPerDialog).ToList();
                r.ReplyTo.Tell(r.Read(mine));
            }
        }
        ScheduleRead();
    }

    private void Hold(string callId, IActorRef host)
    {
        if (_live.TryGetValue(callId, out var before))
        {
            if (before.Equals(host))
                return;
            Drop(before);
        }
        _live[callId] = host;
        if (_liveHosts.TryGetValue(host, out var count))
            _liveHosts[host] = count + 1;
        else
        {
            _liveHosts[host] = 1;
            Context.Watch(host);
        }
    }

    private void Release(string callId)
    {
        if (!_live.Remove(callId, out var host))
            return;
        Drop(host);
        ReleasedOne();
    }

    /// <summary>The actor that hosted dialogs stopped: none of them will send a last word.</summary>
    private void ReleaseAll(IActorRef host)
    {
        if (!_liveHosts.Remove(host))
            return;
        foreach (var callId in _live.Where(l => l.Value.Equals(host)).Select(l => l.Key).ToList())
            _live.Remove(callId);
        ReleasedOne();
    }

    private void Drop(IActorRef host)
    {
        if (!_liveHosts.TryGetValue(host, out var count))
            return;
        if (count > 1)
            _liveHosts[host] = count - 1;
        else
        {
            _liveHosts.Remove(host);
            Context.Unwatch(host);
        }
    }

    private void ReleasedOne()
    {
        // A Terminated can overtake a dialog's last checkpoint, which is already in the mailbox: finishing through the
        // mailbox lets that checkpoint in first.
        if (_stopping && _live.Count == 0)
            Self.Tell(FinishStop.Instance);
    }

    private void Enqueue(string callId, DialogState? state)
    {
        _pending[callId] = state;
        if (_pending.Count >= _settings.MaxBatch)
            PersistPending();
        else if (_pending.Count == 1)
            Timers.StartSingleTimer(Flush.Instance, Flush.Instance, _settings.FlushDelay);
    }

    /// <summary>The pending changes as one event, stamped now; null when there are none.</summary>
    private LedgerEvents.Batch? TakePending()
    {
        Timers.Cancel(Flush.Instance);
        if (_pending.Count == 0)
            return null;
        var checkpointed = new List<DialogState>(_pending.Count);
        var retired = new List<string>();
        foreach (var (callId, state) in _pending)
            if (state is null)
                retired.Add(callId);
            else
                checkpointed.Add(state);
        _pending.Clear();
        _eventsSinceSnapshot += checkpointed.Count + retired.Count;
        ChangesWritten.Inc(checkpointed.Count + retired.Count);
        RowsWritten.Inc();
        return new LedgerEvents.Batch(checkpointed, retired, NowMicros());
    }

    private void PersistPending()
    {
        if (TakePending() is not { } batch)
            return;
        PersistAsync(batch, _ =>
        {
            if (_eventsSinceSnapshot >= _settings.SnapshotEvery && !_snapshotInFlight)
                TakeSnapshot();
        });
    }

    private void TakeSnapshot(bool closed = false)
    {
        _eventsSinceSnapshot = 0;
        _snapshotInFlight = true;
        SaveSnapshot(new LedgerEvents.LedgerSnapshot(_dialogs.Values.ToArray(), closed, closed ? _handOffStartedMicros : NowMicros()));
    }

    private void Stop()
    {
        // Hand-off or shutdown: write what is pending and that the ledger was closed (so the next home knows there is
        // nothing to catch up), then fold it into a snapshot so the next home recovers from one read, not a replay.
        object[] pending = TakePending() is { } batch
            ? [batch, new LedgerEvents.Closed(_handOffStartedMicros)]
            : [new LedgerEvents.Closed(_handOffStartedMicros)];
        PersistAll(pending, e =>
        {
            if (ReferenceEquals(e, pending[^1]))
                TakeSnapshot(closed: true);
        });
    }
}

public sealed record LedgerSettings
{
    public static LedgerSettings Default { get; } = new();

    /// <summary>
    /// How long checkpoints gather before they are written as one journal row. What a crash loses in this time the
    /// dialogs catch up from the message store (ADR 0004), so it is about how many rows the journal takes, not safety:
    /// at most (shards on the node) / FlushDelay rows per second. Keep it with the checkpoint delay well below the
    /// recovery margin.
    /// </summary>
    public TimeSpan FlushDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Dialogs changed (checkpointed or retired) since the last flush that write at once.</summary>
    public int MaxBatch { get; init; } = 2_000;
    /// <summary>Dialog changes written before the ledger folds them into a snapshot and deletes its journal.</summary>
    public long SnapshotEvery { get; init; } = 5_000;
}
