using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Homer.Hep;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Node.Tests;

/// <summary>A node whose WebSockets re-check their token every second, so revocation tests finish quickly.</summary>
public sealed class ApiFeatureFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
        [new("WS_AUTH_RECHECK_SECONDS", "1")];
}

/// <summary>
/// The search, flow, QoS, alias, node and dashboard fields against a real node and PostgreSQL, with calls sent over HEP;
/// and who may see what.
/// </summary>
public sealed class ApiFeatureTests(ApiFeatureFixture node) : IClassFixture<ApiFeatureFixture>
{
    private const string FlowQuery = """
        query ($ids: [String!]!, $legs: Boolean) {
          callFlow(callIds: $ids, includeLegs: $legs) {
            callIds
            hosts { id ip port alias }
            events { messageId callId legIndex timestamp deltaMs fromHost toHost label method statusCode cseq transactionId retransmission hasSdp hasAuth }
            markers { timestamp callId kind text }
          }
        }
        """;

    private const string DialogsQuery = """
        query ($f: DialogFilter!, $first: Int, $after: String, $desc: Boolean) {
          dialogs(filter: $f, first: $first, after: $after, descending: $desc) {
            totalCount
            nodes { callId kind state fromUser toUser ruriUser callerIp calleeIp startedAt answeredAt endedAt pddMs setupMs durationMs
                    finalStatus finalReason mosMin mosAvg messageCount correlationGroup node cursor }
            pageInfo { hasNextPage endCursor }
          }
        }
        """;

