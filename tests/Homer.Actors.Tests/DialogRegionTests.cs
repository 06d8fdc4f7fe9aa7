using System.Net;
using System.Text;
using Akka.Actor;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Actors.Hosting;
using Homer.Storage;
using Homer.TestSupport;
using Npgsql;

namespace Homer.Actors.Tests;

/// <summary>Dialogs through the real shard region, ledger and journal on PostgreSQL, in a one-node cluster.</summary>
public sealed class DialogRegionTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        await DialogNode.MigrateAsync(_database.ConnectionString);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static IReadOnlyList<DialogCommands.RecordSipMessage> Call(string fixture, string callId) => SipFixture.Commands(fixture, callId);

    [Fact]
    public async Task A_call_through_the_region_is_tracked_written_to_the_dialogs_table_and_published()
    {
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        const string callId = "region-call-1";
        foreach (var m in Call("success.sip", callId))
            node.Region.Tell(m);

        var s = await node.WaitFor(callId, d => d.State == DialogStatus.Completed && d.MessageCount == 9, "the call to complete");
        Assert.Equal(2, s.Retransmissions);
        Assert.Equal(520, s.PddMs);
        Assert.Equal(3, s.Transactions.Count);

        DialogRow? row = null;
        await DialogNode.Eventually(async () => (row = await node.Store.GetAsync(callId)) is { State: "COMPLETED" }, "the dialogs row");
        Assert.Equal(DialogKinds.Call, row!.Kind);
        Assert.Equal(9, row.MessageCount);
        Assert.Equal(2520, row.SetupMs);
        Assert.Equal(13025 - 2520, row.DurationMs);
        Assert.Equal("127.0.0.1", row.CallerIp);
        Assert.Equal("fixture-node", row.Node);
        Assert.Equal(16, row.Q850Cause);

        await DialogNode.Eventually(() => Task.FromResult(node.Events.OfType<CallEvents.DialogEnded>().Any(e => e.CallId == callId)), "DialogEnded published");
        var events = node.Events.Where(e => e.CallId == callId).ToArray();
        Assert.IsType<CallEvents.DialogStarted>(events[0]);
        Assert.Equal([DialogStatus.Ringing, DialogStatus.Answered, DialogStatus.Completed],
            events.OfType<CallEvents.DialogStateChanged>().Select(e => e.State));
        Assert.Equal(13025 - 2520, events.OfType<CallEvents.DialogEnded>().Single().DurationMs);
    }

    [Fact]
    public async Task An_ended_dialog_passivates_after_the_linger_and_leaves_only_its_row()
    {
        var options = new DialogOptions { Settings = DialogSettings.Default with { Linger = TimeSpan.FromMilliseconds(500) } };
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, options);
        const string callId = "linger-1";
        foreach (var m in Call("options.sip", callId))
            node.Region.Tell(m);
        await node.WaitFor(callId, d => d.State == DialogStatus.Completed, "OPTIONS answered");

        // Retired from the ledger: a new incarnation knows nothing; the summary stays in the table.
        await node.WaitFor(callId, d => !d.Exists, "the dialog to passivate after its linger");
        DialogRow? row = null;
        // The row writer flushes on its own clock (250 ms), independent of the passivation.
        await DialogNode.Eventually(async () => (row = await node.Store.GetAsync(callId)) is not null, "the dialogs row");
        Assert.Equal("COMPLETED", row!.State);
        Assert.Equal(DialogKinds.Other, row.Kind);
    }

    [Fact]
    public async Task A_dialog_recovers_from_its_shard_ledger_after_its_node_crashed_and_finishes()
    {
        const string callId = "crash-1";
        var messages = Call("success.sip", callId);
        var crashed = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions(), crash: true);
        foreach (var m in messages.Take(7))
            crashed.Region.Tell(m);
        await crashed.WaitFor(callId, d => d.State == DialogStatus.Answered && d.MessageCount == 7, "the call to be answered");
        // The row is written after the ledger's checkpoint (250 ms vs 20 ms): once it is there, the ledger has it.
        await DialogNode.Eventually(async () => await crashed.Store.GetAsync(callId) is { MessageCount: 7 }, "the checkpoint");
        await crashed.CrashAsync();

        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        foreach (var m in messages.Skip(7))
            node.Region.Tell(m);
        var s = await node.WaitFor(callId, d => d.State == DialogStatus.Completed, "the recovered call to complete");
        Assert.Equal(9, s.MessageCount);
        Assert.Equal(2, s.Retransmissions);
        Assert.Equal(2520, s.SetupMs);
        Assert.Equal(13025 - 2520, s.DurationMs);
        Assert.Equal("caller", s.HangupBy);
        Assert.Equal(4, s.Transactions.Count(t => t.Method is "INVITE" or "ACK" or "BYE") + 1);
    }

    [Fact]
    public async Task After_a_crash_dialogs_catch_up_from_the_message_store_what_their_node_received_but_never_checkpointed()
    {
        var extractor = new DialogMessageExtractor();
        var callId = "store-crash-" + Guid.NewGuid().ToString("N")[..6];
        var items = SipFixture.Load("success.sip", callId, SipFixture.NowMicros());
        await using var dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        var writer = new MessageStoreWriter(dataSource);
        // The ingest node stores every message; the dialog node gets the first 7 and checkpoints them, then receives
        // the last 2 and dies before it checkpoints them (here: they never reach it).
        await writer.WriteAsync(items.Select(i => i.Captured).ToArray());
        var crashed = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions(), crash: true);
        foreach (var m in items.Take(7))
            crashed.Region.Tell(m.Command);
        await crashed.WaitFor(callId, d => d.MessageCount == 7, "7 messages applied");
        await DialogNode.Eventually(async () => await crashed.Store.GetAsync(callId) is { MessageCount: 7 }, "the checkpoint");
        await crashed.CrashAsync();

        // A call of the same shard whose every message reached the dead node in its last moments: nothing of it was
        // persisted by the ledger; only the store has it.
        var unknownId = Enumerable.Range(0, 10_000).Select(i => $"{callId}-new-{i}").First(id => extractor.ShardOf(id) == extractor.ShardOf(callId));
        var unknown = SipFixture.Load("success.sip", unknownId, SipFixture.NowMicros());
        await writer.WriteAsync(unknown.Select(i => i.Captured).ToArray());

        var history = new CountingHistory(new DialogHistoryQueries(dataSource));
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions { History = history });
        // Any message to the shard starts its ledger: here a query.
        var s = await node.WaitFor(callId, d => d.State == DialogStatus.Completed, "the dialog to catch up its BYE from the store");
        Assert.Equal((9L, 2L, 13025L - 2520), (s.MessageCount, s.Retransmissions, s.DurationMs!.Value));
        Assert.Equal("caller", s.HangupBy);

        // The ledger found the call it never heard of and woke it: its row appears without any live message.
        DialogRow? row = null;
        await DialogNode.Eventually(async () => (row = await node.Store.GetAsync(unknownId)) is { State: "COMPLETED" }, "the unknown call's row");
        Assert.Equal((9L, 2L), (row!.MessageCount, row.Retransmissions));

        // The ingest node held the last messages during the outage and sends them now: already applied, skipped.
        foreach (var m in items.Skip(5).Concat(unknown.Skip(7)))
            node.Region.Tell(m.Command);
        await Task.Delay(500);
        Assert.Equal(9, (await node.Get(callId)).MessageCount);
        Assert.Equal(9, (await node.Get(unknownId)).MessageCount);
        Assert.True(history.DialogIdReads >= 1);
        // Both dialogs of the shard read their messages in one statement, not one each.
        Assert.True(history.ShardReads >= 1);
        Assert.Equal(0, history.MessageReads);
        await DialogNode.Eventually(async () => await node.Store.GetAsync(callId) is { State: "COMPLETED", MessageCount: 9 }, "the row of the caught-up call");
    }

    [Fact]
    public async Task A_dialog_moved_by_a_graceful_shutdown_recovers_from_the_ledger_snapshot()
    {
        const string callId = "handoff-1";
        var messages = Call("reinvite.sip", callId);
        // A graceful hand-off closes the ledger: its next home only looks for what reached the old home during the
        // hand-off (one read per shard; here there is none), and new calls read nothing.
        await using var dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        var history = new CountingHistory(new DialogHistoryQueries(dataSource));
        var first = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions { History = history });
        foreach (var m in messages.Take(5))
            first.Region.Tell(m);
        await first.WaitFor(callId, d => d.State == DialogStatus.Answered && d.MessageCount == 5, "the call to be answered");
        await first.DisposeAsync();

        await using var second = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions { History = history });
        foreach (var m in messages.Skip(5))
            second.Region.Tell(m);
        var s = await second.WaitFor(callId, d => d.State == DialogStatus.Completed, "the moved call to complete");
        Assert.Equal(10, s.MessageCount);
        Assert.Equal(1100, s.SetupMs);
        foreach (var m in Call("success.sip", "handoff-new-1"))
            second.Region.Tell(m);
        await second.WaitFor("handoff-new-1", d => d.State == DialogStatus.Completed, "a new call");
        Assert.True(history.DialogIdReads >= 1, "the moved shard's ledger looked for messages dropped during the hand-off");
        Assert.Equal(0, history.MessageReads);
    }

    [Fact]
    public async Task A_dialog_that_went_on_without_its_ledgers_answer_never_deletes_the_state_it_did_not_see()
    {
        // The cause of the flaky KillOneNodeTests: after a move, a dialog whose ledger was slow went on empty, answered a
        // query as blank, retired itself and so deleted its Call-ID's checkpoint from the ledger.
        const string callId = "unrestored-1";
        var messages = Call("success.sip", callId);
        var first = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        foreach (var m in messages.Take(7))
            first.Region.Tell(m);
        await first.WaitFor(callId, d => d.MessageCount == 7, "7 messages applied");
        await first.DisposeAsync();

        // A ledger that cannot answer in time: its recovery starts by loading its snapshot, and another session holds the
        // snapshot table locked until the dialog has given up waiting (three restore timeouts) and answered the query
        // without the ledger's state. (A timeout of one tick raced the ledger's recovery, and a warm process won that
        // race.) A query for a Call-ID of another shard first brings up the shard coordinator, which recovers from the
        // same tables; the lock is taken after it.
        var impatient = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions { RestoreTimeout = TimeSpan.FromMilliseconds(100) });
        var extractor = new DialogMessageExtractor();
        var elsewhere = Enumerable.Range(0, 1000).Select(i => $"elsewhere-{i}").First(id => extractor.ShardOf(id) != extractor.ShardOf(callId));
        Assert.Equal(0, (await impatient.Get(elsewhere)).MessageCount);
        await using (var blocker = new NpgsqlConnection(_database.ConnectionString))
        {
            await blocker.OpenAsync();
            await using var lockHeld = await blocker.BeginTransactionAsync();
            await using (var take = new NpgsqlCommand("LOCK TABLE snapshot IN ACCESS EXCLUSIVE MODE", blocker, lockHeld))
                await take.ExecuteNonQueryAsync();
            Assert.Equal(0, (await impatient.Get(callId)).MessageCount);
            await lockHeld.RollbackAsync();
        }
        // The ledger recovers now and answers too late; the dialog that went on without it must not retire its state.
        await Task.Delay(1_000);
        await impatient.DisposeAsync();

        await using var third = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        foreach (var m in messages.Skip(7))
            third.Region.Tell(m);
        var s = await third.WaitFor(callId, d => d.State == DialogStatus.Completed, "the call to complete");
        Assert.Equal((9L, 2L), (s.MessageCount, s.Retransmissions));
    }

    [Fact]
    public async Task Messages_dropped_while_a_shard_is_handed_over_are_caught_up_from_the_message_store()
    {
        var callId = "handoff-drop-" + Guid.NewGuid().ToString("N")[..6];
        await using var dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        var first = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        var items = SipFixture.Load("success.sip", callId, SipFixture.NowMicros());
        await new MessageStoreWriter(dataSource).WriteAsync(items.Select(i => i.Captured).ToArray());
        foreach (var m in items.Take(7))
            first.Region.Tell(m.Command);
        await first.WaitFor(callId, d => d.MessageCount == 7, "7 messages applied");
        // The BYE and its 200 reached the old home while it handed the shard over, and Akka dropped them.
        await first.DisposeAsync();

        await using var second = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        // Any message to the shard starts its ledger, which finds the call in the hand-off window and wakes it.
        second.Region.Tell(new LedgerCommands.Wake(new DialogMessageExtractor().ShardOf(callId)));
        DialogRow? row = null;
        await DialogNode.Eventually(async () => (row = await second.Store.GetAsync(callId)) is { State: "COMPLETED" }, "the call completed from the store");
        Assert.Equal((9L, 2L), (row!.MessageCount, row.Retransmissions));
    }

    [Fact]
    public async Task After_a_crash_a_shard_reads_its_dialogs_messages_in_one_statement_and_calls_after_its_window_read_nothing()
    {
        // Issue 20, item 3: a restarted shard used to read the store once per Call-ID of its window, and every new call
        // of the shard during the catch-up read it too. Now the ledger reads its window's dialog ids once and the
        // messages of all the dialogs it found in one statement; a call that starts after the window reads nothing.
        var extractor = new DialogMessageExtractor();
        var prefix = "per-shard-" + Guid.NewGuid().ToString("N")[..6];
        var shard = extractor.ShardOf(prefix);
        var ids = Enumerable.Range(0, 10_000).Select(i => $"{prefix}-{i}").Where(id => extractor.ShardOf(id) == shard).Take(21).ToArray();
        await using var dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        var writer = new MessageStoreWriter(dataSource);
        var crashed = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions(), crash: true);
        // Twenty calls answered on the node that dies; it received their BYEs too but never checkpointed them.
        var calls = ids[..20].Select(id => SipFixture.Load("success.sip", id, SipFixture.NowMicros())).ToArray();
        await writer.WriteAsync(calls.SelectMany(c => c.Select(i => i.Captured)).ToArray());
        foreach (var call in calls)
            foreach (var m in call.Take(7))
                crashed.Region.Tell(m.Command);
        foreach (var id in ids[..20])
            await crashed.WaitFor(id, d => d.MessageCount == 7, "7 messages applied");
        await DialogNode.Eventually(async () => (await Task.WhenAll(ids[..20].Select(id => crashed.Store.GetAsync(id)))).All(r => r is { MessageCount: 7 }),
            "the checkpoints");
        await crashed.CrashAsync();

        var history = new CountingHistory(new DialogHistoryQueries(dataSource));
        var catchUp = CatchUpSettings.Default with { AfterOpen = TimeSpan.Zero, SecondPass = TimeSpan.FromSeconds(2) };
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions { History = history, CatchUp = catchUp });
        node.Region.Tell(new LedgerCommands.Wake(shard));
        foreach (var id in ids[..20])
        {
            var s = await node.WaitFor(id, d => d.State == DialogStatus.Completed, "the call to catch up its BYE from the store");
            Assert.Equal((9L, 2L), (s.MessageCount, s.Retransmissions));
        }
        // A call of the same shard after the window: it reads nothing, and nobody reads it.
        await Task.Delay(1_500);
        var late = SipFixture.Load("success.sip", ids[20], SipFixture.NowMicros());
        await writer.WriteAsync(late.Select(i => i.Captured).ToArray());
        foreach (var m in late)
            node.Region.Tell(m.Command);
        var lateState = await node.WaitFor(ids[20], d => d.State == DialogStatus.Completed, "the late call");
        Assert.Equal((9L, 2L), (lateState.MessageCount, lateState.Retransmissions));
        // Past both passes of the dialogs' reads.
        await Task.Delay(catchUp.SecondPass * 2);

        Assert.Equal(0, history.MessageReads);
        // Pass 1 and pass 2 of the dialogs' reads, a few statements each when requests straddle a read in flight: not
        // one per dialog and pass (40).
        Assert.InRange(history.ShardReads, 2, 8);
        Assert.DoesNotContain(ids[20], history.DialogsRead);
        Assert.All(ids[..20], id => Assert.Contains(id, history.DialogsRead));
    }

    [Fact]
    public async Task A_ledger_whose_window_read_fails_tries_again_with_backoff_and_its_dialogs_wait_for_it()
    {
        var callId = "read-retry-" + Guid.NewGuid().ToString("N")[..6];
        await using var dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        var items = SipFixture.Load("success.sip", callId, SipFixture.NowMicros());
        await new MessageStoreWriter(dataSource).WriteAsync(items.Select(i => i.Captured).ToArray());
        var crashed = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions(), crash: true);
        foreach (var m in items.Take(7))
            crashed.Region.Tell(m.Command);
        await crashed.WaitFor(callId, d => d.MessageCount == 7, "7 messages applied");
        await DialogNode.Eventually(async () => await crashed.Store.GetAsync(callId) is { MessageCount: 7 }, "the checkpoint");
        await crashed.CrashAsync();

        // The first two window reads fail (a store overloaded by the recovery): the ledger tries again after 200 ms, then
        // 400 ms; meanwhile its dialogs wait; none of them reads the store on its own.
        var history = new CountingHistory(new DialogHistoryQueries(dataSource)) { FailIdReads = 2 };
        var catchUp = CatchUpSettings.Default with { ReadRetryDelay = TimeSpan.FromMilliseconds(200) };
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions { History = history, CatchUp = catchUp });
        var s = await node.WaitFor(callId, d => d.State == DialogStatus.Completed, "the call to catch up once the read succeeded");
        Assert.Equal((9L, 2L), (s.MessageCount, s.Retransmissions));
        Assert.Equal(3, history.DialogIdReads);
        Assert.Equal(0, history.MessageReads);
        Assert.True(history.ShardReads >= 1);
    }

    private sealed class CountingHistory(IDialogHistory inner) : IDialogHistory
    {
        private int _dialogIdReads;
        private int _messageReads;
        private int _shardReads;
        private readonly System.Collections.Concurrent.ConcurrentBag<string> _dialogsRead = [];

        public int DialogIdReads => Volatile.Read(ref _dialogIdReads);
        /// <summary>Reads of one dialog's messages (what every dialog did before the reads per shard).</summary>
        public int MessageReads => Volatile.Read(ref _messageReads);
        /// <summary>Reads of the messages of many dialogs in one statement.</summary>
        public int ShardReads => Volatile.Read(ref _shardReads);
        public IReadOnlyCollection<string> DialogsRead => _dialogsRead.ToArray();
        /// <summary>This many window reads fail before they succeed.</summary>
        public int FailIdReads { get; init; }

        public Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _dialogIdReads);
            return inner.DialogIdsSinceAsync(fromMicros, limit, ct);
        }

        public Task<IReadOnlyList<DialogActivity>> DialogIdsBetweenAsync(long fromMicros, long toMicros, int limit, CancellationToken ct = default)
        {
            if (Interlocked.Increment(ref _dialogIdReads) <= FailIdReads)
                return Task.FromException<IReadOnlyList<DialogActivity>>(new TimeoutException("the store did not answer in time"));
            return inner.DialogIdsBetweenAsync(fromMicros, toMicros, limit, ct);
        }

        public Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _messageReads);
            return inner.MessagesSinceAsync(dialogId, fromMicros, limit, ct);
        }

        public Task<IReadOnlyList<CapturedMessage>> MessagesOfAsync(IReadOnlyCollection<string> dialogIds, long fromMicros, int limit,
            CancellationToken ct = default)
        {
            Interlocked.Increment(ref _shardReads);
            foreach (var id in dialogIds)
                _dialogsRead.Add(id);
            return inner.MessagesOfAsync(dialogIds, fromMicros, limit, ct);
        }
    }

    [Fact]
    public async Task QoS_and_logs_attach_by_correlation_id_and_RTCP_by_the_SDP_media_address_even_before_the_call()
    {
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        const string callId = "qos-1";
        var t0 = SipFixture.Start;

        // A report that arrives before the call's first SIP message still attaches.
        Route(node, Captured(35, t0, "10.1.1.1", 5000, "10.1.1.2", 5000, callId, """
            VQSessionReport: CallTerm
            CallID: qos-1
            LocalAddr: IP=127.0.0.1 PORT=6000 SSRC=0x2468abcd
            LocalMetrics:
            PacketLoss: NLR=1.5 JDR=0.0
            Delay: RTD=20 ESD=10 IAJ=4
            QualityEst: MOSLQ=4.1 MOSCQ=4.0
            """));
        foreach (var m in Call("success.sip", callId).Take(7))
            node.Region.Tell(m);
        await node.WaitFor(callId, d => d.State == DialogStatus.Answered, "the call");

        // RTCP without a correlation id: found through the media index (127.0.0.1:6001 is the caller's RTCP port).
        Route(node, Captured(5, t0.AddSeconds(5), "127.0.0.1", 6003, "127.0.0.1", 6001, null,
            """{"type":201,"ssrc":1,"report_blocks":[{"source_ssrc":2,"fraction_lost":64,"packets_lost":3,"ia_jitter":80}]}"""));
        Route(node, Captured(100, t0.AddSeconds(6), "10.1.1.9", 0, "10.1.1.10", 0, callId, "kamailio: call qos-1 routed to gw2\n"));

        var s = await node.WaitFor(callId, d => d.QosReports.Count == 2 && d.Logs.Count == 1, "two reports and a log");
        var xr = Assert.Single(s.QosReports, q => q.Source == "rtcp-xr");
        Assert.Equal(4.1, xr.MosLq);
        Assert.Equal(1.5, xr.PacketLossPct);
        Assert.Equal(4, xr.JitterMs);
        var rtcp = Assert.Single(s.QosReports, q => q.Source == "rtcp");
        Assert.Equal(25, rtcp.PacketLossPct);
        Assert.Equal(10, rtcp.JitterMs);
        Assert.Equal("kamailio: call qos-1 routed to gw2", s.Logs[0].Text);
        Assert.Contains(node.Events, e => e is CallEvents.QosAttached { CallId: callId });
    }

    [Fact]
    public async Task Legs_of_one_call_are_linked_both_ways_by_X_CID()
    {
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        foreach (var m in Call("success.sip", "leg-a").Take(4))
            node.Region.Tell(m);
        foreach (var m in Call("success.sip", "leg-b").Take(4))
            node.Region.Tell(m with { CorrelationId = "leg-a" });

        var a = await node.WaitFor("leg-a", d => d.Legs.Contains("leg-b"), "leg-a to know leg-b");
        var b = await node.WaitFor("leg-b", d => d.Legs.Contains("leg-a"), "leg-b to know leg-a");
        Assert.Equal("leg-a", a.CorrelationGroup);
        Assert.Equal("leg-a", b.CorrelationGroup);
    }

    [Fact]
    public async Task A_query_just_before_a_calls_first_message_loses_none_of_it()
    {
        // The query starts a blank entity, which retires; the call's messages reach it before it stops, so its last
        // checkpoint (sent straight to the ledger) can arrive before the retirement (sent through the region).
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        for (var i = 0; i < 5; i++)
        {
            var callId = "early-query-" + i;
            node.Region.Tell(new DialogQueries.GetDialog(callId));
            foreach (var m in Call("success.sip", callId))
                node.Region.Tell(m);
            node.Region.Tell(new DialogCommands.LinkLeg(callId, callId + "-b"));
        }
        for (var i = 0; i < 5; i++)
        {
            var callId = "early-query-" + i;
            var s = await node.WaitFor(callId, d => d.MessageCount == 9 && d.Legs.Contains(callId + "-b"), "every message and the leg of " + callId);
            Assert.Equal(DialogStatus.Completed, s.State);
        }
    }

    /// <summary>As the ingest graph routes a message that is not SIP (the decoder parsed no SIP for it).</summary>
    private static void Route(DialogNode node, CapturedMessage message)
    {
        var route = DialogRouting.PlanParsed(message, default);
        Assert.False(route.IsEmpty);
        var router = new DialogBatchRouter(node.Region, DialogMessageExtractor.DefaultShardCount);
        router.Add(route);
        router.Flush();
    }

    private static CapturedMessage Captured(byte type, DateTimeOffset at, string src, int srcPort, string dst, int dstPort, string? correlationId, string payload) => new()
    {
        TimestampMicros = at.ToUnixTimeMilliseconds() * 1000,
        Profile = MessageProfile.Qos,
        ProtocolType = type,
        SourceIp = IPAddress.Parse(src),
        SourcePort = srcPort,
        DestinationIp = IPAddress.Parse(dst),
        DestinationPort = dstPort,
        CorrelationId = correlationId,
        Payload = Encoding.UTF8.GetBytes(payload.Replace("\n", "\r\n", StringComparison.Ordinal)),
    };
}
