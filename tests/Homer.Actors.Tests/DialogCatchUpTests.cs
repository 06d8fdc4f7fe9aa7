using System.Net;
using System.Text;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Hep;
using Homer.Storage;

namespace Homer.Actors.Tests;

/// <summary>
/// The catch-up after a crash without an ActorSystem: a dialog that applied part of a call live, then reads the whole
/// call back from the store (as the store keeps it), ends exactly where one that saw every message once would.
/// </summary>
public sealed class DialogCatchUpTests
{
    private static readonly DialogSettings Settings = DialogSettings.Default;
    private static readonly TimeSpan Window = Settings.AppliedKeyWindow;

    /// <summary>What the actor does with a live message, or with a stored one when <paramref name="fromStore"/>.</summary>
    private static DialogState Apply(DialogState state, IWithCallId command, bool fromStore = false)
    {
        var (key, micros) = MessageKeys.Of(command);
        if (fromStore ? !DialogCatchUp.IsNew(state, micros, key, Window) : state.HasApplied(key))
            return state;
        return state.Decide(command, Settings, new AppliedMessage(micros, key), Window).State;
    }

    private static DialogState CatchUp(DialogState state, string callId, IEnumerable<CapturedMessage> stored)
    {
        foreach (var message in stored)
            foreach (var command in DialogCatchUp.CommandsFor(callId, message))
                state = Apply(state, command, fromStore: true);
        return state;
    }

    [Fact]
    public void A_message_has_the_same_key_live_and_read_back_from_the_store_and_every_message_of_a_call_its_own()
    {
        var items = SipFixture.Load("success.sip", "keys-1");
        var live = items.Select(i => MessageKeys.Of(i.Command)).ToArray();
        var stored = items.Select(i => MessageKeys.Of(Assert.Single(DialogCatchUp.CommandsFor("keys-1", i.Captured)))).ToArray();
        Assert.Equal(live, stored.Select(s => s.Key));
        // The two retransmissions are other packets: other keys.
        Assert.Equal(items.Count, live.Distinct().Count());
        // Another capture agent's copy of a packet is another message (counted, as live).
        Assert.NotEqual(live[0], MessageKeys.Of(items[0].Command with { NodeName = "other-agent" }));
    }

    [Fact]
    public void A_dialog_that_applied_part_of_a_call_and_reads_all_of_it_back_counts_every_message_once()
    {
        var items = SipFixture.Load("success.sip", "exact-1");
        var once = items.Aggregate(DialogState.Empty("exact-1"), (s, i) => Apply(s, i.Command));

        // The crashed node checkpointed 7; the last 2 reached only the store. The catch-up reads from the watermark
        // less the key window: all 9, 7 of which it skips.
        var checkpoint = items.Take(7).Aggregate(DialogState.Empty("exact-1"), (s, i) => Apply(s, i.Command));
        var from = DialogCatchUp.ReadFrom(checkpoint, ledgerFromMicros: long.MaxValue, Window);
        var stored = items.Select(i => i.Captured).Where(c => c.TimestampMicros >= from).ToArray();
        Assert.Equal(items.Count, stored.Length);
        var recovered = CatchUp(checkpoint, "exact-1", stored);

        Assert.Equal((DialogStatus.Completed, 9L, 2L), (recovered.State, recovered.MessageCount, recovered.Retransmissions));
        Assert.Equal(Summary(once), Summary(recovered));

        // Live copies of what it read (held by the ingest node during the outage, released after) change nothing,
        // and a second read of the store neither.
        var again = items.Aggregate(recovered, (s, i) => Apply(s, i.Command));
        again = CatchUp(again, "exact-1", stored);
        Assert.Equal(Summary(once), Summary(again));
        Assert.Equal(recovered.Revision, again.Revision);
    }