    [Fact]
    public async Task A_legged_call_over_HEP_is_drawn_by_callFlow_with_both_legs_aliases_markers_and_QoS()
    {
        var aLeg = "flow-" + Guid.NewGuid().ToString("N")[..10] + "@example.com";
        var bLeg = LeggedCall.BLegOf(aLeg);
        var start = SipCalls.NowMicros().AddMinutes(-3);
        var legs = LeggedCall.Build(aLeg, "alice", "bob", start);
        await node.GraphQL("mutation { createAlias(input: {ip: \"198.51.100.20\", port: 5060, name: \"sbc-a-side\"}) { id } }");
        var calleeAlias = (await node.GraphQL("mutation { createAlias(input: {ip: \"203.0.113.30\", name: \"carrier-b\", captureId: 2001}) { id ip port name captureId createdAt } }"))
            .GetProperty("createAlias");
        Assert.Equal(0, calleeAlias.GetProperty("port").GetInt32());

        var log = Hep(new SipCalls.Leg("", LeggedCall.Sbc, 0, LeggedCall.Sbc, 0, start.AddSeconds(2)), 100, "routing " + aLeg + " to trunk-b", aLeg);
        var vq = Hep(new SipCalls.Leg("", LeggedCall.Caller, 5061, IPAddress.Parse("10.0.0.9"), 9060, start.AddSeconds(21)), 35, LeggedCall.VqReport(aLeg), aLeg);
        // RTCP without a correlation id, between the media addresses the SDP announced: the call's by address.
        var rtcp = SipCalls.Hep3(new SipCalls.Leg("", LeggedCall.Callee, 50001, LeggedCall.Caller, 40001, start.AddSeconds(10)), protocolType: 5,
            payload: ReceiverReport(0x55667788, 0x11223344, fractionLost: 32, jitter: 80));
        // The callee's end-of-call report about the B-leg, in its own PUBLISH dialog (RFC 6035).
        var report = LeggedCall.VqReport(bLeg);
        var publish = new SipCalls.Leg(
            "PUBLISH sip:collector@10.0.0.9 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.30:5060;branch=z9hG4bKvq1\r\nMax-Forwards: 70\r\n" +
            "From: <sip:callee@203.0.113.30>;tag=vq\r\nTo: <sip:collector@10.0.0.9>\r\nCall-ID: vq-" + aLeg + "\r\nCSeq: 1 PUBLISH\r\n" +
            "Event: vq-rtcpxr\r\nContent-Type: application/vq-rtcpxr\r\nContent-Length: " + Encoding.UTF8.GetByteCount(report) + "\r\n\r\n" + report,
            LeggedCall.Callee, 5060, IPAddress.Parse("10.0.0.9"), 5060, start.AddSeconds(21));
        await node.SendHep([.. legs.Select(l => SipCalls.Hep3(l)), vq, log, rtcp, SipCalls.Hep3(publish)]);

        JsonElement flow = default;
        await node.Eventually(async () =>
        {
            flow = (await node.GraphQL(FlowQuery, new { ids = new[] { aLeg } })).GetProperty("callFlow");
            return flow.GetProperty("events").GetArrayLength() == legs.Count && flow.GetProperty("markers").GetArrayLength() >= 4;
        }, "the call flow has every arrow of both legs and the QoS and log markers");

        Assert.Equal([aLeg, bLeg], flow.GetProperty("callIds").EnumerateArray().Select(e => e.GetString()));
        var events = flow.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(LeggedCall.Expected.Select(e => e.Label), events.Select(e => e.GetProperty("label").GetString()));
        Assert.Equal(LeggedCall.Expected.Select(e => e.Leg), events.Select(e => e.GetProperty("legIndex").GetInt32()));
        Assert.Equal(LeggedCall.Expected.Select(e => e.Leg == 0 ? aLeg : bLeg), events.Select(e => e.GetProperty("callId").GetString()));
        Assert.Equal(legs.Select(l => l.Timestamp), events.Select(e => DateTimeOffset.Parse(e.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture)));
        Assert.Equal([LeggedCall.Retransmission], events.Select((e, i) => (e, i)).Where(x => x.e.GetProperty("retransmission").GetBoolean()).Select(x => x.i));
        Assert.True(events[LeggedCall.Authorized].GetProperty("hasAuth").GetBoolean());
        Assert.Equal(407, events[1].GetProperty("statusCode").GetInt32());
        Assert.Equal("z9hG4bKa1:INVITE", events[1].GetProperty("transactionId").GetString());
        Assert.Equal(500, events[LeggedCall.Retransmission].GetProperty("deltaMs").GetDouble(), 3);

        var hosts = flow.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(["192.0.2.10:5060", "198.51.100.20:5060", "198.51.100.20:5080", "203.0.113.30:5060"], hosts.Select(h => h.GetProperty("id").GetString()));
        Assert.Equal([null, "sbc-a-side", null, "carrier-b"], hosts.Select(h => h.GetProperty("alias").ValueKind == JsonValueKind.Null ? null : h.GetProperty("alias").GetString()));

        // Each arrow's message is the stored one.
        var firstId = events[0].GetProperty("messageId").GetString();
        var message = (await node.GraphQL("query ($f: MessageFilter!) { messages(filter: $f) { nodes { id method } } }", new { f = new { callId = aLeg } }))
            .GetProperty("messages").GetProperty("nodes")[0];
        Assert.Equal(firstId, message.GetProperty("id").GetString());

        var markers = flow.GetProperty("markers").EnumerateArray().ToList();
        Assert.Contains(markers, m => m.GetProperty("kind").GetString() == "LOG" && m.GetProperty("text").GetString() == "routing " + aLeg + " to trunk-b");
        Assert.Contains(markers, m => m.GetProperty("kind").GetString() == "QOS" && m.GetProperty("text").GetString()!.StartsWith("MOS 3.1 loss 2.5% jitter 3 ms delay 40 ms (rtcp-xr", StringComparison.Ordinal));
        Assert.Contains(markers, m => m.GetProperty("kind").GetString() == "QOS" && m.GetProperty("text").GetString() == "loss 12.5% jitter 10 ms (rtcp ssrc 0x11223344)");
        Assert.Contains(markers, m => m.GetProperty("kind").GetString() == "QOS" && m.GetProperty("callId").GetString() == bLeg
            && m.GetProperty("text").GetString()!.EndsWith("(vq-rtcpxr ssrc 0x11223344)", StringComparison.Ordinal));

        // Without legs only the A-leg is drawn.
        var aOnly = (await node.GraphQL(FlowQuery, new { ids = new[] { aLeg }, legs = false })).GetProperty("callFlow");
        Assert.Equal(LeggedCall.Expected.Count(e => e.Leg == 0), aOnly.GetProperty("events").GetArrayLength());
        Assert.Equal([aLeg], aOnly.GetProperty("callIds").EnumerateArray().Select(e => e.GetString()));
        // Asking from the B-leg finds the A-leg too; the leg asked for is leg 0.
        var fromB = (await node.GraphQL(FlowQuery, new { ids = new[] { bLeg } })).GetProperty("callFlow");
        Assert.Equal([bLeg, aLeg], fromB.GetProperty("callIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(legs.Count, fromB.GetProperty("events").GetArrayLength());

        var qos = (await node.GraphQL("query ($ids: [String!]!) { qos(callIds: $ids) { callId source ssrc direction reporter points { timestamp mos packetLossPct jitterMs delayMs } } }",
            new { ids = new[] { aLeg } })).GetProperty("qos");
        Assert.Equal(["rtcp", "rtcp-xr"], qos.EnumerateArray().Select(q => q.GetProperty("source").GetString()));
        var rr = qos[0];
        Assert.Equal(("0x11223344", "203.0.113.30:50001 -> 192.0.2.10:40001", aLeg), (rr.GetProperty("ssrc").GetString(), rr.GetProperty("direction").GetString(), rr.GetProperty("callId").GetString()));
        var rrPoint = Assert.Single(rr.GetProperty("points").EnumerateArray());
        Assert.Equal((12.5, 10.0), (rrPoint.GetProperty("packetLossPct").GetDouble(), rrPoint.GetProperty("jitterMs").GetDouble()));
        Assert.Equal(JsonValueKind.Null, rrPoint.GetProperty("mos").ValueKind);
        var stream = qos[1];
        Assert.Equal("0x11223344", stream.GetProperty("ssrc").GetString());
        Assert.Equal("192.0.2.10:5061 -> 10.0.0.9:9060", stream.GetProperty("direction").GetString());
        var point = Assert.Single(stream.GetProperty("points").EnumerateArray());
        Assert.Equal(3.1, point.GetProperty("mos").GetDouble());
        Assert.Equal(2.5, point.GetProperty("packetLossPct").GetDouble());
        Assert.Equal(40, point.GetProperty("delayMs").GetDouble());
        var bQos = (await node.GraphQL("query ($ids: [String!]!) { qos(callIds: $ids) { callId source direction points { mos } } }", new { ids = new[] { bLeg } })).GetProperty("qos");
        // The B-leg's INVITE carried the caller's SDP on to the callee, so asked alone it owns that RTCP too.
        Assert.Equal(["rtcp", "vq-rtcpxr"], bQos.EnumerateArray().Select(q => q.GetProperty("source").GetString()));
        var vqStream = bQos[1];
        Assert.Equal(("vq-rtcpxr", bLeg, "203.0.113.30:5060 -> 10.0.0.9:5060"), (vqStream.GetProperty("source").GetString(), vqStream.GetProperty("callId").GetString(), vqStream.GetProperty("direction").GetString()));
        Assert.Equal(3.1, vqStream.GetProperty("points")[0].GetProperty("mos").GetDouble());

        // The dialogs table knows both legs, grouped, and the A-leg's MOS.
        JsonElement page = default;
        await node.Eventually(async () =>
        {
            page = (await node.GraphQL(DialogsQuery, new { f = new { callId = aLeg } })).GetProperty("dialogs");
            return page.GetProperty("totalCount").GetInt32() == 1 && page.GetProperty("nodes")[0].GetProperty("state").GetString() == "COMPLETED"
                && page.GetProperty("nodes")[0].GetProperty("mosMin").ValueKind == JsonValueKind.Number;
        }, "the A-leg's dialog row is completed with its MOS");
        var row = page.GetProperty("nodes")[0];
        Assert.Equal(3.1, row.GetProperty("mosMin").GetDouble());
        Assert.Equal("192.0.2.10", row.GetProperty("callerIp").GetString());
        Assert.Equal(200, row.GetProperty("finalStatus").GetInt32());
        await node.Eventually(async () => (await node.GraphQL(DialogsQuery, new { f = new { callId = bLeg, maxMos = 3.5 } })).GetProperty("dialogs").GetProperty("totalCount").GetInt32() == 1,
            "the B-leg's row has the MOS of its PUBLISH report");
        var lowMos = (await node.GraphQL(DialogsQuery, new { f = new { from = start.AddSeconds(-1), to = start.AddSeconds(1), maxMos = 3.5 } })).GetProperty("dialogs");
        // Both legs had a report of MOS 3.1 (the B-leg's by PUBLISH); newest first.
        Assert.Equal([bLeg, aLeg], lowMos.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("callId").GetString()));
        var goodMos = (await node.GraphQL(DialogsQuery, new { f = new { callId = aLeg, minMos = 3.5 } })).GetProperty("dialogs");
        Assert.Equal(0, goodMos.GetProperty("totalCount").GetInt32());
    }

    [Fact]
    public async Task Dialogs_search_filters_by_every_field_and_pages_with_an_exact_total()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var start = SipCalls.NowMicros().AddHours(-2);
        var calls = Enumerable.Range(0, 5)
            .Select(i => SipCalls.BasicCall($"dlg{i}-{tag}-" + Guid.NewGuid().ToString("N")[..8], $"al{tag}{i}", i < 3 ? $"bob{tag}" : $"carl{tag}", start.AddSeconds(i * 10)))
            .ToList();
        // The last one is never answered: INVITE, 100, then 486.
        var busy = calls[4].Take(2).Append(calls[4][2] with
        {
            Text = calls[4][2].Text.Replace("SIP/2.0 180 Ringing", "SIP/2.0 486 Busy Here", StringComparison.Ordinal),
        }).Append(calls[4][4] with { Timestamp = calls[4][2].Timestamp.AddMilliseconds(10) }).ToList();
        calls[4] = busy;
        await node.SendHep(calls.SelectMany(c => c).Select(l => SipCalls.Hep3(l)).ToArray());
        var window = new { from = start.AddSeconds(-1), to = start.AddMinutes(1) };

        async Task<List<string>> Ids(object filter, int first = 100, bool descending = true) =>
            (await node.GraphQL(DialogsQuery, new { f = filter, first, desc = descending })).GetProperty("dialogs").GetProperty("nodes")
                .EnumerateArray().Select(n => n.GetProperty("callId").GetString()!).ToList();
        string Id(int i) => calls[i][0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal))["Call-ID: ".Length..];

