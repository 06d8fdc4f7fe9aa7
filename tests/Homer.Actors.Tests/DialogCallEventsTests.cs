using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using static Homer.Actors.Contracts.CallEvents;

namespace Homer.Actors.Tests;

/// <summary>
/// Which call events a dialog publishes, from real SIP fixture flows through the pure <see cref="DialogState"/> and
/// <see cref="DialogCallEvents"/>: what the alarm engine counts as rejected, when a state change and the end are told.
/// </summary>
public sealed class DialogCallEventsTests
{
    /// <summary>Every call event the flow publishes, decision by decision as a hosted dialog does; then its idle timeout if asked.</summary>
    private static (List<ICallEvent> Events, DialogState State) Publish(IEnumerable<IWithCallId> commands, bool timeout = false,
        DialogSettings? settings = null)
    {
        var list = commands.ToList();
        var state = DialogState.Empty(list[0].CallId);
        var published = new List<ICallEvent>();
        foreach (var command in list)
        {
            IReadOnlyList<DialogEvents.DialogEvent> events = command switch
            {
                DialogCommands.RecordSipMessage m => state.Process(m, settings ?? DialogSettings.Default),
                DialogCommands.AttachQos q => state.Process(q, settings ?? DialogSettings.Default),
                DialogCommands.AttachLog l => state.Process(l, settings ?? DialogSettings.Default),
                DialogCommands.LinkLeg k => state.Process(k),
                _ => throw new ArgumentException(command.GetType().Name),
            };
            Step(events);
        }
        if (timeout)
            Step(state.ProcessTimeout());
        return (published, state);

        void Step(IReadOnlyList<DialogEvents.DialogEvent> events)
        {
            var after = state.ApplyAll(events);
            published.AddRange(DialogCallEvents.Of(state, after, events));
            state = after;
        }
    }

    private static (List<ICallEvent> Events, DialogState State) Flow(string fixture, bool timeout = false) =>
        Publish(SipFixture.Commands(fixture), timeout);

    private static DialogStatus[] States(IEnumerable<ICallEvent> events) => events.OfType<DialogStateChanged>().Select(e => e.State).ToArray();

    [Fact]
    public void An_answered_call_starts_moves_through_its_states_and_ends_answered_without_a_rejection()
    {
        var (events, s) = Flow("success.sip");

        var started = Assert.IsType<DialogStarted>(events[0]);
        Assert.Equal((DialogKinds.Call, "INVITE", "sipp", "service", "127.0.0.1", "fixture-node"),
            (started.Kind, started.Method, started.FromUser, started.ToUser, started.ClientIp, started.Node));
        Assert.Equal("127.0.0.1:5060", started.Server);
        Assert.Single(events.OfType<DialogStarted>());
        // The first state comes with DialogStarted; only the moves after it are changes.
        Assert.Equal([DialogStatus.Ringing, DialogStatus.Answered, DialogStatus.Completed], States(events));
        Assert.Empty(events.OfType<RequestRejected>());
        var ended = Assert.Single(events.OfType<DialogEnded>());
        Assert.IsType<DialogEnded>(events[^1]);
        Assert.Equal((DialogStatus.Completed, 200, s.DurationMs, false, true, false), (ended.State, ended.FinalStatus, ended.DurationMs,
            ended.EndedByTimeout, ended.Answered, ended.EndedOnChallenge));
        // Told at the BYE: its 200 OK comes after.
        Assert.Equal((8L, 2L, s.EndedMicros), (ended.MessageCount, ended.Retransmissions, (long?)ended.TimestampMicros));
        Assert.All(events, e => Assert.Equal(s.CallId, e.CallId));
    }

    [Theory]
    [InlineData("busy-486.sip", 486)]
    [InlineData("forbidden-403.sip", 403)]
    public void A_final_failure_of_4xx_and_up_is_one_rejection_with_the_opening_method(string fixture, int status)
    {
        var (events, _) = Flow(fixture);

        var rejected = Assert.Single(events.OfType<RequestRejected>());
        Assert.Equal((DialogKinds.Call, "INVITE", status, "127.0.0.1"), (rejected.Kind, rejected.Method, rejected.Status, rejected.ClientIp));
        var ended = Assert.Single(events.OfType<DialogEnded>());
        Assert.Equal((DialogStatus.Failed, status, false, false), (ended.State, ended.FinalStatus, ended.Answered, ended.EndedOnChallenge));
        Assert.Equal(DialogStatus.Failed, States(events)[^1]);
    }

    [Fact]
    public void Each_challenge_is_a_rejection_also_when_the_caller_then_answers_it()
    {
        var (events, s) = Flow("auth-407-then-200.sip");

        var rejected = Assert.Single(events.OfType<RequestRejected>());
        Assert.Equal((407, "INVITE"), (rejected.Status, rejected.Method));
        Assert.Equal(DialogStatus.Completed, s.State);
        Assert.False(Assert.Single(events.OfType<DialogEnded>()).EndedOnChallenge);
    }