    [Fact]
    public void A_call_the_ledger_never_heard_of_is_built_whole_from_the_store()
    {
        var items = SipFixture.Load("success.sip", "unknown-1");
        // Its first messages may be older than the ledger's window: a dialog the ledger never heard of reads back a key window more.
        var windowStart = items[3].Captured.TimestampMicros;
        var from = DialogCatchUp.ReadFrom(DialogState.Empty("unknown-1"), windowStart, Window);
        Assert.Equal(windowStart - (long)Window.TotalMicroseconds, from);
        Assert.All(items, i => Assert.True(i.Captured.TimestampMicros >= from));
        var recovered = CatchUp(DialogState.Empty("unknown-1"), "unknown-1", items.Select(i => i.Captured));
        var once = items.Aggregate(DialogState.Empty("unknown-1"), (s, i) => Apply(s, i.Command));
        Assert.Equal(Summary(once), Summary(recovered));
    }

    [Fact]
    public void Stored_messages_of_other_dialogs_QoS_and_logs_by_correlation_id_and_unparsable_SIP_are_told_apart()
    {
        var items = SipFixture.Load("success.sip", "mine");
        Assert.Empty(DialogCatchUp.CommandsFor("someone-else", items[0].Captured));
        Assert.Empty(DialogCatchUp.CommandsFor("mine", items[0].Captured with { ParseError = "truncated" }));

        var log = SipFixture.Correlated(HepProtocolType.Log, "mine", "kamailio: routed to gw2\r\n");
        var attach = Assert.IsType<DialogCommands.AttachLog>(Assert.Single(DialogCatchUp.CommandsFor("mine", log)));
        Assert.Equal("kamailio: routed to gw2", attach.Entry.Text);
        Assert.Empty(DialogCatchUp.CommandsFor("other", log));

        var xr = SipFixture.Correlated(HepProtocolType.RtcpXr, "mine", "VQSessionReport: CallTerm\r\nCallID: mine\r\nLocalMetrics:\r\nQualityEst: MOSLQ=4.1 MOSCQ=4.0\r\n");
        var qos = Assert.IsType<DialogCommands.AttachQos>(Assert.Single(DialogCatchUp.CommandsFor("mine", xr)));
        Assert.Equal(4.1, qos.Report.MosLq);

        // A report read twice attaches once: MOS statistics stay exact too.
        var state = Apply(DialogState.Empty("mine"), qos);
        state = CatchUp(state, "mine", [xr, log, log]);
        Assert.Equal((1, 1), (state.QosReports.Count, state.Logs.Count));
        Assert.Equal(1, state.MosCount);
    }

    [Fact]
    public void Keys_are_kept_for_the_key_window_behind_the_newest_message_and_bounded_in_number()
    {
        var micros = 1_000_000_000_000L;
        var window = TimeSpan.FromSeconds(10);
        var state = DialogState.Empty("k")
            .Remember(new AppliedMessage(micros, 1), window)
            .Remember(new AppliedMessage(micros + 9_000_000, 2), window);
        Assert.True(state.HasApplied(1));
        state = state.Remember(new AppliedMessage(micros + 11_000_000, 3), window);
        Assert.False(state.HasApplied(1));
        Assert.True(state.HasApplied(2) && state.HasApplied(3));
        Assert.Equal(micros + 11_000_000, state.AppliedThroughMicros);
        // A late message does not move the watermark back.
        state = state.Remember(new AppliedMessage(micros + 5_000_000, 4), window);
        Assert.Equal(micros + 11_000_000, state.AppliedThroughMicros);

        // Older than the window: a stored message cannot be told from one applied and forgotten, so it is skipped.
        Assert.False(DialogCatchUp.IsNew(state, micros, 99, window));
        Assert.True(DialogCatchUp.IsNew(state, micros + 2_000_000, 99, window));
        Assert.False(DialogCatchUp.IsNew(state, micros + 11_000_000, 3, window));

        var storm = Enumerable.Range(0, DialogState.MaxApplied + 50)
            .Aggregate(DialogState.Empty("storm"), (s, i) => s.Remember(new AppliedMessage(micros + i, i), window));
        Assert.Equal(DialogState.MaxApplied, storm.Applied.Count);
        Assert.True(storm.HasApplied(DialogState.MaxApplied + 49));
        Assert.False(storm.HasApplied(0));
    }

