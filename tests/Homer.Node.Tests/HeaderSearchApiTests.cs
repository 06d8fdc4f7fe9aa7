using System.Net.Http.Json;
using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>A node with one header field from configuration (HOMER_HEADER_FIELDS).</summary>
public sealed class HeaderFieldsFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
        [new("HEADER_FIELDS", "trunk=X-Trunk:regex:^([^;]+)")];
}

/// <summary>
/// Search on any SIP header and configured header fields end to end: HEP over UDP into a real node, GraphQL over HTTP
/// on loopback, PostgreSQL; a field declared by the admin mutation applies to the next messages without a restart.
/// </summary>
public sealed class HeaderSearchApiTests(HeaderFieldsFixture node) : IClassFixture<HeaderFieldsFixture>
{
    private const string Query = """
        query ($f: MessageFilter!) {
          messages(filter: $f) { totalCount totalCountExact nodes { callId method statusCode fields pai: header(name: "p-asserted-identity") from: header(name: "f") } }
        }
        """;

    [Fact]
    public async Task Headers_and_declared_fields_are_searched_and_shown_and_a_new_field_applies_without_restart()
    {
        var fields = (await node.GraphQL("{ headerFields { name header part } }")).GetProperty("headerFields");
        Assert.Equal("trunk", fields[0].GetProperty("name").GetString());
        Assert.Equal("regex:^([^;]+)", fields[0].GetProperty("part").GetString());

        // Declared through the API before the call arrives: the ingest of this node applies it at once.
        var set = await node.GraphQL("""mutation { setHeaderField(input: { name: "PAI_user", header: "P-Asserted-Identity", part: "user" }) { name header part } }""");
        Assert.Equal("pai_user", set.GetProperty("setHeaderField").GetProperty("name").GetString());

        var tag = Guid.NewGuid().ToString("N")[..8];
        var start = SipCalls.NowMicros().AddMinutes(-10);
        var call = SipCalls.BasicCall($"hdr-{tag}", $"al{tag}", $"bob{tag}", start).ToList();
        call[0] = call[0] with
        {
            Text = call[0].Text.Replace("Max-Forwards: 70\r\n",
                $"Max-Forwards: 70\r\nP-Asserted-Identity: \"Al\" <sip:+4930{tag}@example.com;user=phone>\r\nX-Trunk: carrier-7;tgrp=x\r\n", StringComparison.Ordinal),
        };
        await node.SendHep(call.Select(l => SipCalls.Hep3(l)).ToArray());
        var range = new Dictionary<string, object> { ["from"] = start.AddSeconds(-1), ["to"] = start.AddMinutes(1) };
        async Task<JsonElement> Search(string key, object conditions, bool withRange = true)
        {
            var filter = withRange ? new Dictionary<string, object>(range) : [];
            filter[key] = conditions;
            return (await node.GraphQL(Query, new { f = filter })).GetProperty("messages");
        }
        await node.Eventually(async () => (await Search("headers", new[] { new { name = "i", value = $"hdr-{tag}" } })).GetProperty("totalCount").GetInt64() == 7,
            "the call stored");

        var byPai = await Search("headers", new[] { new { name = "P-ASSERTED-IDENTITY", value = $"*+4930{tag}*" }, new { name = "f", value = $"\"al{tag}\" <sip:*" } });
        Assert.Equal(1, byPai.GetProperty("totalCount").GetInt64());
        Assert.True(byPai.GetProperty("totalCountExact").GetBoolean());
        var invite = byPai.GetProperty("nodes")[0];
        Assert.Equal("INVITE", invite.GetProperty("method").GetString());
        Assert.Equal($"\"Al\" <sip:+4930{tag}@example.com;user=phone>", invite.GetProperty("pai")[0].GetString());
        Assert.Equal($"\"al{tag}\" <sip:al{tag}@example.com>;tag=caller1", invite.GetProperty("from")[0].GetString());
        var stored = JsonSerializer.Deserialize<Dictionary<string, string>>(invite.GetProperty("fields").GetString()!)!;
        Assert.Equal($"+4930{tag}", stored["pai_user"]);
        Assert.Equal("carrier-7", stored["trunk"]);

        // Declared fields: exact through the index (no range needed), a pattern within the range.
        var byField = await Search("fields", new[] { new { name = "pai_user", value = $"+4930{tag}" } }, withRange: false);
        Assert.Equal("INVITE", byField.GetProperty("nodes")[0].GetProperty("method").GetString());
        Assert.Equal(1, (await Search("fields", new[] { new { name = "trunk", value = "carrier-?" } })).GetProperty("totalCount").GetInt64());
        Assert.Equal(0, (await Search("headers", new[] { new { name = "X-Trunk", value = "carrier-7" } })).GetProperty("totalCount").GetInt64());

        using var response = await node.Http.PostAsJsonAsync("/graphql", new { query = Query, variables = new { f = new { headers = new[] { new { name = "X-Trunk", value = "*" } } } } });
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("BAD_FILTER", body);
        Assert.Contains("needs a time range", body);

        Assert.True((await node.GraphQL("""mutation { deleteHeaderField(name: "pai_user") }""")).GetProperty("deleteHeaderField").GetBoolean());
        Assert.Equal(["trunk"], (await node.GraphQL("{ headerFields { name } }")).GetProperty("headerFields").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
    }
}
