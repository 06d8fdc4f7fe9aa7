using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Tests;

/// <summary>The pure dialog state, driven by SIP fixture flows; no ActorSystem.</summary>
public sealed class DialogStateTests
{
    private static DialogState Flow(string fixture, DialogSettings? settings = null) => SipFixture.Run(SipFixture.Commands(fixture), settings);

    private static Transaction Tx(DialogState s, string method, long cseq) => Assert.Single(s.Transactions, t => t.Method == method && t.CSeq == cseq);

    [Fact]
    public void Answered_call_completes_with_timings_and_counts_retransmissions_once()
    {
        var s = Flow("success.sip");

        Assert.Equal(DialogKinds.Call, s.Kind);
        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(9, s.MessageCount);
        Assert.Equal(2, s.Retransmissions); // the INVITE after 500 ms and the 200 after 3 s
        Assert.Equal(520, s.PddMs);
        Assert.Equal(2520, s.SetupMs);
        Assert.Equal(13025 - 2520, s.DurationMs);
        Assert.Equal(200, s.FinalStatus);
        Assert.Equal("caller", s.HangupBy);
        Assert.Equal(16, s.Q850Cause);
        Assert.False(s.EndedByTimeout);
        Assert.Equal("sipp", s.FromUser);
        Assert.Equal("service", s.ToUser);
        Assert.Equal("127.0.0.1", s.CallerIp);

        var invite = Tx(s, "INVITE", 1);
        Assert.Equal(2, invite.Requests);
        Assert.Equal(1, invite.Retransmissions);
        Assert.Equal(3, invite.Responses); // 100, 180, 200; the retransmitted 200 is not a new response
        Assert.Equal(200, invite.FinalStatus);
        Assert.Equal(TransactionState.Terminated, invite.State);
        // The ACK of a 2xx is a transaction of its own; so is the BYE.
        Assert.Equal(TransactionState.Terminated, Tx(s, "ACK", 1).State);
        Assert.Equal(200, Tx(s, "BYE", 2).FinalStatus);
        Assert.Equal(3, s.Transactions.Count);
        Assert.Equal(("127.0.0.1:5061", "127.0.0.1:5060"), (invite.Client, invite.Server));
        Assert.Equal(["127.0.0.1:6000", "127.0.0.1:6001", "127.0.0.1:6002", "127.0.0.1:6003"], s.MediaEndpoints);
        // The ACK and the BYE run between the same two endpoints: each is held once, not once per transaction.
        Assert.Same(invite.Client, Tx(s, "ACK", 1).Client);
        Assert.Same(invite.Server, Tx(s, "ACK", 1).Server);
        Assert.Equal(2, s.Transactions.SelectMany(t => new[] { t.Client, t.Server }).Distinct(ReferenceEqualityComparer.Instance).Count());
        // The 180 and the 200 of the callee carry one To tag, parsed from two messages: the dialog keeps one copy.
        Assert.Equal([100, 180, 200], invite.SeenResponses.Select(r => r.Status));
        Assert.Null(invite.SeenResponses[0].ToTag);
        Assert.NotNull(invite.SeenResponses[1].ToTag);
        Assert.Same(invite.SeenResponses[1].ToTag, invite.SeenResponses[2].ToTag);
        Assert.Equal(invite.Branch + "|INVITE", invite.Key);
    }

    [Fact]
    public void Without_the_RFC_3261_branch_cookie_transactions_match_by_CSeq_and_method_with_the_same_outcome()
    {
        // RFC 2543 senders: no z9hG4bK, so a transaction is its CSeq number and method ("#1|INVITE").
        var commands = SipFixture.Commands("success.sip")
            .Select(c => c with { ViaBranch = c.ViaBranch!.Replace("z9hG4bK", "", StringComparison.Ordinal) })
            .ToList();
        var s = SipFixture.Run(commands);

        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(2, s.Retransmissions);
        Assert.Equal(["#1|INVITE", "#1|ACK", "#2|BYE"], s.Transactions.Select(t => t.Key));
        var invite = Tx(s, "INVITE", 1);
        Assert.Equal((2, 1, 3), (invite.Requests, invite.Retransmissions, invite.Responses));
        Assert.Equal(200, Tx(s, "BYE", 2).FinalStatus);
    }

