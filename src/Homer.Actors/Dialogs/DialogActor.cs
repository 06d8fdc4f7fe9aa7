using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>
/// One entity per Call-ID. Applies messages in memory at once and persists a summary of the burst a moment later,
/// so a 7-message call costs a handful of journal writes, not seven.
/// </summary>
public sealed class DialogActor : ReceivePersistentActor, IWithTimers
{
    private sealed class FlushProgress
    {
        public static readonly FlushProgress Instance = new();
    }

    private readonly TimeSpan _flushDelay;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DialogState _state;
    private bool _dirty;

    public override string PersistenceId { get; }
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string callId, TimeSpan flushDelay) =>
        Akka.Actor.Props.Create(() => new DialogActor(callId, flushDelay));

    public DialogActor(string callId, TimeSpan flushDelay)
    {
        PersistenceId = "dialog-" + callId;
        _flushDelay = flushDelay;
        _state = DialogState.Empty(callId);

        Recover<DialogEvents.DialogProgressed>(e => _state = _state.Apply(e));
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is DialogEvents.DialogProgressed e)
                _state = _state.Apply(e);
        });

        Command<DialogCommands.RecordSipMessage>(message =>
        {
            _state = _state.Record(message);
            if (!_dirty)
            {
                _dirty = true;
                Timers.StartSingleTimer(FlushProgress.Instance, FlushProgress.Instance, _flushDelay);
            }
        });
        Command<FlushProgress>(_ => Flush());
        Command<DialogQueries.GetDialog>(_ =>
        {
            Sender.Tell(_state.ToSnapshot());
            // A query for an unknown Call-ID must not leave an empty entity behind.
            if (_state.MessageCount == 0)
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Command<DialogCommands.StopDialog>(_ =>
        {
            // Passivation and shard hand-off: write what is applied but not yet persisted, then stop.
            if (!_dirty)
            {
                Context.Stop(Self);
                return;
            }
            _dirty = false;
            Persist(_state.Progress(), _ => Context.Stop(Self));
        });
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Snapshot of {0} failed", PersistenceId));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning(f.Cause, "Journal cleanup of {0} failed", PersistenceId));
    }

    private void Flush()
    {
        if (!_dirty)
            return;
        _dirty = false;
        PersistAsync(_state.Progress(), e =>
        {
            // Keep replay short for long calls: every 100 summaries, fold them into a snapshot.
            if (LastSequenceNr % 100 == 0)
                SaveSnapshot(e);
        });
    }

}
