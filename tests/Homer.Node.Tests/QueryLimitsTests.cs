using System.Net;
using System.Net.Http.Json;

namespace Homer.Node.Tests;

/// <summary>A node with small query limits, so each limit is reached by a small request.</summary>
public sealed class LimitsNodeFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        new("GRAPHQL_MAX_COMPLEXITY", "200"),
        new("GRAPHQL_MAX_RESULT_KB", "2"),
    ];
}

public sealed class QueryLimitsTests(LimitsNodeFixture node) : IClassFixture<LimitsNodeFixture>
{
    [Fact]
    public async Task A_query_nested_deeper_than_the_limit_is_refused_before_it_runs()
    {
        var ofType = string.Concat(Enumerable.Repeat("ofType { ", 14)) + "name" + new string('}', 14);
        var (status, body) = await Post("{ __schema { types { fields { type { " + ofType + " } } } } }");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("nested", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_query_above_the_complexity_limit_is_refused_before_it_runs()
    {
        var aliases = string.Join(" ", Enumerable.Range(0, 120).Select(i => $"m{i}: me {{ username role }}"));
        var (status, body) = await Post("{ " + aliases + " }");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("complex", body, StringComparison.OrdinalIgnoreCase);
        await node.GraphQL("{ me { username } }");
    }

    [Fact]
    public async Task A_result_over_the_size_cap_is_an_error_that_says_to_page()
    {
        var call = SipCalls.BasicCall("limits-" + Guid.NewGuid().ToString("N")[..8], "alice", "bob", SipCalls.NowMicros().AddMinutes(-1));
        await node.SendHep(call.Select(l => SipCalls.Hep3(l)).ToArray());
        var callId = call[0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal))["Call-ID: ".Length..];
        await node.Eventually(async () =>
            (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}, first: 0) { totalCount } }", new { c = callId }))
            .GetProperty("messages").GetProperty("totalCount").GetInt64() == call.Count, "call stored");

        var (status, body) = await Post("query ($c: String) { messages(filter: {callId: $c}) { nodes { payload } } }", new { c = callId });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("RESULT_TOO_LARGE", body);
        Assert.Contains("smaller page", body);
        Assert.DoesNotContain("INVITE sip:", body);
    }

    private async Task<(HttpStatusCode, string)> Post(string query, object? variables = null)
    {
        using var response = await node.Http.PostAsJsonAsync("/graphql", new { query, variables });
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