    [Fact]
    public void A_checkpoint_from_before_applied_keys_existed_only_takes_what_is_newer_than_its_last_message()
    {
        var items = SipFixture.Load("success.sip", "legacy-1");
        var legacy = items.Take(7).Aggregate(DialogState.Empty("legacy-1"), (s, i) => s.ApplyAll(s.Process(i.Command, Settings)));
        Assert.Equal(0, legacy.AppliedThroughMicros);
        Assert.Equal(legacy.LastSeenMicros + 1, DialogCatchUp.ReadFrom(legacy, 0, Window));
        var recovered = CatchUp(legacy, "legacy-1", items.Select(i => i.Captured));
        Assert.Equal((DialogStatus.Completed, 9L), (recovered.State, recovered.MessageCount));
    }

    [Fact]
    public void A_dialog_that_applied_the_hang_up_live_before_its_catch_up_still_ends_with_every_timing()
    {
        // The ledger of a crashed node had persisted nothing of this call (it died within the checkpoint delay), so
        // the dialog started empty on the new home with the live BYE and 200 and only then read the rest back.
        var items = SipFixture.Load("success.sip", "late-1");
        var once = items.Aggregate(DialogState.Empty("late-1"), (s, i) => Apply(s, i.Command));
        var restored = DialogState.Empty("late-1");
        var liveFirst = items.Skip(7).Aggregate(restored, (s, i) => Apply(s, i.Command));

        // Applying the older stored messages on top of the newer live ones loses the answer: states only move forward.
        var onTop = CatchUp(liveFirst, "late-1", items.Select(i => i.Captured));
        Assert.Null(onTop.AnsweredMicros);

        // So the actor starts again from what it restored (keeping the revision growing) and reads everything back in
        // capture order, the live messages among them; their live copies, applied again, change nothing.
        var recovered = CatchUp(restored with { Revision = liveFirst.Revision }, "late-1", items.Select(i => i.Captured));
        recovered = items.Skip(7).Aggregate(recovered, (s, i) => Apply(s, i.Command));
        Assert.Equal(Summary(once), Summary(recovered));
        Assert.Equal((once.SetupMs, once.DurationMs, once.PddMs), (recovered.SetupMs, recovered.DurationMs, recovered.PddMs));
        Assert.True(recovered.Revision > liveFirst.Revision);
    }

    [Theory]
    [InlineData("success.sip")]
    [InlineData("auth-407-then-200.sip")]
    [InlineData("busy-486.sip")]
    [InlineData("cancel.sip")]
    [InlineData("reinvite.sip")]
    [InlineData("register-401.sip")]
    [InlineData("options.sip")]
    public void Deciding_on_one_copy_is_applying_event_by_event_then_remembering(string fixture)
    {
        var combined = DialogState.Empty("one-step");
        var stepwise = combined;
        foreach (var command in SipFixture.Commands(fixture))
        {
            var (key, micros) = MessageKeys.Of((IWithCallId)command);
            var before = combined;
            var beforeSummary = Summary(before);
            var (events, after) = combined.Decide(command, Settings, new AppliedMessage(micros, key), Window);
            // The decision evolves its own copy in place; the state it started from is left as it was.
            Assert.Equal(beforeSummary, Summary(before));
            Assert.Equal(Summary(stepwise), beforeSummary);
            // Records holding arrays compare them by reference: their printed form is what is compared.
            Assert.Equal(stepwise.Process(command, Settings).Select(e => e.ToString()), events.Select(e => e.ToString()));
            combined = after;
            if (events.Count == 0)
                continue;
            var revision = stepwise.Revision;
            stepwise = events.Aggregate(stepwise, (s, e) => s.Apply(e)) with { Revision = revision + 1 };
            stepwise = stepwise.Remember(new AppliedMessage(micros, key), Window);
        }
        Assert.True(combined.MessageCount > 0);
        Assert.Equal(stepwise.Revision, combined.Revision);
        Assert.Equal(Summary(stepwise), Summary(combined));
        Assert.Equal(stepwise.Applied, combined.Applied);
        Assert.Equal(stepwise.ToSnapshot() with { Transactions = [], Legs = [], QosReports = [], Logs = [] },
            combined.ToSnapshot() with { Transactions = [], Legs = [], QosReports = [], Logs = [] });
    }