    [Fact]
    public void A_real_sipp_call_captured_with_tshark_completes()
    {
        var s = Flow("sipp-uac-uas.sip");
        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(6, s.MessageCount);
        Assert.Equal(0, s.Retransmissions);
        Assert.Equal(0, s.PddMs); // sipp's uas rings 0.12 ms after the INVITE
        Assert.Equal(1, s.SetupMs);
        Assert.Equal(1005, s.DurationMs);
        Assert.Equal("caller", s.HangupBy);
        Assert.Equal(["INVITE", "ACK", "BYE"], s.Transactions.Select(t => t.Method));
        Assert.Equal(["127.0.0.1:6004", "127.0.0.1:6005", "127.0.0.1:6000", "127.0.0.1:6001"], s.MediaEndpoints);
    }

    [Fact]
    public void Busy_fails_with_status_reason_and_Q850_cause_and_its_ACK_confirms_the_INVITE_transaction()
    {
        var s = Flow("busy-486.sip");

        Assert.Equal(DialogStatus.Failed, s.State);
        Assert.Equal(486, s.FinalStatus);
        Assert.Equal("Busy Here", s.FinalReason);
        Assert.Equal(17, s.Q850Cause);
        Assert.Equal(150, s.PddMs);
        Assert.Null(s.SetupMs);
        Assert.Null(s.DurationMs);
        Assert.Equal(0, s.Retransmissions);
        var invite = Assert.Single(s.Transactions);
        Assert.Equal(TransactionState.Confirmed, invite.State);
        Assert.True(invite.Acked);
    }

    [Fact]
    public void Forbidden_fails_without_ringing()
    {
        var s = Flow("forbidden-403.sip");
        Assert.Equal(DialogStatus.Failed, s.State);
        Assert.Equal(403, s.FinalStatus);
        Assert.Equal("Forbidden", s.FinalReason);
        Assert.Null(s.PddMs);
        Assert.Null(s.Q850Cause);
    }

    [Fact]
    public void A_407_challenge_then_the_resent_INVITE_is_one_attempt_that_is_answered()
    {
        var s = Flow("auth-407-then-200.sip");
        // The callee's BYE is a transaction whose client is the callee.
        Assert.Equal(("127.0.0.1:5060", "127.0.0.1:5061"), (Tx(s, "BYE", 1).Client, Tx(s, "BYE", 1).Server));

        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(200, s.FinalStatus);
        Assert.False(s.ChallengePending);
        Assert.Equal(300, s.PddMs); // from the first INVITE: the challenge round trip is part of the caller's wait
        Assert.Equal(1308, s.SetupMs);
        Assert.Equal(6310 - 1308, s.DurationMs);
        Assert.Equal("callee", s.HangupBy);
        Assert.Equal(407, Tx(s, "INVITE", 1).FinalStatus);
        Assert.Equal(TransactionState.Confirmed, Tx(s, "INVITE", 1).State);
        Assert.Equal(200, Tx(s, "INVITE", 2).FinalStatus);
        Assert.Equal(0, s.Retransmissions);
    }

    [Fact]
    public void A_challenge_never_answered_fails_by_timeout_with_the_challenge_status()
    {
        var s = SipFixture.Run(SipFixture.Commands("auth-407-then-200.sip").Take(3));
        Assert.Equal(DialogStatus.Trying, s.State);
        Assert.True(s.ChallengePending);
        Assert.False(s.IsEnded);

        s = s.ApplyAll(s.ProcessTimeout());
        Assert.Equal(DialogStatus.Failed, s.State);
        Assert.Equal(407, s.FinalStatus);
        Assert.True(s.EndedByTimeout);
    }

