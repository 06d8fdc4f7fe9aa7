using System.Globalization;
using System.Text;
using System.Text.Json;
using Homer.Actors.Ingest;

namespace Homer.Node.Tests;

/// <summary>The walking skeleton end to end: HEP3 over UDP → decode → PostgreSQL and dialog actors → GraphQL.</summary>
public sealed class HepToGraphQLTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    private const string MessagesQuery = """
        query ($callId: String) {
          messages(filter: {callId: $callId}, first: 100) {
            totalCount
            nodes { id timestamp method statusCode reason callId fromUser toUser srcIp srcPort dstIp dstPort captureId node payload parseError protocolType headers }
          }
        }
        """;

    private const string DialogQuery = "query ($callId: String!) { dialog(callId: $callId) { callId messageCount firstSeen lastSeen } }";

    [Fact]
    public async Task Two_calls_over_HEP3_UDP_are_stored_with_every_field_and_counted_by_their_dialogs()
    {
        var start = SipCalls.NowMicros().AddMinutes(-5);
        var callA = SipCalls.BasicCall("a84b4c76e66710@pc33.example.com", "alice", "bob", start);
        var callB = SipCalls.BasicCall("f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "carol", "dave", start.AddSeconds(1));
        // Interleaved as they would be on a busy link.
        await node.SendHep(callA.Zip(callB, (a, b) => new[] { SipCalls.Hep3(a), SipCalls.Hep3(b, captureId: 2002) }).SelectMany(pair => pair).ToArray());

        foreach (var (call, captureId) in new[] { (callA, 2001L), (callB, 2002L) })
        {
            var callId = CallIdOf(call);
            JsonElement messages = default;
            await node.Eventually(async () =>
            {
                messages = (await node.GraphQL(MessagesQuery, new { callId })).GetProperty("messages");
                return messages.GetProperty("totalCount").GetInt64() == call.Count;
            }, $"{call.Count} messages of {callId} stored");

            var nodes = messages.GetProperty("nodes").EnumerateArray().ToList();
            Assert.Equal(call.Count, nodes.Count);
            for (var i = 0; i < call.Count; i++)
            {
                var sent = call[i];
                var got = nodes[i];
                Assert.Equal(sent.Timestamp, DateTimeOffset.Parse(got.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture));
                Assert.EndsWith("Z", got.GetProperty("timestamp").GetString());
                Assert.Equal(sent.Method, NullableString(got, "method"));
                Assert.Equal(sent.Status, got.GetProperty("statusCode").ValueKind == JsonValueKind.Null ? null : got.GetProperty("statusCode").GetInt32());
                Assert.Equal(callId, got.GetProperty("callId").GetString());
                Assert.Equal(call == callA ? "alice" : "carol", got.GetProperty("fromUser").GetString());
                Assert.Equal(call == callA ? "bob" : "dave", got.GetProperty("toUser").GetString());
                Assert.Equal(sent.Source.ToString(), got.GetProperty("srcIp").GetString());
                Assert.Equal(sent.SourcePort, got.GetProperty("srcPort").GetInt32());
                Assert.Equal(sent.Destination.ToString(), got.GetProperty("dstIp").GetString());
                Assert.Equal(sent.DestinationPort, got.GetProperty("dstPort").GetInt32());
                Assert.Equal(captureId, got.GetProperty("captureId").GetInt64());
                Assert.Equal(sent.Text, got.GetProperty("payload").GetString());
                Assert.Equal(JsonValueKind.Null, got.GetProperty("parseError").ValueKind);
                Assert.Equal(1, got.GetProperty("protocolType").GetInt32());
                Assert.False(string.IsNullOrEmpty(got.GetProperty("id").GetString()));
                // The fields without a column of their own, as the decoder wrote them (UTF-8 JSON) into the JSONB column.
                using var headers = JsonDocument.Parse(got.GetProperty("headers").GetString()!);
                var via = headers.RootElement.GetProperty("via");
                Assert.Equal("UDP", via.GetProperty("transport").GetString());
                Assert.Equal("192.0.2.10", via.GetProperty("host").GetString());
                Assert.Equal(5060, via.GetProperty("port").GetInt32());
                Assert.Contains($";branch={via.GetProperty("branch").GetString()}\r\n", sent.Text);
            }
            Assert.Equal("Ringing", nodes[2].GetProperty("reason").GetString());

            JsonElement dialog = default;
            await node.Eventually(async () =>
            {
                dialog = (await node.GraphQL(DialogQuery, new { callId })).GetProperty("dialog");
                return dialog.ValueKind == JsonValueKind.Object && dialog.GetProperty("messageCount").GetInt64() == call.Count;
            }, $"dialog {callId} counted {call.Count} messages");
            Assert.Equal(callId, dialog.GetProperty("callId").GetString());
            Assert.Equal(call[0].Timestamp, DateTimeOffset.Parse(dialog.GetProperty("firstSeen").GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal(call[^1].Timestamp, DateTimeOffset.Parse(dialog.GetProperty("lastSeen").GetString()!, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Malformed_datagrams_are_counted_and_logged_and_the_next_valid_packet_is_stored()
    {
        var decodeErrorsBefore = node.Counters.Dropped(DropReason.DecodeError);
        var unparsedBefore = node.Counters.UnparsedKept;
        var start = SipCalls.NowMicros().AddMinutes(-1);
        var call = SipCalls.BasicCall("malformed-neighbour-" + Guid.NewGuid().ToString("N")[..8], "erin", "frank", start);
        var valid = SipCalls.Hep3(call[0]);
        var truncated = valid[..(valid.Length / 2)];
        var random = new byte[300];
        new Random(4475).NextBytes(random);
        var notSip = SipCalls.Hep3(call[0] with { Text = "" }, payload: Encoding.UTF8.GetBytes("this is not a SIP message at all\r\n"));

        await node.SendHep(truncated, random, notSip, valid);

        await node.Eventually(async () =>
            (await node.GraphQL(MessagesQuery, new { callId = CallIdOf(call) })).GetProperty("messages").GetProperty("totalCount").GetInt64() == 1,
            "the valid packet after the malformed ones is stored");
        Assert.Equal(decodeErrorsBefore + 2, node.Counters.Dropped(DropReason.DecodeError));
        Assert.Equal(unparsedBefore + 1, node.Counters.UnparsedKept);

        // The HEP packet whose SIP payload does not parse is kept raw, with the reason, not thrown away.
        await using var dataSource = node.Database.CreateDataSource();
        await using var cmd = dataSource.CreateCommand("SELECT parse_error, convert_from(payload, 'UTF8') FROM messages WHERE call_id IS NULL");
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.StartsWith("SIP: ", reader.GetString(0));
        Assert.Equal("this is not a SIP message at all\r\n", reader.GetString(1));
    }

    [Fact]
    public async Task An_unknown_Call_ID_has_no_dialog_and_no_messages()
    {
        var data = await node.GraphQL(DialogQuery, new { callId = "never-seen-" + Guid.NewGuid() });
        Assert.Equal(JsonValueKind.Null, data.GetProperty("dialog").ValueKind);
        var messages = (await node.GraphQL(MessagesQuery, new { callId = "never-seen" })).GetProperty("messages");
        Assert.Equal(0, messages.GetProperty("totalCount").GetInt64());
    }

    [Fact]
    public async Task Bad_requests_get_errors_that_say_what_was_wrong()
    {
        using var unknownField = await node.Http.PostAsync("/graphql",
            new StringContent("""{"query":"{ messages(filter: {}) { nope } }"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)unknownField.StatusCode);
        Assert.Contains("nope", await unknownField.Content.ReadAsStringAsync());

        using var notJson = await node.Http.PostAsync("/graphql", new StringContent("{oops", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)notJson.StatusCode);

        using var tooMany = await node.Http.PostAsync("/graphql",
            new StringContent("""{"query":"{ messages(filter: {}, first: 100000) { totalCount } }"}""", Encoding.UTF8, "application/json"));
        var body = await tooMany.Content.ReadAsStringAsync();
        Assert.Contains("first must be between 0 and 10000", body);
        Assert.DoesNotContain("   at ", body);

        using var mutationOverGet = await node.Http.GetAsync("/graphql?query=" + Uri.EscapeDataString("mutation { x }"));
        Assert.Equal(400, (int)mutationOverGet.StatusCode);

        using var get = await node.Http.GetAsync("/graphql?query=" + Uri.EscapeDataString("{ messages(filter: {callId: \"x\"}) { totalCount } }"));
        Assert.Equal(200, (int)get.StatusCode);
    }

    [Fact]
    public async Task Healthz_is_200_while_the_member_is_up_and_the_database_answers()
    {
        using var response = await node.Http.GetAsync("/healthz");
        Assert.Equal(200, (int)response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("up", json.GetProperty("status").GetString());
        Assert.Equal("Up", json.GetProperty("cluster").GetString());
    }

    private static string CallIdOf(IReadOnlyList<SipCalls.Leg> call)
    {
        var line = call[0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal));
        return line["Call-ID: ".Length..];
    }

    private static string? NullableString(JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();
}

public sealed class MetricsTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task Metrics_expose_ingest_counters_drops_by_reason_and_kernel_drops_in_Prometheus_format()
    {
        var call = SipCalls.BasicCall("metrics-" + Guid.NewGuid().ToString("N")[..8], "m", "n", SipCalls.NowMicros().AddMinutes(-1));
        await node.SendHep(SipCalls.Hep3(call[0]), [1, 2, 3]);
        await node.Eventually(() => Task.FromResult(node.Counters.Stored >= 1 && node.Counters.Dropped(DropReason.DecodeError) >= 1), "one stored, one refused");

        var text = await node.Http.GetStringAsync("/metrics");
        var samples = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(samples["homer_hep_received_total"] >= 2);
        Assert.True(samples["homer_messages_stored_total"] >= 1);
        Assert.True(samples["homer_hep_dropped_total{reason=\"DecodeError\"}"] >= 1);
        Assert.Equal(0, samples["homer_hep_dropped_total{reason=\"StorageFailure\"}"]);
        Assert.True(samples.ContainsKey("homer_udp_kernel_socket_drops"));
        Assert.True(samples.ContainsKey("homer_udp_kernel_rcvbuf_errors"));
        Assert.True(samples["homer_store_batch_seconds_count"] >= 1);
    }
}