    private static object Summary(DialogState s) => new
    {
        s.State, s.Kind, s.MessageCount, s.Retransmissions, s.StartedMicros, s.AnsweredMicros, s.EndedMicros, s.RingingMicros,
        s.FinalStatus, s.HangupBy, Transactions = string.Join(";", s.Transactions.Select(t => $"{t.Key}/{t.Requests}/{t.Responses}/{t.State}")),
        s.AppliedThroughMicros, Keys = string.Join(",", s.Applied.Select(a => a.Key).Order()),
    };
}

public sealed class SharedDialogHistoryTests
{
    private sealed class Recording : IDialogHistory
    {
        public List<long> Asked { get; } = [];

        public Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default)
        {
            Asked.Add(fromMicros);
            // One id last seen where the window starts, one 5 s later.
            return Task.FromResult<IReadOnlyList<DialogActivity>>([new($"at-{fromMicros}", fromMicros), new($"after-{fromMicros}", fromMicros + 5_000_000)]);
        }

        public List<(long From, long To)> AskedBetween { get; } = [];

        public Task<IReadOnlyList<DialogActivity>> DialogIdsBetweenAsync(long fromMicros, long toMicros, int limit, CancellationToken ct = default)
        {
            AskedBetween.Add((fromMicros, toMicros));
            // One call from the window's start on, one that began 1 s before the window's end, one that began after it.
            return Task.FromResult<IReadOnlyList<DialogActivity>>(
            [
                new("early", fromMicros + 1) { FirstMicros = fromMicros },
                new("late", toMicros) { FirstMicros = toMicros - 3_000_000 },
                new("new", toMicros) { FirstMicros = toMicros - 1_000_000 },
            ]);
        }

        public Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<CapturedMessage>>([]);
    }

    [Fact]
    public async Task Closed_windows_of_ledgers_opening_a_moment_apart_share_one_read_cut_to_each_window()
    {
        var store = new Recording();
        var shared = new SharedDialogHistory(store);
        const long t = 1_764_000_000_000_000;
        var reuse = (long)SharedDialogHistory.Reuse.TotalMicroseconds;
        // The first ledger's window is read Reuse longer than asked: "new" began after the window it asked for.
        Assert.Equal(["early", "late"], Ids(await shared.DialogIdsBetweenAsync(t, t + 10_000_000, 100)));
        Assert.Equal([(t, t + 10_000_000 + reuse)], store.AskedBetween);
        // A ledger that opened a second later shares that read: its window holds "new" too, and not "early", whose
        // messages all came before it.
        Assert.Equal(["late", "new"], Ids(await shared.DialogIdsBetweenAsync(t + 500_000, t + 10_000_000 + reuse, 100)));
        Assert.Single(store.AskedBetween);
        // One whose window ends past the read does not.
        await shared.DialogIdsBetweenAsync(t, t + 10_000_000 + reuse + 1, 100);
        Assert.Equal(2, store.AskedBetween.Count);
    }

    [Fact]
    public async Task Ledgers_asking_for_nearly_the_same_window_at_once_share_one_read_and_never_a_narrower_one()
    {
        var store = new Recording();
        var shared = new SharedDialogHistory(store);
        const long t = 1_764_000_000_000_000;
        Assert.Equal(["at-" + t, "after-" + t], Ids(await shared.DialogIdsSinceAsync(t, 100)));
        // Starts a little later: the wider read already covers it, cut to its own window.
        Assert.Equal(["after-" + t], Ids(await shared.DialogIdsSinceAsync(t + 3_000_000, 100)));
        // Starts earlier: the read so far does not cover it.
        Assert.Equal(["at-" + (t - 1), "after-" + (t - 1)], Ids(await shared.DialogIdsSinceAsync(t - 1, 100)));
        // Far later: its own read, not a window much wider than asked.
        var far = t - 1 + (long)SharedDialogHistory.Slack.TotalMicroseconds + 1;
        Assert.Equal(["at-" + far, "after-" + far], Ids(await shared.DialogIdsSinceAsync(far, 100)));
        // A larger limit is not served from a smaller one.
        await shared.DialogIdsSinceAsync(far, 1000);
        Assert.Equal([t, t - 1, far, far], store.Asked);
    }

    private static string[] Ids(IReadOnlyList<DialogActivity> found) => found.Select(a => a.Id).ToArray();
}

