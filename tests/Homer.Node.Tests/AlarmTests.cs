using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>A node whose alarm notifications go to a local webhook and SMTP sink.</summary>
public sealed class AlarmNodeFixture : NodeFixture
{
    public WebhookSink Webhook { get; } = new();
    public SmtpSink Smtp { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        new("ALARM_WEBHOOKS", Webhook.Url.ToString()),
        new("SMTP_HOST", "127.0.0.1"),
        new("SMTP_PORT", Smtp.Port.ToString(CultureInfo.InvariantCulture)),
        new("SMTP_SECURITY", "none"),
        new("SMTP_TO", "noc@example.net"),
        new("DIALOG_IDLE_UNANSWERED_SECONDS", "2"),
        new("DIALOG_LINGER_SECONDS", "1"),
    ];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Webhook.Dispose();
        Smtp.Dispose();
    }
}

/// <summary>
/// Real traffic over HEP raises each rule type's alarm once, with the right scope and example Call-IDs; alarms
/// resolve when the condition ends, respect cooldown, are notified by webhook (retried) and e-mail, and stream to
/// the <c>alarms</c> subscription. Rules are edited through the API and take effect without a restart.
/// </summary>
public class AlarmTests(AlarmNodeFixture node) : IClassFixture<AlarmNodeFixture>
{
    private const string AlarmFields = "id ruleType severity state count firstSeen lastSeen scope message exampleCallIds acknowledgedBy resolvedAt";

    private async Task<JsonElement[]> Alarms(string ruleType, string? state = null)
    {
        var data = await node.GraphQL($"query ($f: AlarmFilter) {{ alarms(filter: $f) {{ {AlarmFields} }} }}",
            new { f = new Dictionary<string, object?> { ["ruleType"] = ruleType, ["state"] = state } });
        return data.GetProperty("alarms").EnumerateArray().ToArray();
    }

    private async Task<string> RuleId(string type)
    {
        var rules = (await node.GraphQL("{ alarmRules { id type name } }")).GetProperty("alarmRules").EnumerateArray();
        return rules.First(r => r.GetProperty("type").GetString() == type && r.GetProperty("name").GetString() == type.ToLowerInvariant().Replace('_', '-'))
            .GetProperty("id").GetString()!;
    }

    /// <summary>Turns on the seeded rule of a type with test-sized settings, through the API.</summary>
    private async Task Enable(string type, double? threshold, int window, int? minCount = null, int cooldown = 60, string? parameters = null, string? scope = null)
    {
        var id = await RuleId(type);
        await node.GraphQL("mutation ($id: ID!, $input: AlarmRuleInput!) { updateAlarmRule(id: $id, input: $input) { id enabled } }", new
        {
            id,
            input = new Dictionary<string, object?>
            {
                ["name"] = type.ToLowerInvariant().Replace('_', '-'), ["type"] = type, ["enabled"] = true, ["threshold"] = threshold,
                ["windowSeconds"] = window, ["minCount"] = minCount, ["cooldownSeconds"] = cooldown, ["parameters"] = parameters, ["scope"] = scope,
            },
        });
    }

