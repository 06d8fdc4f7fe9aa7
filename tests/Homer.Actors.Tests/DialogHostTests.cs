using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Storage;

namespace Homer.Actors.Tests;

/// <summary>
/// The host of a shard's dialogs on its own, with probes for the region (so the ledger's answers are ours), the row
/// writer and the store. What runs through sharding and a real ledger is in <see cref="DialogRegionTests"/>.
/// </summary>
public sealed class DialogHostTests() : TestKit("akka.loglevel = WARNING")
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_dialog_that_fails_leaves_the_other_dialogs_of_its_host_untouched_and_starts_again_from_its_ledger()
    {
        var region = CreateTestProbe();
        var rows = CreateTestProbe();
        var host = Sys.ActorOf(DialogHost.Props(Runtime(region, rows, new StoreThatFailsFor("bad-call"))));
        var good = SipFixture.Commands("success.sip", "good-call");
        var bad = SipFixture.Commands("success.sip", "bad-call");

        host.Tell(good[0]);
        ExpectRestore(region, "good-call");
        region.Reply(new LedgerCommands.Restored("good-call", null));

        // The ledger says the store must be read first; the answer to the read breaks the dialog.
        host.Tell(bad[0]);
        ExpectRestore(region, "bad-call");
        region.Reply(new LedgerCommands.Restored("bad-call", null, CatchUpFromMicros: 0));
        var read = ExpectRead(region, "bad-call");
        EventFilter.Error(contains: "Dialog bad-call failed").ExpectOne(Wait, () => host.Tell(read.Read(null!)));

        foreach (var m in good.Skip(1))
            host.Tell(m);
        host.Tell(new DialogQueries.GetDialog("good-call"));
        var snapshot = ExpectMsg<DialogQueries.DialogSnapshot>(Wait);
        Assert.Equal(good.Count, snapshot.MessageCount);
        Assert.Equal(DialogStatus.Completed, snapshot.State);

        // The failed incarnation is gone. The INVITE that waited behind the failed restore is not lost: it starts the
        // next incarnation, which asks its ledger again.
        host.Tell(new DialogQueries.GetDialog("bad-call"));
        ExpectRestore(region, "bad-call");
        region.Reply(new LedgerCommands.Restored("bad-call", null));
        var again = ExpectMsg<DialogQueries.DialogSnapshot>(Wait);
        Assert.Equal(1, again.MessageCount);
        Assert.Equal(DialogStatus.Trying, again.State);
    }

    [Fact]
    public void Messages_wait_for_the_ledger_and_a_burst_is_one_checkpoint_and_one_row()
    {
        var region = CreateTestProbe();
        var rows = CreateTestProbe();
        var host = Sys.ActorOf(DialogHost.Props(Runtime(region, rows)));
        var call = SipFixture.Commands("success.sip", "burst-call");

        foreach (var m in call)
            host.Tell(m);
        host.Tell(new DialogQueries.GetDialog("burst-call"));
        region.ExpectMsg<LedgerCommands.Restore>(Wait);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        region.Reply(new LedgerCommands.Restored("burst-call", null));

        // Stashed until the ledger answered, then applied in their order, the query after them.
        Assert.Equal(call.Count, ExpectMsg<DialogQueries.DialogSnapshot>(Wait).MessageCount);
        var checkpoint = region.FishForMessage(m => m is LedgerCommands.Checkpoint, Wait);
        Assert.Equal(call.Count, ((LedgerCommands.Checkpoint)checkpoint).State.MessageCount);
        Assert.Equal(call.Count, rows.ExpectMsg<DialogRow>(Wait).MessageCount);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        rows.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void An_ended_dialog_retires_after_the_linger_and_a_later_message_starts_a_new_one()
    {
        var region = CreateTestProbe();
        var rows = CreateTestProbe();
        var host = Sys.ActorOf(DialogHost.Props(Runtime(region, rows, linger: TimeSpan.FromMilliseconds(300))));
        var call = SipFixture.Commands("success.sip", "linger-call");

        foreach (var m in call)
            host.Tell(m);
        region.ExpectMsg<LedgerCommands.Restore>(Wait);
        region.Reply(new LedgerCommands.Restored("linger-call", null));

        var retire = (LedgerCommands.Retire)region.FishForMessage(m => m is LedgerCommands.Retire, Wait);
        Assert.Equal("linger-call", retire.CallId);
        host.Tell(new DialogQueries.GetDialog("linger-call"));
        ExpectRestore(region, "linger-call");
    }

    [Fact]
    public void On_a_hand_off_every_dialog_gives_the_ledger_that_answered_it_its_last_word_and_the_host_stops()
    {
        var region = CreateTestProbe();
        var ledger = CreateTestProbe();
        var rows = CreateTestProbe();
        var host = Sys.ActorOf(DialogHost.Props(Runtime(region, rows, checkpointDelay: TimeSpan.FromMinutes(1))));
        Watch(host);
        string[] callIds = ["handoff-1", "handoff-2", "handoff-3"];
        foreach (var callId in callIds)
        {
            host.Tell(SipFixture.Commands("success.sip", callId)[0]);
            ExpectRestore(region, callId);
            // The ledger entity answers, not the region: the last word goes straight to it.
            host.Tell(new LedgerCommands.Restored(callId, null), ledger.Ref);
        }
        host.Tell(new DialogQueries.GetDialog(callIds[^1]));
        ExpectMsg<DialogQueries.DialogSnapshot>(Wait);

        host.Tell(DialogCommands.StopDialog.Instance);
        var last = Enumerable.Range(0, callIds.Length).Select(_ => ledger.ExpectMsg<LedgerCommands.Checkpoint>(Wait)).ToList();
        Assert.All(last, c => Assert.True(c.Final));
        Assert.Equal(callIds, last.Select(c => c.State.CallId).Order());
        ExpectTerminated(host, Wait);
    }

    [Fact]
    public void A_call_whose_catch_up_read_fails_keeps_its_dialog_and_catches_up_at_the_next_read()
    {
        // Issue 20, item 4: a call whose every message went to a node that died is woken by its ledger to catch up.
        // Its first read failed (a store overloaded by the recovery); it went on blank, met the wake again in its stash
        // and retired as "found nothing", cancelling its second read: the call never had a dialog.
        var region = CreateTestProbe();
        var rows = CreateTestProbe();
        var host = Sys.ActorOf(DialogHost.Props(Runtime(region, rows, new StoreThatFailsFor("nobody"), secondPass: TimeSpan.FromMilliseconds(300))));
        var stored = SipFixture.Load("success.sip", "woken-call", SipFixture.NowMicros());
        var from = stored[0].Captured.TimestampMicros - 1_000_000;

        host.Tell(new LedgerCommands.WakeDialog("woken-call", from));
        ExpectRestore(region, "woken-call");
        region.Reply(new LedgerCommands.Restored("woken-call", null, CatchUpFromMicros: from));
        var first = ExpectRead(region, "woken-call");
        host.Tell(first.Failed(new TimeoutException("the store did not answer")));

        // No retirement: the next read comes, and its answer makes the whole call.
        var second = (LedgerCommands.ReadMessages)region.FishForMessage(m => m is LedgerCommands.ReadMessages or LedgerCommands.Retire, Wait);
        Assert.Equal("woken-call", second.CallId);
        host.Tell(second.Read(stored.Select(i => i.Captured).ToArray()));
        host.Tell(new DialogQueries.GetDialog("woken-call"));
        var snapshot = ExpectMsg<DialogQueries.DialogSnapshot>(Wait);
        Assert.Equal((DialogStatus.Completed, 9L, 2L), (snapshot.State, snapshot.MessageCount, snapshot.Retransmissions));
    }

    [Fact]
    public void Live_messages_wait_in_order_up_to_a_bound_while_the_catch_up_is_pending_and_the_store_gives_the_rest()
    {
        var region = CreateTestProbe();
        var rows = CreateTestProbe();
        var host = Sys.ActorOf(DialogHost.Props(Runtime(region, rows, new StoreThatFailsFor("nobody"), secondPass: TimeSpan.FromMilliseconds(300),
            maxPendingLive: 3)));
        var call = SipFixture.Load("success.sip", "pending-call", SipFixture.NowMicros());
        var from = call[0].Captured.TimestampMicros - 1_000_000;

        host.Tell(call[0].Command);
        ExpectRestore(region, "pending-call");
        region.Reply(new LedgerCommands.Restored("pending-call", null, CatchUpFromMicros: from));
        var read = ExpectRead(region, "pending-call");
        // Ingest goes on while the read is pending: the dialog keeps three aside and drops the rest (all stored).
        var droppedBefore = HostedDialog.PendingDropped.Value;
        foreach (var m in call.Skip(1))
            host.Tell(m.Command);
        // The store had the first four when it was read; the ones kept aside follow in order, skipped when already applied.
        host.Tell(read.Read(call.Take(4).Select(i => i.Captured).ToArray()));
        host.Tell(new DialogQueries.GetDialog("pending-call"));
        Assert.Equal(4, ExpectMsg<DialogQueries.DialogSnapshot>(Wait).MessageCount);
        Assert.True(HostedDialog.PendingDropped.Value >= droppedBefore + 5, "the five past the bound were not dropped");
        // The second read brings what was dropped.
        var second = ExpectRead(region, "pending-call");
        host.Tell(second.Read(call.Select(i => i.Captured).ToArray()));
        host.Tell(new DialogQueries.GetDialog("pending-call"));
        var snapshot = ExpectMsg<DialogQueries.DialogSnapshot>(Wait);
        Assert.Equal((DialogStatus.Completed, 9L, 2L), (snapshot.State, snapshot.MessageCount, snapshot.Retransmissions));
    }

    private static LedgerCommands.ReadMessages ExpectRead(TestProbe region, string callId)
    {
        var read = (LedgerCommands.ReadMessages)region.FishForMessage(m => m is LedgerCommands.ReadMessages, Wait);
        Assert.Equal(callId, read.CallId);
        return read;
    }

    /// <summary>The region also gets media announcements and checkpoints: the next restore request, skipping those.</summary>
    private static void ExpectRestore(TestProbe region, string callId) =>
        Assert.Equal(callId, ((LedgerCommands.Restore)region.FishForMessage(m => m is LedgerCommands.Restore, Wait)).CallId);

    private DialogRuntime Runtime(TestProbe region, TestProbe rows, IDialogHistory? history = null,
        TimeSpan? linger = null, TimeSpan? checkpointDelay = null, TimeSpan? secondPass = null, int maxPendingLive = 1_000) =>
        new(DialogSettings.Default with
            {
                Linger = linger ?? TimeSpan.FromSeconds(30),
                CheckpointDelay = checkpointDelay ?? TimeSpan.FromMilliseconds(100),
            },
            new DialogMessageExtractor(), () => region.Ref, rows.Ref, null, TimeSpan.FromSeconds(10))
        {
            History = history,
            CatchUp = CatchUpSettings.Default with
            {
                SecondPass = secondPass ?? CatchUpSettings.Default.SecondPass,
                MaxPendingLive = maxPendingLive,
            },
        };

    /// <summary>A message store whose read throws (synchronously, inside the dialog) for one Call-ID.</summary>
    private sealed class StoreThatFailsFor(string callId) : IDialogHistory
    {
        public Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<DialogActivity>>([]);

        public Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default) =>
            dialogId == callId
                ? throw new InvalidOperationException("a store read that throws")
                : Task.FromResult<IReadOnlyList<CapturedMessage>>([]);
    }
}