public sealed class DialogReadQueueTests
{
    /// <summary>A store whose reads wait until the test lets them go, counting how many run at once.</summary>
    private sealed class Gated : IDialogHistory
    {
        private int _running;
        private int _most;
        private int _started;
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Most => Volatile.Read(ref _most);
        public int Started => Volatile.Read(ref _started);

        private async Task<T> Read<T>(T result)
        {
            Interlocked.Increment(ref _started);
            var now = Interlocked.Increment(ref _running);
            int most;
            while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
            {
            }
            await Release.Task;
            Interlocked.Decrement(ref _running);
            return result;
        }

        public Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default) =>
            Read<IReadOnlyList<DialogActivity>>([]);

        public Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default) =>
            Read<IReadOnlyList<CapturedMessage>>([]);

        public Task<IReadOnlyList<CapturedMessage>> MessagesOfAsync(IReadOnlyCollection<string> dialogIds, long fromMicros, int limit,
            CancellationToken ct = default) =>
            Read<IReadOnlyList<CapturedMessage>>([]);
    }

    [Fact]
    public async Task However_many_shards_ask_at_most_the_configured_reads_run_at_once()
    {
        var store = new Gated();
        using var queue = new DialogReadQueue(store, concurrency: 2);
        var reads = Enumerable.Range(0, 8).Select(i => (Task)queue.MessagesOfAsync([$"call-{i}"], 0, 100)).ToList();
        reads.Add(queue.DialogIdsBetweenAsync(0, 1, 100));
        await Task.Delay(200);
        Assert.Equal(2, store.Started);
        store.Release.SetResult();
        await Task.WhenAll(reads);
        Assert.Equal(9, store.Started);
        Assert.Equal(2, store.Most);
    }

    [Fact]
    public async Task Reads_wait_while_ingest_is_behind_and_go_once_it_has_caught_up()
    {
        var store = new Gated();
        store.Release.SetResult();
        var behind = true;
        using var queue = new DialogReadQueue(store, concurrency: 2, () => Volatile.Read(ref behind), TimeSpan.FromMinutes(5));
        var read = queue.MessagesOfAsync(["call"], 0, 100);
        await Task.Delay(300);
        Assert.Equal(0, store.Started);
        Volatile.Write(ref behind, false);
        await read.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, store.Started);
    }

    [Fact]
    public async Task A_read_never_waits_for_ingest_longer_than_its_bound()
    {
        var store = new Gated();
        store.Release.SetResult();
        using var queue = new DialogReadQueue(store, concurrency: 1, () => true, TimeSpan.FromMilliseconds(100));
        await queue.MessagesOfAsync(["call"], 0, 100).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, store.Started);
    }
}