    private static string[] Examples(JsonElement alarm) => alarm.GetProperty("exampleCallIds").EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public async Task Scanner_alarm_is_raised_once_notified_streamed_resolved_and_quiet_during_cooldown()
    {
        await Enable("SCANNER", 1, window: 3, cooldown: 60);
        await using var ws = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        await ws.SubscribeAsync("a", $"subscription {{ alarms {{ {AlarmFields} }} }}");
        // The subscription registers on the server after the subscribe message; give it a moment.
        await Task.Delay(500);

        var t = SipCalls.NowMicros();
        var scanner = new SipMix { Caller = IPAddress.Parse("203.0.113.66"), UserAgent = "friendly-scanner" }
            .Options("sc-1", t, 404).Options("sc-2", t.AddMilliseconds(50), 404);
        var normal = new SipMix().Options("ok-1", t, 200);
        await node.SendHep(scanner.Datagrams());
        await node.SendHep(normal.Datagrams());

        JsonElement alarm = default;
        await node.Eventually(async () =>
        {
            var active = await Alarms("SCANNER");
            if (active.Length != 1 || Examples(active[0]).Length < 2)
                return false;
            alarm = active[0];
            return true;
        }, "one scanner alarm with both Call-IDs");
        Assert.Equal("ip:203.0.113.66", alarm.GetProperty("scope").GetString());
        Assert.Equal(["sc-1", "sc-2"], Examples(alarm).Order());
        Assert.Equal(2, alarm.GetProperty("count").GetInt64());
        Assert.Equal("WARNING", alarm.GetProperty("severity").GetString());

        var next = await ws.ReceiveAsync();
        Assert.Equal("next", next.GetProperty("type").GetString());
        var streamed = next.GetProperty("payload").GetProperty("data").GetProperty("alarms");
        Assert.Equal("SCANNER", streamed.GetProperty("ruleType").GetString());
        Assert.Equal(alarm.GetProperty("id").GetString(), streamed.GetProperty("id").GetString());

        // Webhook: the first POST is refused with 500, the retry is delivered.
        await node.Eventually(() => Task.FromResult(node.Webhook.Received.Any(r => r.Status == 200 && r.Body.Contains("\"raised\"")
            && r.Body.Contains("SCANNER"))), "webhook retried and delivered");
        var delivered = node.Webhook.Received.First(r => r.Status == 200 && r.Body.Contains("SCANNER"));
        Assert.True(delivered.Attempt >= 2);
        using (var hook = JsonDocument.Parse(delivered.Body))
        {
            Assert.Equal("ip:203.0.113.66", hook.RootElement.GetProperty("alarm").GetProperty("scope").GetString());
            Assert.NotEmpty(hook.RootElement.GetProperty("alarm").GetProperty("exampleCallIds").EnumerateArray());
        }
        await node.Eventually(() => Task.FromResult(node.Smtp.Messages.Any(m => m.Contains("SCANNER") && m.Contains("203.0.113.66"))), "alarm e-mail");

        // No scanner traffic for the window: resolved.
        await node.Eventually(async () => (await Alarms("SCANNER"))[0].GetProperty("state").GetString() == "RESOLVED", "scanner alarm resolved");
        Assert.NotEqual(JsonValueKind.Null, (await Alarms("SCANNER"))[0].GetProperty("resolvedAt").ValueKind);

        // Cooldown: the same source scanning again does not raise a second alarm yet.
        await node.SendHep(new SipMix { Caller = IPAddress.Parse("203.0.113.66"), UserAgent = "sipvicious" }.Options("sc-3", SipCalls.NowMicros(), 404).Datagrams());
        await Task.Delay(2000);
        Assert.Single(await Alarms("SCANNER"));
    }

