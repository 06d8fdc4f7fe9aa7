using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Homer.Actors.Contracts;

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

    /// <summary>The dialog ended and passivated: it leaves the ledger (its summary is in the dialogs table).</summary>
    public sealed record Retire(string ShardId, string CallId) : IWithLedgerShard, IHomerSerializable;

    /// <summary>Asked by a dialog entity when it starts; answered with <see cref="Restored"/>.</summary>
    public sealed record Restore(string ShardId, string CallId) : IWithLedgerShard, IHomerSerializable;

    public sealed record Restored(string CallId, DialogState? State) : IHomerSerializable;
}

public static class LedgerEvents
{
    public sealed record Checkpointed(DialogState State) : IHomerSerializable;

    public sealed record Retired(string CallId) : IHomerSerializable;

    /// <summary>Every live dialog of the shard; the journal before it is deleted.</summary>
    public sealed record LedgerSnapshot(IReadOnlyList<DialogState> Dialogs) : IHomerSerializable;
}

/// <summary>
/// The persistent ledger of one dialog shard, living in that shard (entity id <see cref="EntityIdOf"/>), so it moves
/// with its dialogs. Dialog entities are not persistent themselves: starting a persistent entity costs about 1 ms of
/// CPU (DESIGN.md), too much for ~3 000 new calls/s, while a few hundred ledgers write batched checkpoints cheaply.
/// Checkpoints are persisted in batches (PersistAllAsync) and folded into a snapshot every
/// <see cref="LedgerSettings.SnapshotEvery"/> events; a moved shard's dialogs restore from it on their next message.
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

    private static readonly TimeSpan MaxHandOffWait = TimeSpan.FromSeconds(5);

    private readonly LedgerSettings _settings;
    private readonly IActorRef? _region;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, DialogState> _dialogs = new(StringComparer.Ordinal);
    private readonly List<object> _pending = [];
    /// <summary>Dialogs of this shard that restored from this ledger and are alive: a hand-off waits for their last checkpoint.</summary>
    private readonly Dictionary<IActorRef, string> _live = [];
    private long _eventsSinceSnapshot;
    private bool _stopping;
    private bool _snapshotInFlight;

    public override string PersistenceId { get; }
    public ITimerScheduler Timers { get; set; } = null!;

    public static string EntityIdOf(string shardId) => EntityPrefix + shardId;

    public static Props Props(string shardId, LedgerSettings settings, IActorRef? region) =>
        Akka.Actor.Props.Create(() => new DialogLedger(shardId, settings, region));

    public DialogLedger(string shardId, LedgerSettings settings, IActorRef? region)
    {
        PersistenceId = "dialog-ledger-" + shardId;
        _settings = settings;
        _region = region;

        Recover<LedgerEvents.Checkpointed>(e => _dialogs[e.State.CallId] = e.State);
        Recover<LedgerEvents.Retired>(e => _dialogs.Remove(e.CallId));
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not LedgerEvents.LedgerSnapshot snapshot)
                return;
            _dialogs.Clear();
            foreach (var dialog in snapshot.Dialogs)
                _dialogs[dialog.CallId] = dialog;
        });
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<LedgerCommands.Checkpoint>(c =>
        {
            // Checkpoints come through the region, the last one of a stopping dialog directly: it may overtake.
            if (!_dialogs.TryGetValue(c.State.CallId, out var known) || known.Revision <= c.State.Revision)
            {
                _dialogs[c.State.CallId] = c.State;
                Enqueue(new LedgerEvents.Checkpointed(c.State));
            }
            if (c.Final)
                Release(Sender);
        });
        Command<LedgerCommands.Retire>(r =>
        {
            if (_dialogs.Remove(r.CallId))
                Enqueue(new LedgerEvents.Retired(r.CallId));
            Release(Sender);
        });
        Command<LedgerCommands.Restore>(r =>
        {
            if (!Sender.IsNobody() && _live.TryAdd(Sender, r.CallId))
                Context.Watch(Sender);
            Sender.Tell(new LedgerCommands.Restored(r.CallId, _dialogs.GetValueOrDefault(r.CallId)));
        });
        Command<Terminated>(t => Release(t.ActorRef));
        Command<Flush>(_ => PersistPending());
        Command<DialogCommands.StopDialog>(_ =>
        {
            // The shard stops all its entities at once: wait for the dialogs' last checkpoints before the snapshot.
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

    private void OnRecovered()
    {
        if (_dialogs.Count > 0)
            _log.Info("Ledger {0} recovered {1} live dialogs", PersistenceId, _dialogs.Count);
        // The media index is memory only: after a move, tell it again where this shard's calls have their media.
        if (_region is null)
            return;
        foreach (var dialog in _dialogs.Values)
            foreach (var announce in MediaIndexCommands.AnnouncementsFor(dialog.CallId, dialog.MediaEndpoints))
                _region.Tell(announce);
    }

    private void Release(IActorRef dialog)
    {
        if (!_live.Remove(dialog))
            return;
        Context.Unwatch(dialog);
        // A Terminated can overtake the dialog's last checkpoint, which is already in the mailbox: finishing
        // through the mailbox lets that checkpoint in first.
        if (_stopping && _live.Count == 0)
            Self.Tell(FinishStop.Instance);
    }

    private void Enqueue(object e)
    {
        _pending.Add(e);
        if (_pending.Count >= _settings.MaxBatch)
            PersistPending();
        else if (_pending.Count == 1)
            Timers.StartSingleTimer(Flush.Instance, Flush.Instance, _settings.FlushDelay);
    }

    private void PersistPending()
    {
        Timers.Cancel(Flush.Instance);
        if (_pending.Count == 0)
            return;
        var batch = _pending.ToArray();
        _pending.Clear();
        _eventsSinceSnapshot += batch.Length;
        var last = batch[^1];
        PersistAllAsync(batch, e =>
        {
            if (!ReferenceEquals(e, last))
                return;
            if (_eventsSinceSnapshot >= _settings.SnapshotEvery && !_snapshotInFlight)
                TakeSnapshot();
        });
    }

    private void TakeSnapshot()
    {
        _eventsSinceSnapshot = 0;
        _snapshotInFlight = true;
        SaveSnapshot(new LedgerEvents.LedgerSnapshot(_dialogs.Values.ToArray()));
    }

    private void Stop()
    {
        // Hand-off or shutdown: write what is pending, then fold the ledger into a snapshot so the next home
        // recovers from one read instead of a long replay.
        var pending = _pending.ToArray();
        _pending.Clear();
        Timers.Cancel(Flush.Instance);
        if (pending.Length == 0)
        {
            TakeSnapshot();
            return;
        }
        PersistAll(pending, e =>
        {
            if (ReferenceEquals(e, pending[^1]))
                TakeSnapshot();
        });
    }
}

public sealed record LedgerSettings
{
    public static LedgerSettings Default { get; } = new();

    /// <summary>How long checkpoints gather before one PersistAll; bounds what a node crash can lose.</summary>
    public TimeSpan FlushDelay { get; init; } = TimeSpan.FromMilliseconds(20);
    public int MaxBatch { get; init; } = 500;
    public long SnapshotEvery { get; init; } = 5_000;
}
