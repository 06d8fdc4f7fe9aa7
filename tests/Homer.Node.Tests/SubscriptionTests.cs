using System.Net;
using System.Text.Json;
using Homer.Api.Subscriptions;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Node.Tests;

/// <summary>A node whose subscribers have small queues and whose sockets must initialise quickly, so limits show in seconds.</summary>
public sealed class SubscriptionNodeFixture : NodeFixture
{
    public const int QueueSize = 50;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        new("SUBSCRIBER_QUEUE", QueueSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("WS_INIT_TIMEOUT_SECONDS", "1"),
        // High enough that a subscription without maxPerSecond is never rate limited here: the slow-subscriber test
        // is about the queue; the rate-limit test asks for its own rate.
        new("LIVE_MAX_PER_SECOND", "10000000"),
    ];
}

/// <summary>graphql-transport-ws on /graphql against a real node: protocol, close codes, call events from real dialogs, the live tail and slow subscribers.</summary>
public sealed class SubscriptionTests(SubscriptionNodeFixture node) : IClassFixture<SubscriptionNodeFixture>
{
    private const string LiveMessages = "subscription ($f: LiveMessageFilter) { messages(filter: $f) { type dropped callId method srcIp srcPort payload } }";
    private const string LimitedMessages = "subscription ($f: LiveMessageFilter, $r: Int) { messages(filter: $f, maxPerSecond: $r) { type dropped skipped callId srcPort } }";

    [Fact]
    public async Task Misuse_closes_the_socket_with_the_protocol_close_codes()
    {
        await using (var noProtocol = await GraphQLWsClient.ConnectAsync(node.BaseAddress, subProtocol: null))
            Assert.Equal(4406, await noProtocol.ClosedWithAsync());

        await using (var silent = await GraphQLWsClient.ConnectAsync(node.BaseAddress))
            Assert.Equal(4408, await silent.ClosedWithAsync());

        await using (var noToken = await GraphQLWsClient.ConnectAsync(node.BaseAddress))
        {
            await noToken.SendAsync(new { type = "connection_init" });
            Assert.Equal(4403, await noToken.ClosedWithAsync());
        }

        await using (var badToken = await GraphQLWsClient.ConnectAsync(node.BaseAddress))
        {
            await badToken.SendAsync(new { type = "connection_init", payload = new { token = "hat_not-a-token" } });
            Assert.Equal(4403, await badToken.ClosedWithAsync());
        }

        await using (var early = await GraphQLWsClient.ConnectAsync(node.BaseAddress))
        {
            await early.SubscribeAsync("1", "{ me { username } }");
            Assert.Equal(4401, await early.ClosedWithAsync());
        }

        await using (var twice = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken))
        {
            await twice.SendAsync(new { type = "connection_init", payload = new { token = node.AdminToken } });
            Assert.Equal(4429, await twice.ClosedWithAsync());
        }