    [Fact]
    public async Task Every_other_rule_type_raises_once_with_its_scope_and_example_calls()
    {
        await Enable("AUTH_FAILURES", 3, window: 30);
        await Enable("ERROR_RATE", 2, window: 30, parameters: """{"classes":[5],"mode":"count"}""");
        await Enable("LOW_ASR", 60, window: 30, minCount: 3);
        await Enable("LOW_MOS", 3.5, window: 30, minCount: 1);
        await Enable("HIGH_PACKET_LOSS", 5, window: 30, minCount: 1);
        await Enable("REGISTRATION_STORM", 3, window: 30);
        await Enable("HOST_UNREACHABLE", null, window: 2);
        await Enable("SHORT_CALLS", 2, window: 30, parameters: """{"maxDurationSeconds":3}""");
        await Enable("RETRANSMISSIONS", 5, window: 30, minCount: 5);

        var t = SipCalls.NowMicros();
        var attacker = new SipMix { Caller = IPAddress.Parse("203.0.113.77") }
            .Register("bf-1", t, 403).Register("bf-2", t.AddMilliseconds(10), 403).Register("bf-3", t.AddMilliseconds(20), 403);
        var calls = new SipMix()
            .Call("er-1", t, 503, finalMs: 100)
            .Call("er-2", t.AddMilliseconds(10), 503, finalMs: 100, inviteRetransmissions: 3)
            .Call("sh-1", t.AddMilliseconds(20), 200, finalMs: 100, durationMs: 1000)
            .Call("sh-2", t.AddMilliseconds(30), 200, finalMs: 100, durationMs: 1500);
        var trunk = new SipMix { Server = IPAddress.Parse("198.51.100.99"), ServerPort = 5070 }.Options("hu-1", t, null);
        await node.SendHep(attacker.Datagrams());
        await node.SendHep(calls.Datagrams());
        await node.SendHep(trunk.Datagrams());
        await node.SendHep(SipMix.QosReport("sh-1", t.AddSeconds(2), 2.8), SipMix.QosReport("sh-2", t.AddSeconds(2), 4.4, lossPct: 12));

        async Task<JsonElement> One(string type)
        {
            JsonElement found = default;
            await node.Eventually(async () =>
            {
                var alarms = await Alarms(type);
                if (alarms.Length != 1)
                    return false;
                found = alarms[0];
                return true;
            }, "one " + type + " alarm");
            return found;
        }

        var auth = await One("AUTH_FAILURES");
        Assert.Equal("ip:203.0.113.77", auth.GetProperty("scope").GetString());
        Assert.Equal(["bf-1", "bf-2", "bf-3"], Examples(auth).Order());
        Assert.Equal(["er-1", "er-2"], Examples(await One("ERROR_RATE")).Order());
        var asr = await One("LOW_ASR");
        Assert.Equal("all traffic", asr.GetProperty("scope").GetString());
        Assert.Equal(["er-1", "er-2"], Examples(asr).Order());
        Assert.Equal(["sh-1"], Examples(await One("LOW_MOS")));
        Assert.Equal(["sh-2"], Examples(await One("HIGH_PACKET_LOSS")));
        Assert.Equal(["bf-1", "bf-2", "bf-3"], Examples(await One("REGISTRATION_STORM")).Order());
        Assert.Equal(["sh-1", "sh-2"], Examples(await One("SHORT_CALLS")).Order());
        Assert.Equal(["er-2"], Examples(await One("RETRANSMISSIONS")));
        var host = await One("HOST_UNREACHABLE");
        Assert.Equal("host:198.51.100.99:5070", host.GetProperty("scope").GetString());
        Assert.Equal("CRITICAL", host.GetProperty("severity").GetString());
        Assert.Equal(["hu-1"], Examples(host));

        // Acknowledged by a user, it stays acknowledged while the engine keeps counting.
        var acked = (await node.GraphQL("mutation ($id: ID!) { acknowledgeAlarm(id: $id) { state acknowledgedBy } }",
            new { id = auth.GetProperty("id").GetString() })).GetProperty("acknowledgeAlarm");
        Assert.Equal("ACKNOWLEDGED", acked.GetProperty("state").GetString());
        Assert.Equal("admin", acked.GetProperty("acknowledgedBy").GetString());
        await node.SendHep(new SipMix { Caller = IPAddress.Parse("203.0.113.77") }.Register("bf-4", SipCalls.NowMicros(), 403).Datagrams());
        await node.Eventually(async () => (await Alarms("AUTH_FAILURES"))[0].GetProperty("count").GetInt64() == 4, "acknowledged alarm counts on");
        Assert.Equal("ACKNOWLEDGED", (await Alarms("AUTH_FAILURES"))[0].GetProperty("state").GetString());

        // The trunk answers again: its alarm resolves at once.
        await node.SendHep(new SipMix { Server = IPAddress.Parse("198.51.100.99"), ServerPort = 5070 }.Options("hu-2", SipCalls.NowMicros(), 200).Datagrams());
        await node.Eventually(async () => (await Alarms("HOST_UNREACHABLE"))[0].GetProperty("state").GetString() == "RESOLVED", "trunk alarm resolved");
    }