    [Fact]
    public void Cancel_is_matched_to_its_INVITE_and_the_487_ends_the_call_cancelled()
    {
        var s = Flow("cancel.sip");

        Assert.Equal(DialogStatus.Cancelled, s.State);
        Assert.Equal(487, s.FinalStatus);
        Assert.Equal(200, s.PddMs);
        var cancel = Tx(s, "CANCEL", 1);
        var invite = Tx(s, "INVITE", 1);
        Assert.Equal(invite.Branch, cancel.Branch);
        Assert.Equal(200, cancel.FinalStatus);
        Assert.Equal(TransactionState.Confirmed, invite.State);
        Assert.Equal(2, s.Transactions.Count);
    }

    [Fact]
    public void A_reINVITE_is_a_transaction_of_the_same_dialog_and_does_not_restart_the_call()
    {
        var s = Flow("reinvite.sip");

        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(1100, s.SetupMs);
        Assert.Equal(9000 - 1100, s.DurationMs);
        var reinvite = Tx(s, "INVITE", 2);
        Assert.False(reinvite.Initial);
        Assert.Equal(200, reinvite.FinalStatus);
        Assert.True(Tx(s, "INVITE", 1).Initial);
        Assert.Equal(["INVITE", "ACK", "INVITE", "ACK", "BYE"], s.Transactions.Select(t => t.Method));
    }

    [Fact]
    public void REGISTER_challenged_by_401_then_registered_with_the_expiry_the_registrar_granted()
    {
        var s = Flow("register-401.sip");

        Assert.Equal(DialogKinds.Registration, s.Kind);
        Assert.Equal(DialogStatus.Registered, s.State);
        Assert.Equal(200, s.FinalStatus);
        Assert.False(s.IsEnded);
        // Contact;expires=1800 in the 200 wins over the Expires: 3600 asked for.
        Assert.Equal(SipFixture.Start.AddMilliseconds(9).AddSeconds(1800).ToUnixTimeMilliseconds() * 1000, s.ExpiresMicros);
        Assert.Equal(2, s.Transactions.Count);
        Assert.Equal(401, Tx(s, "REGISTER", 1).FinalStatus);

        // No refresh before the expiry: unregistered by timeout.
        s = s.ApplyAll(s.ProcessTimeout());
        Assert.Equal(DialogStatus.Unregistered, s.State);
        Assert.True(s.EndedByTimeout);
    }

    [Fact]
    public void REGISTER_with_expires_zero_unregisters()
    {
        var messages = SipFixture.Commands("register-401.sip").ToList();
        var unregister = messages[2] with { Expires = 0, CSeqNumber = 3, ViaBranch = "z9hG4bK-unreg" };
        var ok = messages[3] with { ContactExpires = -1, Expires = 0, CSeqNumber = 3, ViaBranch = "z9hG4bK-unreg", ToTag = "unreg" };
        var s = SipFixture.Run([.. messages, unregister, ok]);
        Assert.Equal(DialogStatus.Unregistered, s.State);
        Assert.True(s.IsEnded);
        Assert.Null(s.ExpiresMicros);
    }

    [Fact]
    public void OPTIONS_is_a_short_lived_other_dialog()
    {
        var s = Flow("options.sip");
        Assert.Equal(DialogKinds.Other, s.Kind);
        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(200, s.FinalStatus);
        Assert.True(s.IsEnded);
        Assert.Null(s.PddMs);
        Assert.Null(s.SetupMs);
    }

    [Fact]
    public void Out_of_order_capture_keeps_true_bounds_and_never_moves_the_call_backwards()
    {
        var m = SipFixture.Commands("success.sip");
        // 200 before 180 and 100 before the INVITE, as two agents with different delays deliver them.
        var shuffled = new[] { m[2], m[0], m[4], m[3], m[6], m[1], m[5], m[7], m[8] };
        var s = SipFixture.Run(shuffled);
        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(520, s.PddMs);
        Assert.Equal(2520, s.SetupMs);
        Assert.Equal(SipFixture.Start.ToUnixTimeMilliseconds() * 1000, s.FirstSeenMicros);
        Assert.Equal(2, s.Retransmissions);
    }

