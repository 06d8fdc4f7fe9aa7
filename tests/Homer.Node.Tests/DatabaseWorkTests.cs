using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Homer.Node.Tests;

/// <summary>A node whose users may each run two database requests at once.</summary>
public sealed class DatabaseWorkNodeFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        new("GRAPHQL_USER_CONCURRENCY", "2"),
    ];
}

/// <summary>
/// The database work one GraphQL request and one user may cause (docs/operations.md, "Database work of GraphQL
/// requests"). A search is held in PostgreSQL by a lock this test takes on the messages table, so "running" and
/// "cancelled" are read from pg_stat_activity, not from timings.
/// </summary>
public sealed class DatabaseWorkTests(DatabaseWorkNodeFixture node) : IClassFixture<DatabaseWorkNodeFixture>
{
    private const string Search = "query ($u: String) { messages(filter: { fromUser: $u }) { totalCount } }";

    [Fact]
    public async Task A_thousand_aliases_of_a_search_are_refused_before_any_runs()
    {
        // As the issue sent it, written tight to fit the 64 KiB query limit.
        var aliases = string.Join(" ", Enumerable.Range(0, 1000).Select(i => $"a{i}:messages(filter:{{payloadContains:\"x\"}}){{totalCount}}"));

        var (status, body) = await Post("{ " + aliases + " }");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("TOO_MUCH_DATABASE_WORK", body);
        Assert.Contains("1000 database searches", body);
        Assert.Contains("at most 10 per request", body);
    }

    [Fact]
    public async Task Each_alias_counts_so_eleven_searches_are_refused_and_ten_run()
    {
        string Aliases(int n) => "{ " + string.Join(" ", Enumerable.Range(0, n).Select(i => $"a{i}: dialogs(filter: {{ fromUser: \"nobody{i}\" }}) {{ totalCount }}")) + " }";

        var (refused, refusedBody) = await Post(Aliases(11));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("TOO_MUCH_DATABASE_WORK", refusedBody);

        var (ran, ranBody) = await Post(Aliases(10));
        Assert.Equal(HttpStatusCode.OK, ran);
        Assert.DoesNotContain("errors", ranBody);
    }

    [Fact]
    public async Task A_user_running_as_many_searches_as_allowed_gets_a_clear_refusal_for_one_more_and_others_are_not_affected()
    {
        var user = "held" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = node.Database.CreateDataSource();
        await using var locker = await dataSource.OpenConnectionAsync();
        await using var tx = await locker.BeginTransactionAsync();
        await new NpgsqlCommand("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE", locker, tx).ExecuteNonQueryAsync();

        var first = Post(Search, new { u = user });
        var second = Post(Search, new { u = user });
        await node.Eventually(async () => await WaitingSearches(dataSource) == 2, "two searches wait on the lock in PostgreSQL");

        var (status, body) = await Post(Search, new { u = user });
        Assert.Equal((HttpStatusCode)429, status);
        Assert.Contains("TOO_MANY_CONCURRENT_QUERIES", body);
        Assert.Contains("Too many concurrent queries", body);
        Assert.Equal(2, await WaitingSearches(dataSource));

        // Another user is not held back by this one's slots (its search waits on the same lock, then runs).
        var viewer = await ViewerClient();
        var other = NodeFixture.GraphQL(viewer, Search, new { u = user });

        await tx.RollbackAsync();
        foreach (var (okStatus, okBody) in new[] { await first, await second })
        {
            Assert.Equal(HttpStatusCode.OK, okStatus);
            Assert.Contains("\"totalCount\":0", okBody);
        }
        Assert.Equal(0, (await other).GetProperty("messages").GetProperty("totalCount").GetInt64());
        // The slots are given back: the same user searches again.
        var (again, againBody) = await Post(Search, new { u = user });
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Contains("\"totalCount\":0", againBody);
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_its_search_in_PostgreSQL()
    {
        var user = "gone" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = node.Database.CreateDataSource();
        await using var locker = await dataSource.OpenConnectionAsync();
        await using var tx = await locker.BeginTransactionAsync();
        await new NpgsqlCommand("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE", locker, tx).ExecuteNonQueryAsync();

        using var client = node.Client(node.AdminToken);
        using var abandon = new CancellationTokenSource();
        var request = client.PostAsJsonAsync("/graphql", new { query = Search, variables = new { u = user } }, abandon.Token);
        await node.Eventually(async () => await WaitingSearches(dataSource) == 1, "the search waits on the lock in PostgreSQL");

        // The client closes its connection; the lock is still held, so only a cancel can end the search.
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        client.Dispose();
        await node.Eventually(async () => await WaitingSearches(dataSource) == 0, "the search is cancelled in PostgreSQL while the lock is still held");
        await tx.RollbackAsync();
    }

    /// <summary>Backends of this test's database whose search of the messages waits on a lock (the one this test holds).</summary>
    private static async Task<long> WaitingSearches(NpgsqlDataSource dataSource)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%FROM messages%'
              AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_stat_activity.pid AND NOT l.granted)
            """);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<HttpClient> ViewerClient()
    {
        var name = "viewer" + Guid.NewGuid().ToString("N")[..6];
        await node.GraphQL("mutation ($u: String!) { createUser(username: $u, password: \"viewer-password-1\", role: VIEWER) { username } }", new { u = name });
        return node.Client(await node.Login(name, "viewer-password-1"));
    }

    private async Task<(HttpStatusCode, string)> Post(string query, object? variables = null)
    {
        using var response = await node.Http.PostAsJsonAsync("/graphql", new { query, variables });
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>A node whose searches may run one second in PostgreSQL.</summary>
public sealed class StatementTimeoutNodeFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        new("SEARCH_STATEMENT_TIMEOUT_SECONDS", "1"),
    ];
}

public sealed class StatementTimeoutTests(StatementTimeoutNodeFixture node) : IClassFixture<StatementTimeoutNodeFixture>
{
    [Fact]
    public async Task A_search_that_runs_past_the_statement_timeout_is_ended_by_PostgreSQL_with_a_clear_error()
    {
        await using var dataSource = node.Database.CreateDataSource();
        await using var locker = await dataSource.OpenConnectionAsync();
        await using var tx = await locker.BeginTransactionAsync();
        await new NpgsqlCommand("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE", locker, tx).ExecuteNonQueryAsync();

        // Held by the lock for as long as this test keeps it (the request's own limit is 30 s): only the 1 s
        // statement_timeout can end it.
        using var response = await node.Http.PostAsJsonAsync("/graphql", new
        {
            query = "query ($u: String) { messages(filter: { fromUser: $u }) { totalCount } }",
            variables = new { u = "nobody" },
        });
        var body = await response.Content.ReadAsStringAsync();
        await tx.RollbackAsync();

        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("QUERY_TIMEOUT", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Contains("HOMER_SEARCH_STATEMENT_TIMEOUT_SECONDS", error.GetProperty("message").GetString());
    }
}
