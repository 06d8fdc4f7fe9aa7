using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Homer.LoadTool;

/// <summary>
/// GraphQL latency through a running node on a seeded store (<c>seed --dialogs</c>): each query is one HTTP POST, timed
/// from send to the parsed response, one at a time, for Call-IDs sampled from the store.
/// </summary>
public static class ApiBench
{
    private const string DialogQuery = "query ($id: String!) { dialog(callId: $id) { callId state messageCount durationMs } }";
    private const string FlowQuery = """
        query ($id: String!) { callFlow(callIds: [$id]) { callIds hosts { id alias } events { messageId timestamp fromHost toHost label retransmission } markers { kind text } } }
        """;
    private const string DialogsQuery = """
        query ($f: DialogFilter!) { dialogs(filter: $f, first: 50) { totalCount nodes { callId state startedAt durationMs } pageInfo { hasNextPage endCursor } } }
        """;

    public static async Task RunAsync(string connectionString, Uri url, string? token, int queries, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var callIds = new List<string>();
        await using (var sample = dataSource.CreateCommand($"SELECT call_id FROM dialogs TABLESAMPLE SYSTEM (1) LIMIT {queries}"))
        await using (var reader = await sample.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                callIds.Add(reader.GetString(0));
        if (callIds.Count == 0)
            throw new InvalidOperationException("The dialogs table is empty: seed with --dialogs first.");
        long messages, dialogs;
        await using (var count = dataSource.CreateCommand("SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM dialogs)"))
        await using (var reader = await count.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            messages = reader.GetInt64(0);
            dialogs = reader.GetInt64(1);
        }

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var random = new Random(11);
        var dialog = await Time(queries, i => Post(http, DialogQuery, new { id = callIds[i % callIds.Count] }, "dialog", ct));
        var flow = await Time(queries, i => Post(http, FlowQuery, new { id = callIds[(i + 7) % callIds.Count] }, "callFlow", ct));
        var search = await Time(queries, _ =>
        {
            var end = DateTimeOffset.UtcNow.AddHours(-random.NextDouble() * 20);
            return Post(http, DialogsQuery, new { f = new { anyUser = StoreSeeder.UserName(random.Next(StoreSeeder.Users))[..5] + "*", from = end.AddHours(-1), to = end } }, "dialogs", ct);
        });
        Console.WriteLine($"store: {messages:N0} messages, {dialogs:N0} dialogs; {queries} queries each over HTTP, p50 / p99 / max in ms:");
        Console.WriteLine($"  dialog(callId)                            {dialog}");
        Console.WriteLine($"  callFlow(callIds: [one], legs)            {flow}");
        Console.WriteLine($"  dialogs(anyUser prefix, one hour), 50     {search}");
    }

    private static async Task Post(HttpClient http, string query, object variables, string field, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/graphql", new { query, variables }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        using var json = JsonDocument.Parse(body);
        if (!response.IsSuccessStatusCode || json.RootElement.TryGetProperty("errors", out _)
            || !json.RootElement.GetProperty("data").TryGetProperty(field, out var data) || data.ValueKind == JsonValueKind.Null)
            throw new InvalidOperationException($"{field}: HTTP {(int)response.StatusCode}: {body[..Math.Min(body.Length, 500)]}");
    }

    private static async Task<string> Time(int queries, Func<int, Task> query)
    {
        await query(0); // warm the connection and the plans
        var samples = new double[queries];
        for (var i = 0; i < queries; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await query(i);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(samples);
        return FormattableString.Invariant($"{samples[queries / 2]:F1} / {samples[(int)Math.Ceiling(queries * 0.99) - 1]:F1} / {samples[^1]:F1}");
    }
}