    [Fact]
    public async Task Rules_are_validated_admin_only_and_editable_at_run_time()
    {
        using var bad = await node.Http.PostAsJsonAsync("/graphql", new
        {
            query = "mutation { createAlarmRule(input: {name: \"x\", type: SCANNER, scope: \"trunk:a\"}) { id } }",
        });
        var badBody = await bad.Content.ReadAsStringAsync();
        Assert.Contains("BAD_ARGUMENT", badBody);
        Assert.Contains("scope", badBody);

        var created = (await node.GraphQL("""
            mutation { createAlarmRule(input: {name: "lab-asr", type: LOW_ASR, threshold: 40, windowSeconds: 120, minCount: 10, scope: "ip:10.0.0.0/8", parameters: "{\"groupBy\":\"server\"}"}) { id name type enabled threshold windowSeconds minCount cooldownSeconds scope parameters } }
            """)).GetProperty("createAlarmRule");
        Assert.Equal("LOW_ASR", created.GetProperty("type").GetString());
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.Equal(900, created.GetProperty("cooldownSeconds").GetInt32());

        var viewer = await CreateUser("alarm-viewer", "VIEWER");
        using var viewerClient = node.Client(await node.Login("alarm-viewer", viewer));
        using var refused = await viewerClient.PostAsJsonAsync("/graphql", new { query = $"mutation {{ deleteAlarmRule(id: \"{created.GetProperty("id").GetString()}\") }}" });
        Assert.Contains("FORBIDDEN", await refused.Content.ReadAsStringAsync());
        // Viewers may read alarms and rules.
        Assert.NotEmpty((await NodeFixture.GraphQL(viewerClient, "{ alarmRules { id } }")).GetProperty("alarmRules").EnumerateArray());

        Assert.True((await node.GraphQL($"mutation {{ deleteAlarmRule(id: \"{created.GetProperty("id").GetString()}\") }}")).GetProperty("deleteAlarmRule").GetBoolean());
        Assert.DoesNotContain((await node.GraphQL("{ alarmRules { name } }")).GetProperty("alarmRules").EnumerateArray(), r => r.GetProperty("name").GetString() == "lab-asr");
    }

    [Fact]
    public async Task Metrics_expose_ingest_call_and_alarm_counters_in_prometheus_format()
    {
        var t = SipCalls.NowMicros();
        await node.SendHep(new SipMix().Call("mx-1", t, 200, pddMs: 500, finalMs: 1000, durationMs: 2000).Datagrams());
        Dictionary<string, double> metrics = [];
        await node.Eventually(async () =>
        {
            metrics = ParsePrometheus(await node.Http.GetStringAsync("/metrics"));
            return metrics.GetValueOrDefault("homer_calls_total{outcome=\"answered\"}") >= 1 && metrics.GetValueOrDefault("homer_call_pdd_seconds_count") >= 1;
        }, "answered call with its PDD in /metrics");
        foreach (var name in new[] { "homer_hep_received_total", "homer_messages_stored_total", "homer_call_attempts_total", "homer_call_pdd_seconds_count" })
            Assert.True(metrics.GetValueOrDefault(name) >= 1, $"{name} is {metrics.GetValueOrDefault(name)}: " +
                string.Join(", ", metrics.Keys.Where(k => k.StartsWith("homer_", StringComparison.Ordinal))));
        Assert.True(metrics.ContainsKey("homer_alarms_open"));
        Assert.True(metrics.ContainsKey("homer_dialogs_active"));
        await node.Eventually(async () => ParsePrometheus(await node.Http.GetStringAsync("/metrics")).GetValueOrDefault("homer_shards") >= 1,
            "dialog shards hosted on the node in /metrics");
        Assert.Contains(metrics.Keys, k => k.StartsWith("homer_hep_dropped_total", StringComparison.Ordinal) || k == "homer_hep_decoded_total");
    }

    private async Task<string> CreateUser(string name, string role)
    {
        const string password = "viewer-password-1";
        await node.GraphQL("mutation ($u: String!, $p: String!, $r: Role!) { createUser(username: $u, password: $p, role: $r) { id } }",
            new { u = name, p = password, r = role });
        return password;
    }

    /// <summary>The Prometheus text format: "name{labels} value" per sample line.</summary>
    private static Dictionary<string, double> ParsePrometheus(string text)
    {
        var samples = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return samples;
    }
}
