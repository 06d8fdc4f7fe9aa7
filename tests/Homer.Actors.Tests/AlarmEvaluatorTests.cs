using Homer.Actors.Alarms;
using Homer.Actors.Contracts;
using Homer.Storage.Alarms;

namespace Homer.Actors.Tests;

/// <summary>Every rule type of the alarm evaluator, with the clock in the test's hands.</summary>
public class AlarmEvaluatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private readonly AlarmEvaluator _evaluator = new();
    private DateTimeOffset _now = T0;
    private long _nextRuleId = 1;

    private AlarmRule Rule(string type, double? threshold = null, int window = 60, int? minCount = null, int cooldown = 120,
        string? scope = null, string parameters = "{}")
    {
        var rule = new AlarmRule(new AlarmRuleRow
        {
            Id = _nextRuleId++, Name = type, Type = type, Threshold = threshold, WindowSeconds = window, MinCount = minCount,
            CooldownSeconds = cooldown, Scope = scope, Parameters = parameters, UpdatedAt = T0,
        });
        _evaluator.SetRules(_evaluator.Rules.Append(rule).ToArray(), _now);
        return rule;
    }

    private IReadOnlyList<AlarmChange> Feed(CallEvents.ICallEvent e) => _evaluator.Observe(e, _now);
    private IReadOnlyList<AlarmChange> Advance(double seconds)
    {
        _now = _now.AddSeconds(seconds);
        return _evaluator.Tick(_now);
    }

    private static CallEvents.DialogStarted Started(string callId, string kind = DialogKinds.Call, string? ua = "Phone/1", string client = "192.0.2.10",
        string method = "INVITE", string server = "198.51.100.20:5060") =>
        new(callId, 0, kind, "alice", "bob", "bob") { Method = method, UserAgent = ua, ClientIp = client, Server = server, Node = "edge1" };

    private static CallEvents.DialogEnded Ended(string callId, bool answered, int? status, long? durationMs = null, bool onChallenge = false,
        long messages = 7, long retransmissions = 0, string method = "INVITE", string kind = DialogKinds.Call, string server = "198.51.100.20:5060") =>
        new(callId, 0, kind, answered ? DialogStatus.Completed : DialogStatus.Failed, status, durationMs, false)
        {
            Method = method, ClientIp = "192.0.2.10", Server = server, Node = "edge1", Answered = answered, EndedOnChallenge = onChallenge,
            MessageCount = messages, Retransmissions = retransmissions,
        };

    [Fact]
    public void Scanner_user_agent_raises_one_alarm_per_source_with_example_call_ids_and_resolves_after_the_window()
    {
        Rule(AlarmRuleTypes.Scanner, threshold: 1, window: 30);
        var raised = Feed(Started("scan-1", DialogKinds.Other, "friendly-scanner", "203.0.113.5", "OPTIONS"));
        var alarm = Assert.Single(raised).Alarm;
        Assert.Equal(AlarmChangeKind.Raised, raised[0].Change);
        Assert.Equal("ip:203.0.113.5", alarm.Scope);
        Assert.Equal(["scan-1"], alarm.ExampleCallIds);

        // More from the same source: the same alarm counts up, nothing new is raised.
        Assert.Empty(Feed(Started("scan-2", DialogKinds.Other, "sipvicious 0.3", "203.0.113.5", "OPTIONS")));
        Assert.Empty(Feed(Started("ok-1", ua: "Yealink T46")));
        var dirty = Assert.Single(_evaluator.TakeDirty());
        Assert.Equal(2, dirty.Count);
        Assert.Equal(["scan-1", "scan-2"], dirty.ExampleCallIds);

        Assert.Empty(Advance(10));
        var resolved = Assert.Single(Advance(25));
        Assert.Equal(AlarmChangeKind.Resolved, resolved.Change);
        Assert.Equal(AlarmStates.Resolved, resolved.Alarm.State);
    }

    [Fact]
    public void Cooldown_keeps_a_resolved_alarm_quiet_then_lets_it_raise_again()
    {
        Rule(AlarmRuleTypes.Scanner, threshold: 1, window: 10, cooldown: 60);
        Assert.Single(Feed(Started("s1", ua: "friendly-scanner", client: "203.0.113.5")));
        Assert.Single(Advance(11)); // resolved
        Assert.Empty(Feed(Started("s2", ua: "friendly-scanner", client: "203.0.113.5")));
        Assert.Empty(Advance(30));
        Assert.Empty(Feed(Started("s3", ua: "friendly-scanner", client: "203.0.113.5")));
        Assert.Empty(Advance(29)); // +70 s: still cooling down
        Advance(2); // cooldown over at +71 s
        var again = Assert.Single(Feed(Started("s4", ua: "friendly-scanner", client: "203.0.113.5")));
        Assert.Equal(AlarmChangeKind.Raised, again.Change);
    }

    [Fact]
    public void Auth_failures_count_per_source_and_raise_at_the_threshold()
    {
        Rule(AlarmRuleTypes.AuthFailures, threshold: 3, window: 60);
        Assert.Empty(Feed(new CallEvents.RequestRejected("r1", 0, DialogKinds.Registration, "REGISTER", 401, "203.0.113.9", "x", null)));
        Assert.Empty(Feed(new CallEvents.RequestRejected("r2", 0, DialogKinds.Registration, "REGISTER", 403, "203.0.113.9", "x", null)));
        Assert.Empty(Feed(new CallEvents.RequestRejected("o1", 0, DialogKinds.Registration, "REGISTER", 401, "192.0.2.77", "x", null)));
        Assert.Empty(Feed(new CallEvents.RequestRejected("r3", 0, DialogKinds.Call, "INVITE", 486, "203.0.113.9", "x", null)));
        var alarm = Assert.Single(Feed(new CallEvents.RequestRejected("r4", 0, DialogKinds.Registration, "REGISTER", 407, "203.0.113.9", "x", null))).Alarm;
        Assert.Equal("ip:203.0.113.9", alarm.Scope);
        Assert.Equal(3, alarm.Count);
        Assert.Equal(["r1", "r2", "r4"], alarm.ExampleCallIds);
    }

    [Fact]
    public void Error_rate_is_a_ratio_over_attempts_with_a_minimum_count()
    {
        Rule(AlarmRuleTypes.ErrorRate, threshold: 50, minCount: 4, parameters: """{"classes":[5],"mode":"ratio"}""");
        Assert.Empty(Feed(Ended("a", true, 200, 60_000)));
        Assert.Empty(Feed(Ended("b", false, 503)));
        Assert.Empty(Feed(Ended("c", false, 486))); // 4xx is not counted by this rule
        // A challenge-only attempt is no attempt.
        Assert.Empty(Feed(Ended("ch", false, 407, onChallenge: true)));
        var alarm = Assert.Single(Feed(Ended("d", false, 500))).Alarm;
        Assert.Equal(["b", "d"], alarm.ExampleCallIds);
        Assert.Contains("50% of 4 calls failed with 5xx", alarm.Message);
        // Answered calls bring the ratio down: resolved at the next tick.
        Feed(Ended("e", true, 200, 1000));
        Feed(Ended("f", true, 200, 1000));
        Assert.Equal(AlarmChangeKind.Resolved, Assert.Single(Advance(1)).Change);
    }

    [Fact]
    public void Low_asr_needs_the_minimum_attempts_and_ignores_redirects_and_challenges()
    {
        Rule(AlarmRuleTypes.LowAsr, threshold: 50, minCount: 4);
        Feed(Ended("a", true, 200, 10_000));
        Feed(Ended("b", false, 404));
        Feed(Ended("r", false, 302));
        Feed(Ended("ch", false, 401, onChallenge: true));
        Assert.Empty(Feed(Ended("c", false, 480)));
        var alarm = Assert.Single(Feed(Ended("d", false, 503))).Alarm; // 1 of 4 = 25 %
        Assert.Contains("ASR 25% over 4 attempts", alarm.Message);
        Assert.Equal(["b", "c", "d"], alarm.ExampleCallIds);
    }

    [Fact]
    public void Low_mos_counts_each_call_once_however_many_reports_say_so()
    {
        Rule(AlarmRuleTypes.LowMos, threshold: 3.5, minCount: 2);
        QosReport Report(double mos) => new("rtcp-xr", 0, mos, null, 1, 10, "198.51.100.20");
        Assert.Empty(Feed(new CallEvents.QosAttached("m1", 0, Report(2.9))));
        Assert.Empty(Feed(new CallEvents.QosAttached("m1", 0, Report(2.5))));
        Assert.Empty(Feed(new CallEvents.QosAttached("good", 0, Report(4.3))));
        var alarm = Assert.Single(Feed(new CallEvents.QosAttached("m2", 0, Report(3.1)))).Alarm;
        Assert.Equal(2, alarm.Count);
        Assert.Equal(["m1", "m2"], alarm.ExampleCallIds);
    }

    [Fact]
    public void High_packet_loss_or_jitter_raises()
    {
        Rule(AlarmRuleTypes.HighPacketLoss, threshold: 5, minCount: 1, parameters: """{"jitterMs":40}""");
        Assert.Empty(Feed(new CallEvents.QosAttached("ok", 0, new QosReport("rtcp", 0, null, null, 1, 10, null))));
        var alarm = Assert.Single(Feed(new CallEvents.QosAttached("jit", 0, new QosReport("rtcp", 0, null, null, 0, 80, null)))).Alarm;
        Assert.Equal(["jit"], alarm.ExampleCallIds);
    }

    [Fact]
    public void Registration_storm_counts_new_registrations_in_the_window()
    {
        Rule(AlarmRuleTypes.RegistrationStorm, threshold: 3, window: 10);
        Feed(Started("g1", DialogKinds.Registration, method: "REGISTER"));
        Feed(Started("call", DialogKinds.Call));
        Feed(Started("g2", DialogKinds.Registration, method: "REGISTER"));
        Advance(11);
        Feed(Started("g3", DialogKinds.Registration, method: "REGISTER"));
        Assert.Empty(Feed(Started("g4", DialogKinds.Registration, method: "REGISTER")));
        var alarm = Assert.Single(Feed(Started("g5", DialogKinds.Registration, method: "REGISTER"))).Alarm;
        Assert.Equal(["g3", "g4", "g5"], alarm.ExampleCallIds);
    }

    [Fact]
    public void Host_unreachable_when_options_get_no_2xx_for_the_window_and_resolved_by_the_next_2xx()
    {
        Rule(AlarmRuleTypes.HostUnreachable, window: 30);
        Feed(Started("o1", DialogKinds.Other, method: "OPTIONS", server: "198.51.100.99:5060"));
        Feed(Ended("o1", false, 200, method: "OPTIONS", kind: DialogKinds.Other, server: "198.51.100.99:5060"));
        Feed(Started("o2", DialogKinds.Other, method: "OPTIONS", server: "198.51.100.99:5060"));
        Assert.Empty(Advance(20));
        Feed(Started("o3", DialogKinds.Other, method: "OPTIONS", server: "198.51.100.99:5060"));
        var alarm = Assert.Single(Advance(15)).Alarm;
        Assert.Equal("host:198.51.100.99:5060", alarm.Scope);
        Assert.Equal(["o2", "o3"], alarm.ExampleCallIds);
        Assert.Empty(Advance(10));
        var resolved = Assert.Single(Feed(Ended("o4", false, 200, method: "OPTIONS", kind: DialogKinds.Other, server: "198.51.100.99:5060")));
        Assert.Equal(AlarmChangeKind.Resolved, resolved.Change);
    }

    [Fact]
    public void Short_calls_count_answered_calls_below_the_duration()
    {
        Rule(AlarmRuleTypes.ShortCalls, threshold: 2, parameters: """{"maxDurationSeconds":3}""");
        Feed(Ended("long", true, 200, 60_000));
        Feed(Ended("fail", false, 486));
        Assert.Empty(Feed(Ended("s1", true, 200, 1_500)));
        var alarm = Assert.Single(Feed(Ended("s2", true, 200, 2_999))).Alarm;
        Assert.Equal(["s1", "s2"], alarm.ExampleCallIds);
    }

    [Fact]
    public void Retransmissions_ratio_over_the_messages_of_ended_dialogs()
    {
        Rule(AlarmRuleTypes.Retransmissions, threshold: 20, minCount: 20);
        Assert.Empty(Feed(Ended("a", true, 200, 5000, messages: 10, retransmissions: 0)));
        var alarm = Assert.Single(Feed(Ended("b", true, 200, 5000, messages: 10, retransmissions: 5))).Alarm;
        Assert.Contains("25% of 20 SIP messages", alarm.Message);
        Assert.Equal(["b"], alarm.ExampleCallIds);
    }

    [Fact]
    public void Scope_limits_a_rule_to_matching_addresses_nodes_and_user_agents()
    {
        Rule(AlarmRuleTypes.Scanner, threshold: 1, scope: "ip:203.0.113.0/24");
        Assert.Empty(Feed(Started("out", ua: "friendly-scanner", client: "192.0.2.50")));
        Assert.Single(Feed(Started("in", ua: "friendly-scanner", client: "203.0.113.50")));
        Rule(AlarmRuleTypes.ShortCalls, threshold: 1, scope: "node:other", parameters: """{"maxDurationSeconds":3}""");
        Assert.Empty(Feed(Ended("s", true, 200, 100)));
        Assert.Throws<FormatException>(() => new AlarmRule(new AlarmRuleRow { Name = "x", Type = AlarmRuleTypes.Scanner, Scope = "trunk:a" }));
    }

    [Fact]
    public void A_restored_alarm_gets_one_window_to_show_its_condition_again_before_it_resolves()
    {
        var rule = Rule(AlarmRuleTypes.Scanner, threshold: 1, window: 30);
        _evaluator.Restore([new AlarmRow
        {
            Id = 7, RuleId = rule.Id, RuleType = AlarmRuleTypes.Scanner, Severity = "WARNING", Key = "203.0.113.5", Scope = "ip:203.0.113.5",
            Message = "m", Count = 4, FirstSeen = T0.AddMinutes(-5), LastSeen = T0.AddSeconds(-1), ExampleCallIds = ["old"],
        }], _now);
        Assert.Empty(Advance(10));
        // The condition shows again: the same alarm (no second raise) counts on.
        Assert.Empty(Feed(Started("new", ua: "friendly-scanner", client: "203.0.113.5")));
        var dirty = Assert.Single(_evaluator.TakeDirty());
        Assert.Equal(5, dirty.Count);
        Assert.Empty(Advance(25));
        Assert.Equal(AlarmChangeKind.Resolved, Assert.Single(Advance(10)).Change);
    }

    [Fact]
    public void Disabling_a_rule_resolves_its_open_alarms()
    {
        var rule = Rule(AlarmRuleTypes.Scanner, threshold: 1);
        Assert.Single(Feed(Started("s", ua: "friendly-scanner")));
        var changes = _evaluator.SetRules([new AlarmRule(rule.Row with { Enabled = false, UpdatedAt = T0.AddSeconds(1) })], _now);
        Assert.Equal(AlarmChangeKind.Resolved, Assert.Single(changes).Change);
    }

    [Fact]
    public void A_stalled_storage_writer_raises_storage_stalled_naming_node_and_writer_and_resolves_when_it_writes_again()
    {
        Rule(AlarmRuleTypes.StorageStalled, window: 30, cooldown: 60);
        var since = _now.AddSeconds(-31);
        var stalls = new Dictionary<string, (DateTimeOffset Since, string? Error)> { ["node-1/dialogs"] = (since, "Failed to connect") };

        var raised = Assert.Single(_evaluator.SetStalls(stalls, _now));
        Assert.Equal(AlarmChangeKind.Raised, raised.Change);
        Assert.Equal(AlarmRuleTypes.StorageStalled, raised.Alarm.RuleType);
        Assert.Equal("writer:node-1/dialogs", raised.Alarm.Scope);
        Assert.Contains("dialogs writer of node node-1", raised.Alarm.Message, StringComparison.Ordinal);
        Assert.Equal(since, raised.Alarm.FirstSeen);

        // Still stalled: nothing new, and the alarm holds on every tick.
        Assert.Empty(_evaluator.SetStalls(stalls, _now));
        Assert.Empty(Advance(10));

        // The writer made progress: the next gathering no longer names it and the alarm resolves.
        Assert.Empty(_evaluator.SetStalls(new Dictionary<string, (DateTimeOffset Since, string? Error)>(), _now));
        var resolved = Assert.Single(Advance(1));
        Assert.Equal(AlarmChangeKind.Resolved, resolved.Change);
        Assert.Equal("node-1/dialogs", resolved.Alarm.Key);
    }
}