    [Fact]
    public void A_dialog_whose_start_was_not_captured_is_unknown_until_it_ends()
    {
        var m = SipFixture.Commands("success.sip");
        var s = SipFixture.Run([m[7], m[8]]);
        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(DialogKinds.Call, s.Kind);

        var stray = SipFixture.Run([m[8]]);
        Assert.Equal(DialogStatus.Unknown, stray.State);
        Assert.Equal(DialogStatus.Unknown, stray.ApplyAll(stray.ProcessTimeout()).State);
    }

    [Fact]
    public void Alarm_hooks_fire_once_each()
    {
        var settings = DialogSettings.Default with { RetransmissionStorm = 3, ShortCall = TimeSpan.FromSeconds(20) };
        var m = SipFixture.Commands("success.sip");
        var invite = m[0] with { UserAgent = "friendly-scanner" };
        var state = DialogState.Empty(invite.CallId);
        var events = new List<DialogEvents.DialogEvent>();
        foreach (var message in new[] { invite, m[1], m[1], m[1], m[1], m[2], m[3], m[4], m[6], m[7], m[8] })
        {
            var decided = state.Process(message, settings);
            events.AddRange(decided);
            state = state.ApplyAll(decided);
        }
        var alarms = events.OfType<DialogEvents.AlarmObserved>().Select(a => a.Alarm).ToArray();
        Assert.Equal([AlarmKinds.ScannerUserAgent, AlarmKinds.RetransmissionStorm, AlarmKinds.ShortCall], alarms);

        var failed = SipFixture.Run(SipFixture.Commands("busy-486.sip"));
        Assert.NotEqual(0, failed.AlarmsSeen & DialogState.AlarmBit(AlarmKinds.FinalFailure));
    }

    [Fact]
    public void Legs_link_by_X_CID_and_by_the_B2BUA_suffix_rule()
    {
        var m = SipFixture.Commands("success.sip");
        var byHeader = SipFixture.Run([m[0] with { CallId = "leg-b", CorrelationId = "leg-a" }], callId: "leg-b");
        Assert.Equal(["leg-a"], byHeader.Legs);
        Assert.Equal("leg-a", byHeader.CorrelationGroup);

        var bySuffix = SipFixture.Run([m[0] with { CallId = "abc123_b2b-1" }], callId: "abc123_b2b-1");
        Assert.Equal(["abc123"], bySuffix.Legs);

        var root = DialogState.Empty("leg-a");
        root = root.ApplyAll(root.Process(new DialogCommands.LinkLeg("leg-a", "leg-b")));
        Assert.Equal(["leg-b"], root.Legs);
        Assert.Equal("leg-a", root.CorrelationGroup);
        Assert.Empty(root.Process(new DialogCommands.LinkLeg("leg-a", "leg-b")));
    }

    [Fact]
    public void QoS_and_logs_attach_before_the_first_SIP_message_and_give_MOS_min_and_avg()
    {
        var s = DialogState.Empty("1-4711@127.0.0.1");
        s = s.ApplyAll(s.Process(new DialogCommands.AttachQos(s.CallId, new QosReport("rtcp-xr", 1, 4.2, 4.1, 0.5, 3, null)), DialogSettings.Default));
        s = s.ApplyAll(s.Process(new DialogCommands.AttachLog(s.CallId, new LogEntry(2, "early log")), DialogSettings.Default));
        Assert.False(s.Exists);

        s = SipFixture.Commands("success.sip").Aggregate(s, (st, m) => st.ApplyAll(st.Process(m, DialogSettings.Default)));
        var events = s.Process(new DialogCommands.AttachQos(s.CallId, new QosReport("rtcp", 3, 2.5, null, 9, 40, "127.0.0.1")), DialogSettings.Default);
        Assert.Contains(events, e => e is DialogEvents.AlarmObserved { Alarm: AlarmKinds.BadMos });
        s = s.ApplyAll(events);

        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.Equal(2, s.QosReports.Count);
        Assert.Equal(2.5, s.MosMin);
        Assert.Equal(3.35, s.MosAvg!.Value, 3);
        Assert.Equal("early log", Assert.Single(s.Logs).Text);
    }
}
