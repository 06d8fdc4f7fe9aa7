using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

public static class DialogEvents
{
    /// <summary>
    /// The dialog's counters as of now. Absolute values, not deltas: one event summarises a burst of messages,
    /// and recovery only needs the newest one.
    /// </summary>
    public sealed record DialogProgressed(long MessageCount, long FirstSeenMicros, long LastSeenMicros) : IHomerSerializable;
}

/// <summary>
/// Immutable state of one dialog. Decides what a command means (<see cref="Record"/>) and evolves by events
/// (<see cref="Apply"/>); the actor around it only persists, replies and passivates.
/// </summary>
public sealed record DialogState(string CallId, long MessageCount, long FirstSeenMicros, long LastSeenMicros)
{
    public static DialogState Empty(string callId) => new(callId, 0, 0, 0);

    public DialogState Record(DialogCommands.RecordSipMessage message)
    {
        var ts = message.TimestampMicros;
        return this with
        {
            MessageCount = MessageCount + 1,
            // Messages from several agents arrive out of order; keep the true bounds, not arrival order.
            FirstSeenMicros = MessageCount == 0 ? ts : Math.Min(FirstSeenMicros, ts),
            LastSeenMicros = MessageCount == 0 ? ts : Math.Max(LastSeenMicros, ts),
        };
    }

    public DialogEvents.DialogProgressed Progress() => new(MessageCount, FirstSeenMicros, LastSeenMicros);

    public DialogState Apply(DialogEvents.DialogProgressed e) =>
        this with { MessageCount = e.MessageCount, FirstSeenMicros = e.FirstSeenMicros, LastSeenMicros = e.LastSeenMicros };

    public DialogQueries.DialogSnapshot ToSnapshot() => new(CallId, MessageCount, FirstSeenMicros, LastSeenMicros);
}