        await using (var duplicate = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken))
        {
            await duplicate.SubscribeAsync("same", LiveMessages);
            await duplicate.SubscribeAsync("same", LiveMessages);
            Assert.Equal(4409, await duplicate.ClosedWithAsync());
        }

        await using (var garbage = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken))
        {
            await garbage.SendTextAsync("{not json");
            Assert.Equal(4400, await garbage.ClosedWithAsync());
        }
    }

    [Fact]
    public async Task Ping_queries_and_errors_over_the_socket()
    {
        await using var client = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        await client.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await client.ReceiveAsync()).GetProperty("type").GetString());

        await client.SubscribeAsync("q", "{ me { username role } }");
        var next = await client.ReceiveAsync();
        Assert.Equal("next", next.GetProperty("type").GetString());
        Assert.Equal("q", next.GetProperty("id").GetString());
        Assert.Equal("admin", next.GetProperty("payload").GetProperty("data").GetProperty("me").GetProperty("username").GetString());
        Assert.Equal("complete", (await client.ReceiveAsync()).GetProperty("type").GetString());

        await client.SubscribeAsync("bad", "subscription { nope }");
        var error = await client.ReceiveAsync();
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Contains("nope", error.GetProperty("payload")[0].GetProperty("message").GetString());

        // A viewer is refused what needs admin, and sees the live tail without payloads.
        var viewerName = "ws-viewer-" + Guid.NewGuid().ToString("N")[..6];
        await node.GraphQL("mutation ($u: String!) { createUser(username: $u, password: \"viewer-pass\", role: VIEWER) { id } }", new { u = viewerName });
        await using var viewer = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, await node.Login(viewerName, "viewer-pass"));
        await viewer.SubscribeAsync("u", "{ users { username } }");
        var refused = await viewer.ReceiveAsync();
        Assert.Equal("error", refused.GetProperty("type").GetString());
        Assert.Contains("needs the admin role", refused.GetProperty("payload")[0].GetProperty("message").GetString());

        var callId = "viewer-tail-" + Guid.NewGuid().ToString("N")[..8];
        await viewer.SubscribeAsync("tail", LiveMessages, new { f = new { callId } });
        await Task.Delay(300);
        Feed.Publish(Message(callId, 0));
        var live = await viewer.ReceiveAsync();
        Assert.Equal(callId, live.GetProperty("payload").GetProperty("data").GetProperty("messages").GetProperty("callId").GetString());
        Assert.Equal(JsonValueKind.Null, live.GetProperty("payload").GetProperty("data").GetProperty("messages").GetProperty("payload").ValueKind);
    }

    [Fact]
    public async Task A_call_sent_over_HEP_produces_its_dialog_events_in_order()
    {
        await using var client = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        var callId = "ws-call-" + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        await client.SubscribeAsync("calls", "subscription ($f: CallEventFilter) { callEvents(filter: $f) { type callId kind state finalStatus fromUser toUser timestamp } }",
            new { f = new { callId } });
        await Task.Delay(500);

        var call = SipCalls.BasicCall(callId, "alice", "bob", SipCalls.NowMicros().AddSeconds(-40));
        await node.SendHep(call.Select(leg => SipCalls.Hep3(leg)).ToArray());

        var events = new List<JsonElement>();
        while (events.Count == 0 || events[^1].GetProperty("type").GetString() != "DIALOG_ENDED")
        {
            var message = await client.ReceiveAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("next", message.GetProperty("type").GetString());
            events.Add(message.GetProperty("payload").GetProperty("data").GetProperty("callEvents"));
        }
        Assert.All(events, e => Assert.Equal(callId, e.GetProperty("callId").GetString()));
        Assert.Equal("DIALOG_STARTED", events[0].GetProperty("type").GetString());
        Assert.Equal("alice", events[0].GetProperty("fromUser").GetString());
        Assert.Equal("bob", events[0].GetProperty("toUser").GetString());
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "STATE_CHANGED" && e.GetProperty("state").GetString() == "ANSWERED");
        Assert.Equal("COMPLETED", events[^1].GetProperty("state").GetString());

        await client.SendAsync(new { id = "calls", type = "complete" });
        await client.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await client.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_subscriber_that_stops_reading_loses_events_with_counted_dropped_notices_and_never_slows_the_feed()
    {
        var callId = "slow-" + Guid.NewGuid().ToString("N")[..8];
        await using var slow = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        await slow.SubscribeAsync("tail", LiveMessages, new { f = new { callId } });
        await Task.Delay(500);

        // Far more than the queue, the in-flight credits and the socket buffers hold. Nobody reads meanwhile, so a
        // feed that waited for its subscriber would hang here: finishing the loop is the proof it does not.
        const int published = 20_000;
        for (var i = 0; i < published; i++)
            Feed.Publish(Message(callId, i));

        long delivered = 0, dropped = 0, notices = 0;
        var lastSeq = -1;
        while (delivered + dropped < published)
        {
            var message = await slow.ReceiveAsync(TimeSpan.FromSeconds(20));
            var data = message.GetProperty("payload").GetProperty("data").GetProperty("messages");
            if (data.GetProperty("type").GetString() == "DROPPED")
            {
                notices++;
                dropped += data.GetProperty("dropped").GetInt64();
                continue;
            }
            delivered++;
            var seq = data.GetProperty("srcPort").GetInt32();
            Assert.True(seq > lastSeq, "messages arrive in order");
            lastSeq = seq;
        }
        Assert.Equal(published, delivered + dropped);
        Assert.True(notices > 0 && dropped > 0, "the slow subscriber was told what it lost");
        Assert.True(delivered >= SubscriptionNodeFixture.QueueSize, $"delivered {delivered}");
    }

    [Fact]
    public async Task A_rate_limited_subscriber_gets_at_most_its_rate_and_is_told_exactly_how_many_were_skipped()
    {
        var callId = "rate-" + Guid.NewGuid().ToString("N")[..8];
        const int rate = 40;
        await using var client = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        await client.SubscribeAsync("tail", LimitedMessages, new { f = new { callId }, r = rate });
        await Task.Delay(500);

        // About 400 a second, ten times the rate, for about 2.5 s; messages of other calls in between are filtered out
        // before the limit and counted nowhere. The bound is on what the limit let through while this loop ran, measured by
        // the loop's own clock, so a slow machine widens the window instead of failing the test.
        const int published = 1_000;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < published; i++)
        {
            Feed.Publish(Message(callId, i));
            Feed.Publish(Message("other-" + callId, i));
            if (i % 20 == 19)
                await Task.Delay(50);
        }
        var window = clock.Elapsed;

        long delivered = 0, skipped = 0, dropped = 0;
        var lastSeq = -1;
        while (delivered + skipped + dropped < published)
        {
            var message = await client.ReceiveAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("next", message.GetProperty("type").GetString());
            var data = message.GetProperty("payload").GetProperty("data").GetProperty("messages");
            switch (data.GetProperty("type").GetString())
            {
                case "DROPPED":
                    dropped += data.GetProperty("dropped").GetInt64();
                    continue;
                case "SKIPPED":
                    skipped += data.GetProperty("skipped").GetInt64();
                    continue;
            }
            delivered++;
            skipped += data.GetProperty("skipped").GetInt64();
            Assert.Equal(callId, data.GetProperty("callId").GetString());
            var seq = data.GetProperty("srcPort").GetInt32();
            Assert.True(seq > lastSeq, "messages arrive in order");
            lastSeq = seq;
        }

        Assert.Equal(published, delivered + skipped + dropped);
        var burst = Math.Max(1, rate / 10);
        var bound = burst + rate * window.TotalSeconds;
        Assert.True(delivered <= bound, $"{delivered} delivered in {window.TotalSeconds:F2} s at {rate}/s (bound {bound:F0})");
        Assert.True(delivered >= burst, $"delivered {delivered}");
        Assert.True(skipped > 0, "the rate limit skipped and said so");

        // Nothing more is owed: no further item arrives.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReceiveAsync(TimeSpan.FromSeconds(1.5)));
    }

    [Fact]
    public async Task Skips_with_nothing_after_them_come_as_a_skipped_notice()
    {
        var callId = "tail-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        await client.SubscribeAsync("tail", LimitedMessages, new { f = new { callId }, r = 1 });
        await Task.Delay(500);

        // A rate of 1 admits the first at once and nothing for the next second: the other 29 are skipped with no
        // message after them to carry the count, so only the notice can tell the client.
        const int published = 30;
        for (var i = 0; i < published; i++)
            Feed.Publish(Message(callId, i));

        var first = (await client.ReceiveAsync(TimeSpan.FromSeconds(20))).GetProperty("payload").GetProperty("data").GetProperty("messages");
        Assert.Equal("MESSAGE", first.GetProperty("type").GetString());
        Assert.Equal(0, first.GetProperty("srcPort").GetInt32());
        long skipped = first.GetProperty("skipped").GetInt64();
        while (skipped < published - 1)
        {
            var notice = (await client.ReceiveAsync(TimeSpan.FromSeconds(20))).GetProperty("payload").GetProperty("data").GetProperty("messages");
            Assert.Equal("SKIPPED", notice.GetProperty("type").GetString());
            skipped += notice.GetProperty("skipped").GetInt64();
        }
        Assert.Equal(published - 1, skipped);
    }

    [Fact]
    public async Task MaxPerSecond_below_one_is_refused()
    {
        await using var client = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        await client.SubscribeAsync("tail", LimitedMessages, new { f = new { callId = "none" }, r = 0 });
        var message = await client.ReceiveAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("error", message.GetProperty("type").GetString());
        Assert.Contains("maxPerSecond", message.GetProperty("payload").ToString());
    }

    private ILiveMessageFeed Feed => node.Services.GetRequiredService<ILiveMessageFeed>();

    private static CapturedMessage Message(string callId, int seq) => new()
    {
        TimestampMicros = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10, Profile = MessageProfile.Default,
        ProtocolType = 1, CallId = callId, Method = "OPTIONS", FromUser = "alice", ToUser = "bob", RuriUser = "bob",
        UserAgent = "TestPhone/1.0", SourceIp = IPAddress.Parse("192.0.2.10"), SourcePort = seq,
        DestinationIp = IPAddress.Parse("198.51.100.20"), DestinationPort = 5060, CaptureId = 2001, NodeName = "test-node",
        Payload = Payload,
    };

    private static readonly byte[] Payload = System.Text.Encoding.ASCII.GetBytes(new string('x', 1_000));
}