        await node.Eventually(async () =>
        {
            var rows = (await node.GraphQL(DialogsQuery, new { f = window })).GetProperty("dialogs").GetProperty("nodes").EnumerateArray().ToList();
            return rows.Count == 5 && rows.Count(r => r.GetProperty("state").GetString() == "COMPLETED") == 4
                && rows.Count(r => r.GetProperty("state").GetString() == "FAILED") == 1;
        }, "five dialog rows, four completed and one failed");

        Assert.Equal([Id(4), Id(3), Id(2), Id(1), Id(0)], await Ids(window));
        Assert.Equal([Id(0), Id(1), Id(2), Id(3), Id(4)], await Ids(window, descending: false));
        Assert.Equal([Id(2)], await Ids(new { window.from, window.to, fromUser = $"al{tag}2" }));
        Assert.Equal([Id(4), Id(3), Id(2), Id(1), Id(0)], await Ids(new { window.from, window.to, fromUser = $"al{tag}*" }));
        Assert.Equal([Id(2), Id(1), Id(0)], await Ids(new { window.from, window.to, toUser = $"bob{tag}" }));
        Assert.Equal([Id(4), Id(3)], await Ids(new { window.from, window.to, ruriUser = $"*arl{tag}" }));
        Assert.Equal([Id(4), Id(3)], await Ids(new { window.from, window.to, anyUser = $"carl{tag}" }));
        Assert.Equal([Id(3)], await Ids(new { window.from, window.to, anyUser = $"al{tag}3" }));
        Assert.Equal([Id(4)], await Ids(new { window.from, window.to, states = new[] { "FAILED" } }));
        Assert.Equal([Id(4)], await Ids(new { window.from, window.to, finalStatus = new[] { 486 } }));
        Assert.Equal(4, (await Ids(new { window.from, window.to, finalStatus = new[] { 200 }, kind = "CALL" })).Count);
        Assert.Empty(await Ids(new { window.from, window.to, kind = "REGISTRATION" }));
        Assert.Equal(5, (await Ids(new { window.from, window.to, ip = "192.0.2.0/24" })).Count);
        Assert.Equal(5, (await Ids(new { window.from, window.to, ip = "198.51.100.20" })).Count);
        Assert.Empty(await Ids(new { window.from, window.to, ip = "10.0.0.0/8" }));
        // BasicCall: answered at 3 s, BYE at 30 s: 27 s of talk.
        Assert.Equal(4, (await Ids(new { window.from, window.to, minDurationMs = 26_000, maxDurationMs = 28_000 })).Count);
        Assert.Empty(await Ids(new { window.from, window.to, minDurationMs = 28_001 }));
        Assert.Equal(5, (await Ids(new { window.from, window.to, node = "test-*" })).Count);

