using System.Net;
using System.Text.Json;
using Homer.TestSupport;

namespace Homer.Node.Tests;

/// <summary>
/// The node running the alarm engine stops while an alarm is active; the engine that starts next (here: the next
/// node on the same database) carries the same alarm on instead of losing it or raising it a second time.
/// </summary>
public class AlarmFailoverTests
{
    private sealed class Node(string connectionString) : NodeFixture
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);
    }

    private static async Task<JsonElement[]> ScannerAlarms(NodeFixture node) =>
        (await node.GraphQL("{ alarms(filter: {ruleType: SCANNER}) { id state count exampleCallIds } }")).GetProperty("alarms").EnumerateArray().ToArray();

    [Fact]
    public async Task An_active_alarm_survives_the_engine_moving_and_is_not_raised_twice()
    {
        await using var database = await TestDatabase.CreateAsync();
        var source = new SipMix { Caller = IPAddress.Parse("203.0.113.88"), UserAgent = "friendly-scanner" };
        string id;

        var node = new Node(database.ConnectionString);
        try
        {
            await node.InitializeAsync();
            var rule = (await node.GraphQL("{ alarmRules { id type } }")).GetProperty("alarmRules").EnumerateArray()
                .First(r => r.GetProperty("type").GetString() == "SCANNER").GetProperty("id").GetString();
            await node.GraphQL("mutation ($id: ID!) { updateAlarmRule(id: $id, input: {name: \"scanner\", type: SCANNER, threshold: 1, windowSeconds: 8, cooldownSeconds: 60}) { id } }",
                new { id = rule });
            await node.SendHep(new SipMix { Caller = source.Caller, UserAgent = source.UserAgent }.Options("fo-1", SipCalls.NowMicros(), 404).Datagrams());
            await node.Eventually(async () => (await ScannerAlarms(node)) is [{ } a] && a.GetProperty("state").GetString() == "ACTIVE", "scanner alarm active");
            id = (await ScannerAlarms(node))[0].GetProperty("id").GetString()!;
        }
        finally
        {
            await node.DisposeAsync();
        }

        node = new Node(database.ConnectionString);
        try
        {
            await node.InitializeAsync();
            // The scanner is still at it, within the window the new engine gives the carried-on alarm.
            await node.SendHep(new SipMix { Caller = source.Caller, UserAgent = source.UserAgent }.Options("fo-2", SipCalls.NowMicros(), 404).Datagrams());
            await node.Eventually(async () => (await ScannerAlarms(node)) is [{ } a] && a.GetProperty("count").GetInt64() == 2, "the same alarm counts on");
            var alarm = Assert.Single(await ScannerAlarms(node));
            Assert.Equal(id, alarm.GetProperty("id").GetString());
            Assert.Equal("ACTIVE", alarm.GetProperty("state").GetString());
            Assert.Equal(["fo-1", "fo-2"], alarm.GetProperty("exampleCallIds").EnumerateArray().Select(e => e.GetString()).Order());

            // Then it stops: the carried-on alarm resolves like any other.
            await NodeFixture.WaitUntil(async () => (await ScannerAlarms(node))[0].GetProperty("state").GetString() == "RESOLVED",
                TimeSpan.FromSeconds(30), "resolved after the window");
            Assert.Single(await ScannerAlarms(node));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
