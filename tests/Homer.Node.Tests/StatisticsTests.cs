using System.Globalization;
using System.Text.Json;
using Homer.TestSupport;
using Microsoft.Extensions.Configuration;

namespace Homer.Node.Tests;

/// <summary>
/// A known mix of calls and registrations over HEP into a real node, stopped and started again halfway: every KPI of
/// <c>stats</c> is what the generator produced, nothing lost or counted twice by the restart.
/// </summary>
public class StatisticsTests
{
    private sealed class Node(string connectionString) : NodeFixture
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);
        protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
        [
            new("DIALOG_IDLE_UNANSWERED_SECONDS", "2"),
            new("DIALOG_LINGER_SECONDS", "1"),
            new("STATS_TOP_FLUSH_SECONDS", "1"),
        ];
    }

    private const string StatsQuery = """
        query ($from: DateTime!, $to: DateTime!) {
          stats(from: $from, to: $to, bucket: MINUTE) {
            points { bucket callAttempts }
            totals {
              requests { key count } responses { key count }
              callAttempts callsAnswered callsFailed4xx callsFailed5xx callsFailed6xx callsCancelled callsRedirected callsNoFinal
              callsChallengeOnly callsUserEffective asr ner pddP50Ms pddAvgMs setupP50Ms acdSeconds mos { key count } mosAvg
              registrations registrationFailures registrationChallenges callMessages callRetransmissions retransmissionRatio
            }
            topSourceIps { key count }
            topUserAgents { key count }
          }
        }
        """;

    [Theory]
    [InlineData("STATS_TOP_KEYS", "0")]
    [InlineData("STATS_TOP_KEYS", "many")]
    [InlineData("STATS_TOP_FLUSH_SECONDS", "0")]
    [InlineData("STATS_TOP_FLUSH_SECONDS", "-5")]
    public void A_bad_top_list_setting_stops_the_node_with_the_setting_named(string key, string value)
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        var error = Assert.Throws<FormatException>(() => NodeSettings.From(settings));
        Assert.Contains("HOMER_" + key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Top_lists_keep_a_thousand_keys_and_flush_every_ten_seconds_unless_told_otherwise()
    {
        var defaults = NodeSettings.From(new ConfigurationBuilder().Build()).Storage;
        Assert.Equal(1_000, defaults.TopKeysPerMinute);
        Assert.Equal(TimeSpan.FromSeconds(10), defaults.TopKeysFlushInterval);
        var set = NodeSettings.From(new ConfigurationBuilder().AddInMemoryCollection(
            [new("STATS_TOP_KEYS", "50"), new("STATS_TOP_FLUSH_SECONDS", "2")]).Build()).Storage;
        Assert.Equal(50, set.TopKeysPerMinute);
        Assert.Equal(TimeSpan.FromSeconds(2), set.TopKeysFlushInterval);
    }

    [Fact]
    public async Task Every_kpi_matches_the_generated_mix_across_a_node_restart()
    {
        await using var database = await TestDatabase.CreateAsync();
        var now = SipCalls.NowMicros();
        var t = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(-5).AddSeconds(1);
        var from = t.AddMinutes(-1);
        var to = now.AddMinutes(5);

        // Part one: sent, counted, then the node stops.
        var first = new SipMix()
            .Call("st-a1", t, 200, pddMs: 800, finalMs: 3000, durationMs: 30_000)
            .Call("st-a2", t.AddMilliseconds(100), 200, pddMs: 1200, finalMs: 3500, durationMs: 60_000)
            .Call("st-busy", t.AddMilliseconds(200), 486, finalMs: 2000)
            .Call("st-404", t.AddMilliseconds(300), 404, finalMs: 100)
            .Register("st-reg1", t.AddMilliseconds(400), 200, challenge: true);
        // Part two: after the restart, on a new node with the same database.
        var second = new SipMix()
            .Call("st-a3", t.AddMilliseconds(500), 200, pddMs: 2500, finalMs: 4000, durationMs: 90_000, inviteRetransmissions: 1)
            .Call("st-auth", t.AddMilliseconds(600), 200, pddMs: 1800, finalMs: 5000, durationMs: 10_000, challenge: true)
            .Call("st-503", t.AddMilliseconds(700), 503, finalMs: 500)
            .Call("st-603", t.AddMilliseconds(800), 603, finalMs: 4000)
            .Call("st-cancel", t.AddMilliseconds(900), 0, pddMs: 600, cancelAtMs: 5000)
            .Call("st-302", t.AddMilliseconds(1000), 302, finalMs: 50)
            .ChallengeOnly("st-chal", t.AddMilliseconds(1100))
            .Register("st-reg2", t.AddMilliseconds(1200), 200, challenge: true)
            .Register("st-reg3", t.AddMilliseconds(1300), 403);

        var node = new Node(database.ConnectionString);
        try
        {
            await node.InitializeAsync();
            await node.SendHep(first.Datagrams());
            // MOS after the BYE, as vq-rtcpxr and the last RTCP-XR arrive.
            await node.SendHep(SipMix.QosReport("st-a1", t.AddSeconds(40), 4.3));
            await node.Eventually(async () => (await Totals(node, from, to)).GetProperty("callAttempts").GetInt64() == 4
                && (await Totals(node, from, to)).GetProperty("mosAvg").ValueKind == JsonValueKind.Number, "part one counted");
        }
        finally
        {
            await node.DisposeAsync();
        }

        node = new Node(database.ConnectionString);
        try
        {
            await node.InitializeAsync();
            await node.SendHep(second.Datagrams());
            await node.SendHep(SipMix.QosReport("st-a3", t.AddSeconds(100), 3.2));
            await node.Eventually(async () =>
            {
                var totals = await Totals(node, from, to);
                return totals.GetProperty("callsChallengeOnly").GetInt64() == 1 && totals.GetProperty("callAttempts").GetInt64() == 9
                    && totals.GetProperty("mos").EnumerateArray().Sum(m => m.GetProperty("count").GetInt64()) == 2;
            }, "part two counted");
            // The top lists are written every STATS_TOP_FLUSH_SECONDS, part one's by the stop.
            var messageCount = first.Legs.Concat(second.Legs).Count();
            await node.Eventually(async () =>
                (await node.GraphQL(StatsQuery, new { from, to })).GetProperty("stats").GetProperty("topSourceIps").EnumerateArray()
                    .Sum(k => k.GetProperty("count").GetInt64()) == messageCount, "top lists written");
            // A moment more: a double count would show up now.
            await Task.Delay(1500);

            var stats = (await node.GraphQL(StatsQuery, new { from, to })).GetProperty("stats");
            var totals = stats.GetProperty("totals");
            var all = first.Legs.Concat(second.Legs).ToArray();

            Assert.Equal(all.Where(l => l.Method is not null).GroupBy(l => l.Method!).ToDictionary(g => g.Key, g => (long)g.Count()),
                KeyCounts(totals.GetProperty("requests")));
            Assert.Equal(all.Where(l => l.Status is not null).GroupBy(l => $"{l.Status} {CSeqMethod(l.Text)}").ToDictionary(g => g.Key, g => (long)g.Count()),
                KeyCounts(totals.GetProperty("responses")));

            Assert.Equal(9, totals.GetProperty("callAttempts").GetInt64());
            Assert.Equal(4, totals.GetProperty("callsAnswered").GetInt64());
            Assert.Equal(2, totals.GetProperty("callsFailed4xx").GetInt64());
            Assert.Equal(1, totals.GetProperty("callsFailed5xx").GetInt64());
            Assert.Equal(1, totals.GetProperty("callsFailed6xx").GetInt64());
            Assert.Equal(1, totals.GetProperty("callsCancelled").GetInt64());
            Assert.Equal(1, totals.GetProperty("callsRedirected").GetInt64());
            Assert.Equal(0, totals.GetProperty("callsNoFinal").GetInt64());
            Assert.Equal(1, totals.GetProperty("callsChallengeOnly").GetInt64());
            Assert.Equal(2, totals.GetProperty("callsUserEffective").GetInt64());
            Assert.Equal(100.0 * 4 / 9, totals.GetProperty("asr").GetDouble(), 6);
            Assert.Equal(100.0 * 6 / 9, totals.GetProperty("ner").GetDouble(), 6);
            // PDDs 600, 800, 1200, 1800, 2500 ms: the median falls in the (1000, 1500] bucket, whose one value (its
            // mean, 1200) bounds the spread to [1000, 1400]: halfway is the call's own 1200 ms.
            Assert.Equal(1200, totals.GetProperty("pddP50Ms").GetDouble(), 6);
            Assert.Equal(1380, totals.GetProperty("pddAvgMs").GetDouble(), 6);
            // Setup 3000, 3500, 4000, 5000 ms: the median falls in (3000, 4000] holding 3500 and 4000 (mean 3750, so
            // spread over [3500, 4000]), at its middle: 3750, the median of the four.
            Assert.Equal(3750, totals.GetProperty("setupP50Ms").GetDouble(), 6);
            Assert.Equal((30 + 60 + 90 + 10) / 4.0, totals.GetProperty("acdSeconds").GetDouble(), 6);
            var mos = KeyCounts(totals.GetProperty("mos"));
            Assert.Equal(1, mos["4-4.5"]);
            Assert.Equal(1, mos["3-3.5"]);
            Assert.Equal(2, mos.Values.Sum());
            Assert.Equal(3.75, totals.GetProperty("mosAvg").GetDouble(), 6);
            Assert.Equal(2, totals.GetProperty("registrations").GetInt64());
            Assert.Equal(1, totals.GetProperty("registrationFailures").GetInt64());
            Assert.Equal(2, totals.GetProperty("registrationChallenges").GetInt64());

            var callIds = new[] { "st-a1", "st-a2", "st-busy", "st-404", "st-a3", "st-auth", "st-503", "st-603", "st-cancel", "st-302", "st-chal" };
            Assert.Equal(all.Count(l => callIds.Any(id => l.Text.Contains("Call-ID: " + id + "\r\n"))), totals.GetProperty("callMessages").GetInt64());
            Assert.Equal(1, totals.GetProperty("callRetransmissions").GetInt64());

            Assert.Equal(all.GroupBy(l => l.Source.ToString()).ToDictionary(g => g.Key, g => (long)g.Count()), KeyCounts(stats.GetProperty("topSourceIps")));
            Assert.Equal(new Dictionary<string, long> { ["TestPhone/1.0"] = all.Count(l => l.Method is not null) },
                KeyCounts(stats.GetProperty("topUserAgents")));
            // Every call started in one minute: one bucket holds them all.
            Assert.Contains(stats.GetProperty("points").EnumerateArray(), p => p.GetProperty("callAttempts").GetInt64() == 9);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    private static async Task<JsonElement> Totals(NodeFixture node, DateTimeOffset from, DateTimeOffset to) =>
        (await node.GraphQL(StatsQuery, new { from, to })).GetProperty("stats").GetProperty("totals");

    private static Dictionary<string, long> KeyCounts(JsonElement list) =>
        list.EnumerateArray().Where(k => k.GetProperty("count").GetInt64() > 0)
            .ToDictionary(k => k.GetProperty("key").GetString()!, k => k.GetProperty("count").GetInt64());

    private static string CSeqMethod(string text)
    {
        var line = text.Split("\r\n").First(l => l.StartsWith("CSeq:", StringComparison.Ordinal));
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
    }
}
