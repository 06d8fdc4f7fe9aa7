using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>The live SIP tail fed by the real ingest path: HEP in over UDP, `messages` subscription out over WebSocket.</summary>
public sealed class LiveTailTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task Messages_sent_over_HEP_appear_on_the_live_tail_in_order()
    {
        var callId = "live-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        await client.SubscribeAsync("tail", "subscription ($f: LiveMessageFilter) { messages(filter: $f) { type callId method statusCode srcIp payload } }",
            new { f = new { callId } });
        await Task.Delay(300);

        var call = SipCalls.BasicCall(callId, "tail", "user", SipCalls.NowMicros().AddSeconds(-5));
        await node.SendHep(call.Select(leg => SipCalls.Hep3(leg)).ToArray());

        var seen = new List<JsonElement>();
        while (seen.Count < call.Count)
        {
            var message = await client.ReceiveAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("next", message.GetProperty("type").GetString());
            seen.Add(message.GetProperty("payload").GetProperty("data").GetProperty("messages"));
        }
        Assert.All(seen, m => Assert.Equal(callId, m.GetProperty("callId").GetString()));
        Assert.Equal("INVITE", seen[0].GetProperty("method").GetString());
        Assert.Equal(call[0].Text, seen[0].GetProperty("payload").GetString());
        Assert.Equal(call.Select(l => l.Status), seen.Select(m => m.GetProperty("statusCode").ValueKind == JsonValueKind.Null ? (int?)null : m.GetProperty("statusCode").GetInt32()));
    }
}
