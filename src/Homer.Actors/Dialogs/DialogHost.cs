using System.Globalization;
using Akka.Actor;
using Akka.Event;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>What a <see cref="HostedDialog"/> may ask of the actor that hosts it.</summary>
public interface IDialogHostContext
{
    IActorRef Self { get; }
    ILoggingAdapter Log { get; }

    /// <summary>Delivers <paramref name="due"/> to its dialog after <paramref name="delay"/>, replacing a running timer of the same kind.</summary>
    void StartTimer(HostedDialog.Due due, TimeSpan delay);

    void CancelTimer(HostedDialog.Due due);
}

/// <summary>
/// The one entity of a dialog shard that hosts the shard's dialogs (entity id <see cref="EntityIdOf"/>): every
/// message for a Call-ID of the shard reaches it, and it hands the message to that Call-ID's
/// <see cref="HostedDialog"/>, starting one when there is none. One actor per shard instead of one per call
/// (ADR 0005): starting, stopping and collecting an actor per call cost more than the call's own work, and a
/// lingering dialog is now a state in a dictionary rather than an actor with its mailbox and timers. Dialogs leave
/// the host when they retire; the host itself lives as long as its shard, and on a hand-off it gives each dialog's
/// last word to the shard's ledger before it stops.
/// </summary>
public sealed class DialogHost : UntypedActor, IWithTimers, IDialogHostContext
{
    public const string EntityPrefix = " dialogs ";

    private static readonly string[] EntityIds = Enumerable.Range(0, 1024)
        .Select(i => EntityPrefix + i.ToString(CultureInfo.InvariantCulture)).ToArray();

    private readonly DialogRuntime _runtime;
    private readonly Dictionary<string, HostedDialog> _dialogs = new(StringComparer.Ordinal);
    private readonly DialogTimers _timers = new();
    private ILoggingAdapter? _log;
    private bool _stopping;

    public DialogHost(DialogRuntime runtime) => _runtime = runtime;

    public ITimerScheduler Timers { get; set; } = null!;

    public ILoggingAdapter Log => _log ??= Context.GetLogger();

    IActorRef IDialogHostContext.Self => Self;

    public static Props Props(DialogRuntime runtime) => Akka.Actor.Props.Create(() => new DialogHost(runtime));

    /// <summary>The host's entity id for a shard id (the shard ids of <see cref="DialogMessageExtractor"/> are numbers).</summary>
    public static string EntityIdOf(string shardId) =>
        int.TryParse(shardId, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < EntityIds.Length
            ? EntityIds[n]
            : EntityPrefix + shardId;

    public void StartTimer(HostedDialog.Due due, TimeSpan delay)
    {
        if (_timers.Start(due, delay, DialogTimers.NowMs()) is { } wakeIn)
            Timers.StartSingleTimer(DialogTimers.Wake.Instance, DialogTimers.Wake.Instance, wakeIn);
    }

    public void CancelTimer(HostedDialog.Due due) => _timers.Cancel(due);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case IWithCallId m:
                Deliver(m.CallId, message, create: true);
                break;
            case DialogCommands.ShardBatch batch:
                foreach (var command in batch.Commands)
                    Deliver(command.CallId, command, create: true);
                break;
            case LedgerCommands.Restored r:
                Deliver(r.CallId, r, create: false);
                break;
            case DialogTimers.Wake:
                foreach (var (d, at) in _timers.TakeDue(DialogTimers.NowMs()))
                {
                    // An earlier dialog's run may have cancelled or moved this one's timer since it was taken.
                    if (_timers.Fire(d, at) && IsHere(d.Dialog))
                        Run(d.Dialog, d, ActorRefs.Nobody);
                }
                if (_timers.WakeIn(DialogTimers.NowMs()) is { } next)
                    Timers.StartSingleTimer(DialogTimers.Wake.Instance, DialogTimers.Wake.Instance, next);
                break;
            case HostedDialog.ToDialog t:
                if (IsHere(t.Dialog))
                    Run(t.Dialog, t.Message, Sender);
                break;
            case DialogCommands.StopDialog:
                // The shard hands over or the node shuts down: each dialog gives its ledger its last word.
                _stopping = true;
                foreach (var dialog in _dialogs.Values.ToList())
                    Run(dialog, message, Sender);
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop()
    {
        foreach (var dialog in _dialogs.Values)
        {
            dialog.InHost = false;
            Stats.ShardMetricsActor.DialogStopped();
        }
        _dialogs.Clear();
    }

    private static bool IsHere(HostedDialog dialog) => dialog.InHost;

    private void Deliver(string callId, object message, bool create) => Deliver(callId, message, Sender, create);

    private void Deliver(string callId, object message, IActorRef sender, bool create)
    {
        if (!_dialogs.TryGetValue(callId, out var dialog))
        {
            if (!create)
                return;
            dialog = new HostedDialog(callId, _runtime, this);
            _dialogs.Add(callId, dialog);
            dialog.InHost = true;
            Stats.ShardMetricsActor.DialogStarted();
        }
        Run(dialog, message, sender);
    }

    private void Run(HostedDialog dialog, object message, IActorRef sender)
    {
        try
        {
            dialog.Receive(message, sender);
            if (!dialog.Stopped)
                return;
        }
        catch (Exception e)
        {
            // What an actor per dialog got from its supervisor: this dialog starts again (restoring from the ledger on
            // its next message); its neighbours in the host are not disturbed.
            Log.Error(e, "Dialog {0} failed on {1}; it restarts from its ledger on its next message", dialog.CallId, message.GetType().Name);
        }
        _dialogs.Remove(dialog.CallId);
        dialog.InHost = false;
        foreach (var due in dialog.Timers)
            _timers.Cancel(due);
        Stats.ShardMetricsActor.DialogStopped();
        if (_stopping)
            return;
        // What waited behind the message that retired it starts the next incarnation, in its order.
        // Its own timers and store reads die with it.
        foreach (var (left, from) in dialog.TakeLeftovers())
            if (left is IWithCallId)
                Deliver(dialog.CallId, left, from, create: true);
    }
}