        // Pages of two: every row once, the total exact on every page.
        var seen = new List<string>();
        string? after = null;
        for (var pageNo = 0; pageNo < 3; pageNo++)
        {
            var page = (await node.GraphQL(DialogsQuery, new { f = window, first = 2, after })).GetProperty("dialogs");
            Assert.Equal(5, page.GetProperty("totalCount").GetInt32());
            seen.AddRange(page.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("callId").GetString()!));
            Assert.Equal(pageNo < 2, page.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
            after = page.GetProperty("pageInfo").GetProperty("endCursor").GetString();
        }
        Assert.Equal([Id(4), Id(3), Id(2), Id(1), Id(0)], seen);

        var row = (await node.GraphQL(DialogsQuery, new { f = new { callId = Id(0) } })).GetProperty("dialogs").GetProperty("nodes")[0];
        Assert.Equal(("CALL", $"al{tag}0", $"bob{tag}", "198.51.100.20"), (row.GetProperty("kind").GetString(), row.GetProperty("fromUser").GetString(),
            row.GetProperty("toUser").GetString(), row.GetProperty("calleeIp").GetString()));
        Assert.Equal(800, row.GetProperty("pddMs").GetInt32());
        Assert.Equal(7, row.GetProperty("messageCount").GetInt32());

        var (status, body) = await Post(node.Http, "{ dialogs(filter: {ip: \"not-an-ip\"}) { totalCount } }");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("not-an-ip", body);
        Assert.Contains("is not an IP address or subnet", body);
        (_, body) = await Post(node.Http, "{ dialogs(filter: {}, after: \"garbage\") { totalCount } }");
        Assert.Contains("is not a cursor", body);
    }

    [Fact]
    public async Task Nodes_list_the_capture_agents_seen_with_their_counts()
    {
        var call = SipCalls.BasicCall("nodes-" + Guid.NewGuid().ToString("N")[..8], "n1", "n2", SipCalls.NowMicros().AddMinutes(-1));
        await node.SendHep(call.Select(l => SipCalls.Hep3(l, captureId: 3777)).ToArray());
        await node.Eventually(async () =>
            (await node.GraphQL("query ($f: MessageFilter!) { messages(filter: $f) { totalCount } }", new { f = new { captureId = 3777 } }))
                .GetProperty("messages").GetProperty("totalCount").GetInt64() == call.Count, "stored");
        node.Services.GetRequiredService<Homer.Api.GraphQL.CaptureNodeCache>().Invalidate();
        var nodes = (await node.GraphQL("{ nodes { node captureId lastSeen messages24h } }")).GetProperty("nodes").EnumerateArray().ToList();
        var agent = Assert.Single(nodes, n => n.GetProperty("captureId").GetInt32() == 3777);
        Assert.Equal("test-node", agent.GetProperty("node").GetString());
        Assert.Equal(call.Count, agent.GetProperty("messages24h").GetInt32());
        Assert.Equal(call[^1].Timestamp, DateTimeOffset.Parse(agent.GetProperty("lastSeen").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Aliases_are_admin_only_and_conflicts_and_bad_input_say_so()
    {
        var created = (await node.GraphQL("mutation { createAlias(input: {ip: \"192.0.2.200\", port: 5060, name: \"pbx\"}) { id name } }")).GetProperty("createAlias");
        var id = created.GetProperty("id").GetString();
        var (_, conflict) = await Post(node.Http, "mutation { createAlias(input: {ip: \"192.0.2.200\", port: 5060, name: \"again\"}) { id } }");
        Assert.Contains("has an alias already", conflict);
        var (_, bad) = await Post(node.Http, "mutation { createAlias(input: {ip: \"pbx.example\", name: \"x\"}) { id } }");
        Assert.Contains("is not an IP address", bad);

        var updated = (await node.GraphQL("mutation ($id: ID!) { updateAlias(id: $id, input: {ip: \"192.0.2.201\", name: \"pbx-2\"}) { ip port name } }", new { id }))
            .GetProperty("updateAlias");
        Assert.Equal(("192.0.2.201", 0, "pbx-2"), (updated.GetProperty("ip").GetString(), updated.GetProperty("port").GetInt32(), updated.GetProperty("name").GetString()));
        Assert.Contains((await node.GraphQL("{ aliases { id name } }")).GetProperty("aliases").EnumerateArray(), a => a.GetProperty("id").GetString() == id);

        using var user = await NewUser("USER");
        var (forbidden, forbiddenBody) = await Post(user, "mutation { createAlias(input: {ip: \"192.0.2.1\", name: \"x\"}) { id } }");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Contains("needs the admin role", forbiddenBody);
        await NodeFixture.GraphQL(user, "{ aliases { id } }");

        Assert.True((await node.GraphQL("mutation ($id: ID!) { deleteAlias(id: $id) }", new { id })).GetProperty("deleteAlias").GetBoolean());
        Assert.False((await node.GraphQL("mutation ($id: ID!) { deleteAlias(id: $id) }", new { id })).GetProperty("deleteAlias").GetBoolean());
    }

    [Fact]
    public async Task Dashboards_belong_to_their_owner_shared_ones_are_read_only_to_others()
    {
        using var owner = await NewUser("USER");
        using var other = await NewUser("USER");
        using var viewer = await NewUser("VIEWER");
        const string Create = "mutation ($i: DashboardInput!) { createDashboard(input: $i) { id title owner shared promoted layout widgets updatedAt } }";
        const string widgets = "[{\"type\":\"calls\",  \"span\":6}]";
        var mine = (await NodeFixture.GraphQL(owner, Create, new { i = new { title = "Private", layout = "6-6", widgets } })).GetProperty("createDashboard");
        Assert.Equal(widgets, mine.GetProperty("widgets").GetString());
        Assert.False(mine.GetProperty("shared").GetBoolean());
        var shared = (await NodeFixture.GraphQL(owner, Create, new { i = new { title = "Team", layout = "12", widgets = "[]", shared = true, promoted = true } })).GetProperty("createDashboard");
        var mineId = mine.GetProperty("id").GetString();
        var sharedId = shared.GetProperty("id").GetString();

        async Task<List<string?>> Titles(HttpClient client) =>
            (await NodeFixture.GraphQL(client, "{ dashboards { id title owner } }")).GetProperty("dashboards").EnumerateArray()
                .Where(d => d.GetProperty("id").GetString() == mineId || d.GetProperty("id").GetString() == sharedId)
                .Select(d => d.GetProperty("title").GetString()).ToList();
        Assert.Equal(["Private", "Team"], await Titles(owner));
        Assert.Equal(["Team"], await Titles(other));
        Assert.Equal(["Team"], await Titles(viewer));
        Assert.Equal(JsonValueKind.Null, (await NodeFixture.GraphQL(other, "query ($id: ID!) { dashboard(id: $id) { id } }", new { id = mineId })).GetProperty("dashboard").ValueKind);
        Assert.Equal("Team", (await NodeFixture.GraphQL(other, "query ($id: ID!) { dashboard(id: $id) { title } }", new { id = sharedId })).GetProperty("dashboard").GetProperty("title").GetString());

        const string Update = "mutation ($id: ID!, $i: DashboardInput!) { updateDashboard(id: $id, input: $i) { title shared promoted } }";
        var (_, readOnly) = await Post(other, Update, new { id = sharedId, i = new { title = "Mine now", layout = "12", widgets = "[]" } });
        Assert.Contains("only the owner or an admin may change it", readOnly);
        var (_, hidden) = await Post(other, "mutation ($id: ID!) { deleteDashboard(id: $id) }", new { id = mineId });
        Assert.Contains("There is no dashboard", hidden);
        var (viewerStatus, _) = await Post(viewer, Create, new { i = new { title = "x", layout = "12", widgets = "[]" } });
        Assert.Equal(HttpStatusCode.Forbidden, viewerStatus);
        var (_, badLayout) = await Post(owner, Create, new { i = new { title = "x", layout = "5-7", widgets = "[]" } });
        Assert.Contains("layout must be one of", badLayout);
        // Rows of structures, as the HOMER 5 seed's 12/4-4-4 and 12/6-6/12: saved and read back as written.
        var (_, rows) = await Post(owner, "mutation ($i: DashboardInput!) { createDashboard(input: $i) { id layout } }",
            new { i = new { title = "Rows", layout = "12/6-6/12", widgets = "[]" } });
        Assert.Contains("\"layout\":\"12/6-6/12\"", rows);
        foreach (var bad in new[] { "12/", "12/5-7", "/12", "12/12/12/12/12/12/12" })
        {
            var (_, refused) = await Post(owner, Create, new { i = new { title = "x", layout = bad, widgets = "[]" } });
            Assert.Contains("layout must be one of", refused);
        }
        var (_, badJson) = await Post(owner, Create, new { i = new { title = "x", layout = "12", widgets = "{oops" } });
        Assert.Contains("widgets is not JSON", badJson);

        // The owner renames without touching the flags; an admin may change and delete anyone's.
        var renamed = (await NodeFixture.GraphQL(owner, Update, new { id = sharedId, i = new { title = "Team NOC", layout = "12", widgets = "[]" } })).GetProperty("updateDashboard");
        Assert.Equal(("Team NOC", true, true), (renamed.GetProperty("title").GetString(), renamed.GetProperty("shared").GetBoolean(), renamed.GetProperty("promoted").GetBoolean()));
        var unshared = (await node.GraphQL(Update, new { id = sharedId, i = new { title = "Team NOC", layout = "12", widgets = "[]", shared = false } })).GetProperty("updateDashboard");
        Assert.False(unshared.GetProperty("shared").GetBoolean());
        Assert.Empty(await Titles(other));
        Assert.True((await node.GraphQL("mutation ($id: ID!) { deleteDashboard(id: $id) }", new { id = mineId })).GetProperty("deleteDashboard").GetBoolean());
        Assert.Equal(["Team NOC"], await Titles(owner));
    }

    [Fact]
    public async Task Viewers_get_no_payloads_by_default_users_do()
    {
        var call = SipCalls.BasicCall("payload-" + Guid.NewGuid().ToString("N")[..8], "secret-caller", "secret-callee", SipCalls.NowMicros().AddMinutes(-1));
        await node.SendHep(SipCalls.Hep3(call[0]));
        var callId = call[0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal))["Call-ID: ".Length..];
        const string Query = "query ($f: MessageFilter!) { messages(filter: $f) { totalCount nodes { method payload } } }";
        await node.Eventually(async () => (await node.GraphQL(Query, new { f = new { callId } })).GetProperty("messages").GetProperty("totalCount").GetInt64() == 1, "stored");

        using var viewer = await NewUser("VIEWER");
        using var user = await NewUser("USER");
        var seenByViewer = (await NodeFixture.GraphQL(viewer, Query, new { f = new { callId } })).GetProperty("messages").GetProperty("nodes")[0];
        Assert.Equal("INVITE", seenByViewer.GetProperty("method").GetString());
        Assert.Equal(JsonValueKind.Null, seenByViewer.GetProperty("payload").ValueKind);
        var seenByUser = (await NodeFixture.GraphQL(user, Query, new { f = new { callId } })).GetProperty("messages").GetProperty("nodes")[0];
        Assert.Equal(call[0].Text, seenByUser.GetProperty("payload").GetString());
    }

    [Fact]
    public async Task Viewers_may_not_search_inside_payloads_nor_read_log_text_users_may()
    {
        var call = SipCalls.BasicCall("oracle-" + Guid.NewGuid().ToString("N")[..8], "secret-caller", "secret-callee", SipCalls.NowMicros().AddMinutes(-1));
        var callId = call[0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal))["Call-ID: ".Length..];
        var log = Hep(new SipCalls.Leg("", SipCalls.Proxy, 0, SipCalls.Proxy, 0, call[0].Timestamp.AddSeconds(1)), 100, "secret-log-line for " + callId, callId);
        await node.SendHep([.. call.Select(l => SipCalls.Hep3(l)), log]);
        const string Flow = "query ($ids: [String!]!) { callFlow(callIds: $ids) { markers { kind text } } }";
        const string Logs = "query ($c: String!) { dialog(callId: $c) { logs { text } } }";
        await node.Eventually(async () =>
            (await node.GraphQL(Flow, new { ids = new[] { callId } })).GetProperty("callFlow").GetProperty("markers").EnumerateArray().Any(m => m.GetProperty("kind").GetString() == "LOG")
            && (await node.GraphQL(Logs, new { c = callId })).GetProperty("dialog") is { ValueKind: JsonValueKind.Object } d && d.GetProperty("logs").GetArrayLength() == 1,
            "the log is a marker of the flow and in the live dialog");

        using var viewer = await NewUser("VIEWER");
        using var user = await NewUser("USER");

        // payloadContains would be a yes/no oracle over text the viewer may not read.
        const string Search = "query ($f: MessageFilter!) { messages(filter: $f) { totalCount } }";
        var (status, refused) = await Post(viewer, Search, new { f = new { callId, payloadContains = "secret-caller" } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("FORBIDDEN", refused);
        Assert.Contains("payloadContains needs the user role", refused);
        Assert.DoesNotContain("totalCount", refused);
        Assert.True((await NodeFixture.GraphQL(user, Search, new { f = new { callId, payloadContains = "secret-caller" } }))
            .GetProperty("messages").GetProperty("totalCount").GetInt64() >= 1);
        // Without payloadContains the viewer searches as before.
        Assert.Equal(call.Count, (await NodeFixture.GraphQL(viewer, Search, new { f = new { callId } })).GetProperty("messages").GetProperty("totalCount").GetInt64());

        string LogMarker(JsonElement data) =>
            data.GetProperty("callFlow").GetProperty("markers").EnumerateArray().Single(m => m.GetProperty("kind").GetString() == "LOG").GetProperty("text").GetString()!;
        Assert.Equal("(log text needs the user role)", LogMarker(await NodeFixture.GraphQL(viewer, Flow, new { ids = new[] { callId } })));
        Assert.Contains("secret-log-line", LogMarker(await NodeFixture.GraphQL(user, Flow, new { ids = new[] { callId } })));

        string LogEntry(JsonElement data) => data.GetProperty("dialog").GetProperty("logs")[0].GetProperty("text").GetString()!;
        Assert.Equal("(log text needs the user role)", LogEntry(await NodeFixture.GraphQL(viewer, Logs, new { c = callId })));
        Assert.Contains("secret-log-line", LogEntry(await NodeFixture.GraphQL(user, Logs, new { c = callId })));
    }

    [Fact]
    public async Task A_NUL_or_an_unpaired_surrogate_in_a_value_is_a_clear_validation_error_not_a_database_error()
    {
        async Task<(HttpStatusCode Status, string Body)> Raw(string json)
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await node.Http.PostAsync("/graphql", content);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var cases = new[]
        {
            """{"query": "query ($c: String) { messages(filter: {callId: $c}) { totalCount } }", "variables": {"c": "abc\u0000def"}}""",
            """{"query": "{ messages(filter: {callId: \"abc\\u0000def\"}) { totalCount } }"}""",
            """{"query": "query ($f: DialogFilter!) { dialogs(filter: $f) { totalCount } }", "variables": {"f": {"fromUser": "x\u0000"}}}""",
            """{"query": "query ($ids: [String!]!) { callFlow(callIds: $ids) { callIds } }", "variables": {"ids": ["ok", "bad\u0000"]}}""",
            """{"query": "mutation ($u: String!) { createUser(username: $u, password: \"password1\", role: VIEWER) { id } }", "variables": {"u": "nul\u0000user"}}""",
        };
        foreach (var json in cases)
        {
            var (status, body) = await Raw(json);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("INVALID_VALUE", body);
            Assert.Contains("NUL character", body);
            Assert.DoesNotContain("POSTGRES", body);
        }
        // In JSON variables the body's reader refuses an unpaired surrogate already; in a GraphQL literal it is this rule.
        var (surrogateStatus, surrogate) = await Raw("""{"query": "{ messages(filter: {callId: \"x\\ud800y\"}) { totalCount } }"}""");
        Assert.Equal(HttpStatusCode.BadRequest, surrogateStatus);
        Assert.Contains("unpaired UTF-16 surrogate", surrogate);

        // The same request with a clean value runs.
        var (okStatus, ok) = await Raw("""{"query": "query ($c: String) { messages(filter: {callId: $c}) { totalCount } }", "variables": {"c": "abcdef"}}""");
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Contains("\"totalCount\":0", ok);

        using var export = await node.Http.GetAsync("/api/export/text?callId=abc%00def");
        Assert.Equal(HttpStatusCode.BadRequest, export.StatusCode);
        Assert.Contains("NUL character", await export.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_open_WebSocket_is_closed_when_its_token_is_revoked_its_user_demoted_or_disabled_or_its_token_expires()
    {
        using var user = await NewUser("USER", out var name);
        var token = (await NodeFixture.GraphQL(user, "mutation { createApiToken(name: \"ws\") { token apiToken { id } } }")).GetProperty("createApiToken");
        await using (var socket = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, token.GetProperty("token").GetString()!))
        {
            await socket.SubscribeAsync("1", "subscription { callEvents { kind } }");
            await NodeFixture.GraphQL(user, "mutation ($id: ID!) { revokeApiToken(id: $id) }", new { id = token.GetProperty("apiToken").GetProperty("id").GetString() });
            var started = DateTime.UtcNow;
            Assert.Equal(4403, await socket.ClosedWithAsync(TimeSpan.FromSeconds(10)));
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "closed within the re-check interval");
            Assert.Contains("revoked", socket.Socket.CloseStatusDescription);
        }

        var session = await node.Login(name, "user-password");
        await using (var socket = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, session))
        {
            // Demoted to viewer: its running subscriptions were allowed payloads, so the socket closes.
            await node.GraphQL("mutation ($u: String!) { updateUserRole(username: $u, role: VIEWER) { role } }", new { u = name });
            Assert.Equal(4403, await socket.ClosedWithAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains("role changed to viewer", socket.Socket.CloseStatusDescription);
        }
        await using (var socket = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, session))
        {
            await node.GraphQL("mutation ($u: String!) { disableUser(username: $u) { disabled } }", new { u = name });
            Assert.Equal(4403, await socket.ClosedWithAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains("disabled", socket.Socket.CloseStatusDescription);
        }

        // Token lifetimes are whole seconds: one that expires in 2-3 s closes its socket with 4401 right then.
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3);
        var shortLived = (await node.GraphQL("mutation ($e: DateTime) { createApiToken(name: \"short\", expiresAt: $e) { token } }",
            new { e = expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture) })).GetProperty("createApiToken").GetProperty("token").GetString()!;
        await using (var socket = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, shortLived))
        {
            Assert.Equal(4401, await socket.ClosedWithAsync(TimeSpan.FromSeconds(10)));
            Assert.True(DateTimeOffset.UtcNow >= expiresAt, "not closed before the expiry");
            Assert.True(DateTimeOffset.UtcNow - expiresAt < TimeSpan.FromSeconds(2), "closed at the expiry");
        }
    }

    [Fact]
    public async Task Call_flow_arguments_are_checked()
    {
        var (_, empty) = await Post(node.Http, "{ callFlow(callIds: []) { callIds } }");
        Assert.Contains("callIds must name at least one Call-ID", empty);
        var many = string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"c{i}\""));
        var (_, tooMany) = await Post(node.Http, "{ qos(callIds: [" + many + "]) { callId } }");
        Assert.Contains("at most 20", tooMany);
        var nothing = (await node.GraphQL(FlowQuery, new { ids = new[] { "never-" + Guid.NewGuid() } })).GetProperty("callFlow");
        Assert.Equal(0, nothing.GetProperty("events").GetArrayLength());
        Assert.Equal(0, nothing.GetProperty("callIds").GetArrayLength());
    }

    [Fact]
    public async Task Messages_filter_by_CSeq_reason_Diversion_and_transaction_type_on_the_server()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var start = SipCalls.NowMicros().AddHours(-3);
        var call = SipCalls.BasicCall($"sess-{tag}", $"al{tag}", $"bob{tag}", start).ToList();
        // A forwarded INVITE that ends busy: Diversion on the INVITE, 486 Busy Here instead of 180/200/ACK/BYE.
        call[0] = call[0] with { Text = call[0].Text.Replace("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nDiversion: \"Desk\" <sip:900@pbx.example.com>;reason=user-busy\r\n", StringComparison.Ordinal) };
        call[2] = call[2] with { Text = call[2].Text.Replace("SIP/2.0 180 Ringing", "SIP/2.0 486 Busy Here", StringComparison.Ordinal) };
        var legs = call.Take(3).ToList();
        string Other(string method, int cseq, string first) =>
            $"{first}\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK{tag}{cseq}\r\nFrom: <sip:al{tag}@example.com>;tag=a1\r\n" +
            $"To: <sip:al{tag}@example.com>\r\nCall-ID: {method.ToLowerInvariant()}-{tag}\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n";
        legs.Add(new(Other("REGISTER", 5, $"REGISTER sip:example.com SIP/2.0"), SipCalls.Caller, 5060, SipCalls.Proxy, 5060, start.AddSeconds(1)));
        legs.Add(new(Other("REGISTER", 5, "SIP/2.0 401 Unauthorized"), SipCalls.Proxy, 5060, SipCalls.Caller, 5060, start.AddSeconds(1.1)));
        legs.Add(new(Other("OPTIONS", 9, $"OPTIONS sip:example.com SIP/2.0"), SipCalls.Caller, 5060, SipCalls.Proxy, 5060, start.AddSeconds(2)));
        legs.Add(new(Other("OPTIONS", 9, "SIP/2.0 200 OK"), SipCalls.Proxy, 5060, SipCalls.Caller, 5060, start.AddSeconds(2.1)));
        await node.SendHep(legs.Select(l => SipCalls.Hep3(l)).ToArray());
        var window = new { from = start.AddSeconds(-1), to = start.AddMinutes(1), fromUser = $"al{tag}" };
        const string query = """
            query ($f: MessageFilter!) { messages(filter: $f) { totalCount nodes { callId method statusCode cseq cseqMethod reason profile } } }
            """;
        async Task<List<string>> Find(Dictionary<string, object> extra)
        {
            var filter = new Dictionary<string, object> { ["from"] = window.from, ["to"] = window.to, ["fromUser"] = window.fromUser };
            foreach (var (k, v) in extra) filter[k] = v;
            return (await node.GraphQL(query, new { f = filter })).GetProperty("messages").GetProperty("nodes").EnumerateArray()
                .Select(n => $"{(n.GetProperty("method").GetString() ?? n.GetProperty("statusCode").GetInt32().ToString(CultureInfo.InvariantCulture))}/{n.GetProperty("profile").GetString()}")
                .ToList();
        }
        await node.Eventually(async () => (await Find([])).Count == 7, "seven messages stored");

        Assert.Equal(["INVITE/CALL", "100/CALL", "486/CALL"], await Find(new() { ["cseq"] = "1 invite" }));
        Assert.Equal(["REGISTER/REGISTRATION", "401/REGISTRATION"], await Find(new() { ["cseq"] = "5" }));
        Assert.Equal(["486/CALL"], await Find(new() { ["reason"] = "busy" }));
        Assert.Equal(["401/REGISTRATION"], await Find(new() { ["reason"] = "unauth*" }));
        Assert.Equal(["INVITE/CALL"], await Find(new() { ["diversion"] = "900" }));
        Assert.Equal(["INVITE/CALL"], await Find(new() { ["diversion"] = "sip:900@pbx.example.com" }));
        Assert.Empty(await Find(new() { ["diversion"] = "901" }));
        Assert.Equal(["REGISTER/REGISTRATION", "401/REGISTRATION"], await Find(new() { ["profiles"] = new[] { "REGISTRATION" } }));
        Assert.Equal(["OPTIONS/DEFAULT", "200/DEFAULT"], await Find(new() { ["profiles"] = new[] { "DEFAULT" } }));
        Assert.Equal(["486/CALL", "200/DEFAULT"], await Find(new() { ["profiles"] = new[] { "CALL", "DEFAULT" }, ["statusCodes"] = new[] { 486, 200 } }));

        var (status, body) = await Post(node.Http, "{ messages(filter: {cseq: \"INVITE 1\"}) { totalCount } }");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("BAD_FILTER", body);
        Assert.Contains("is not a CSeq", body);
        (_, body) = await Post(node.Http, "{ messages(filter: {diversion: \"900@\"}) { totalCount } }");
        Assert.Contains("is not a user or a user@host", body);
    }

    /// <summary>An RTCP receiver report (RFC 3550 6.4.2) with one report block about <paramref name="about"/>.</summary>
    private static byte[] ReceiverReport(uint reporter, uint about, byte fractionLost, uint jitter)
    {
        var packet = new byte[32];
        packet[0] = 0x81; // V=2, one report block
        packet[1] = 201;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 7);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), reporter);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), about);
        packet[12] = fractionLost;
        packet[15] = 3; // cumulative lost
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), 1000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(20), jitter);
        return packet;
    }

    private static byte[] Hep(SipCalls.Leg leg, byte protocolType, string payload, string correlationId) =>
        HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = 2,
            IpProtocol = 17,
            SourceAddress = leg.Source,
            DestinationAddress = leg.Destination,
            SourcePort = (ushort)leg.SourcePort,
            DestinationPort = (ushort)leg.DestinationPort,
            Timestamp = leg.Timestamp,
            ProtocolType = protocolType,
            CaptureId = 2001,
            CorrelationId = correlationId,
            Payload = Encoding.UTF8.GetBytes(payload),
        });

    private Task<HttpClient> NewUser(string role) => NewUser(role, out _);

    private Task<HttpClient> NewUser(string role, out string name)
    {
        var username = role.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..8];
        name = username;
        return Create();

        async Task<HttpClient> Create()
        {
            await node.GraphQL("mutation ($u: String!, $r: Role!) { createUser(username: $u, password: \"user-password\", role: $r) { id } }", new { u = username, r = role });
            return node.Client(await node.Login(username, "user-password"));
        }
    }

    private static async Task<(HttpStatusCode, string)> Post(HttpClient client, string query, object? variables = null)
    {
        using var response = await client.PostAsJsonAsync("/graphql", new { query, variables });
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
