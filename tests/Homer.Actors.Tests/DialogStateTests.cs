using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Tests;

public sealed class DialogStateTests
{
    private static DialogCommands.RecordSipMessage Message(long ts, string? method = "INVITE", int status = 0) =>
        new("call-1", ts, method, status, 1, "INVITE", "a", null);

    [Fact]
    public void Counts_messages_and_keeps_true_first_and_last_times_even_out_of_order()
    {
        var state = DialogState.Empty("call-1")
            .Record(Message(2_000))
            .Record(Message(1_000, null, 100))
            .Record(Message(5_000, null, 200))
            .Record(Message(3_000, "ACK"));

        Assert.Equal(4, state.MessageCount);
        Assert.Equal(1_000, state.FirstSeenMicros);
        Assert.Equal(5_000, state.LastSeenMicros);
    }

    [Fact]
    public void Recovering_from_the_newest_progress_event_restores_the_same_state()
    {
        var live = DialogState.Empty("call-1").Record(Message(10)).Record(Message(30)).Record(Message(20));
        var recovered = DialogState.Empty("call-1").Apply(DialogState.Empty("call-1").Record(Message(10)).Progress()).Apply(live.Progress());
        Assert.Equal(live, recovered);
        Assert.Equal(new DialogQueries.DialogSnapshot("call-1", 3, 10, 30), recovered.ToSnapshot());
    }

    [Fact]
    public void An_empty_dialog_does_not_exist()
    {
        Assert.False(DialogState.Empty("x").ToSnapshot().Exists);
        Assert.True(DialogState.Empty("x").Record(Message(1)).ToSnapshot().Exists);
    }
}