    [Fact]
    public void A_challenge_never_answered_ends_on_the_challenge_by_timeout_without_a_second_rejection()
    {
        var (events, _) = Publish(SipFixture.Commands("auth-407-then-200.sip").Take(3), timeout: true);

        Assert.Equal(407, Assert.Single(events.OfType<RequestRejected>()).Status);
        var ended = Assert.Single(events.OfType<DialogEnded>());
        Assert.Equal((DialogStatus.Failed, 407, true, true), (ended.State, ended.FinalStatus, ended.EndedByTimeout, ended.EndedOnChallenge));
    }

    [Fact]
    public void A_cancelled_call_is_no_rejection()
    {
        var (events, _) = Flow("cancel.sip");

        Assert.Empty(events.OfType<RequestRejected>());
        Assert.Equal((DialogStatus.Cancelled, 487), (Assert.Single(events.OfType<DialogEnded>()).State, Assert.Single(events.OfType<DialogEnded>()).FinalStatus));
    }

    [Fact]
    public void A_redirect_is_no_rejection()
    {
        var m = SipFixture.Commands("busy-486.sip");
        var (events, _) = Publish(m.Select(c => c.StatusCode == 486 ? c with { StatusCode = 302, ReasonPhrase = "Moved Temporarily" } : c));

        Assert.Empty(events.OfType<RequestRejected>());
        Assert.Equal((DialogStatus.Redirected, 302), (Assert.Single(events.OfType<DialogEnded>()).State, Assert.Single(events.OfType<DialogEnded>()).FinalStatus));
    }

    [Fact]
    public void A_call_that_times_out_without_an_answer_fails_without_a_rejection()
    {
        // The INVITE and its 100 Trying only: nothing the far end refused.
        var (events, _) = Publish(SipFixture.Commands("success.sip").Take(2), timeout: true);

        Assert.Empty(events.OfType<RequestRejected>());
        var ended = Assert.Single(events.OfType<DialogEnded>());
        Assert.Equal((DialogStatus.Failed, true, false), (ended.State, ended.EndedByTimeout, ended.Answered));
    }

    [Fact]
    public void A_registration_challenge_is_a_rejection_of_REGISTER_and_registering_is_a_state_change_that_does_not_end_it()
    {
        var (events, s) = Flow("register-401.sip");

        var rejected = Assert.Single(events.OfType<RequestRejected>());
        Assert.Equal((DialogKinds.Registration, "REGISTER", 401), (rejected.Kind, rejected.Method, rejected.Status));
        Assert.Equal(DialogKinds.Registration, Assert.Single(events.OfType<DialogStarted>()).Kind);
        Assert.Equal([DialogStatus.Registered], States(events));
        Assert.Empty(events.OfType<DialogEnded>());
        Assert.Equal(DialogStatus.Registered, s.State);
    }

    [Fact]
    public void An_OPTIONS_probe_starts_and_completes()
    {
        var (events, _) = Flow("options.sip");

        Assert.Equal((DialogKinds.Other, "OPTIONS"), (Assert.Single(events.OfType<DialogStarted>()).Kind, events.OfType<DialogStarted>().Single().Method));
        Assert.Equal((DialogStatus.Completed, 200, false), (Assert.Single(events.OfType<DialogEnded>()).State,
            events.OfType<DialogEnded>().Single().FinalStatus, events.OfType<DialogEnded>().Single().Answered));
        Assert.Empty(events.OfType<RequestRejected>());
    }

    [Fact]
    public void QoS_legs_and_alarm_hooks_are_told_with_the_call_they_belong_to()
    {
        var m = SipFixture.Commands("success.sip");
        var leg = m[0] with { CorrelationId = "leg-a", UserAgent = "friendly-scanner" };
        var report = new QosReport("rtcp", m[0].TimestampMicros + 1, 2.5, null, 9, 40, "127.0.0.1");
        var (events, _) = Publish([leg, new DialogCommands.AttachQos(leg.CallId, report), new DialogCommands.LinkLeg(leg.CallId, "leg-c")]);

        Assert.Same(report, Assert.Single(events.OfType<QosAttached>()).Report);
        // The group is the first leg's: a later leg joins it rather than starting its own.
        Assert.Equal([("leg-a", "leg-a"), ("leg-c", "leg-a")], events.OfType<LegLinked>().Select(l => (l.LegCallId, l.CorrelationGroup)));
        Assert.Equal([AlarmKinds.ScannerUserAgent, AlarmKinds.BadMos], events.OfType<AlarmObserved>().Select(a => a.Alarm));
        Assert.Equal("friendly-scanner", events.OfType<AlarmObserved>().First().Detail);
    }

    [Fact]
    public void A_decision_without_events_publishes_nothing()
    {
        var s = SipFixture.Run(SipFixture.Commands("success.sip"));
        Assert.Empty(DialogCallEvents.Of(s, s, []));
    }
}
