using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>Users, sessions and API tokens against a real node: who may call what, and when a token stops working.</summary>
public sealed class AuthTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    private const string LoginMutation = "mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt user { username role } } }";
    private const string Me = "{ me { username role tokenKind } }";

    [Fact]
    public async Task Without_a_token_only_healthz_and_login_answer()
    {
        using var anonymous = node.Client(null);
        using var health = await anonymous.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        var (status, body) = await Post(anonymous, "{ messages(filter: {}) { totalCount } }");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("needs a token", body);
        Assert.Contains("UNAUTHENTICATED", body);

        var (getStatus, _) = await Send(anonymous.GetAsync("/graphql?query=" + Uri.EscapeDataString("{ me { username } }")));
        Assert.Equal(HttpStatusCode.Unauthorized, getStatus);

        var (introspection, _) = await Post(anonymous, "{ __schema { queryType { name } } }");
        Assert.Equal(HttpStatusCode.Unauthorized, introspection);

        using var forged = node.Client("hs.eyJ1aWQiOjF9.AAAA");
        var (forgedStatus, forgedBody) = await Post(forged, Me);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedStatus);
        Assert.Contains("signature", forgedBody);
    }

    [Fact]
    public async Task Admin_logs_in_creates_users_and_roles_decide_what_each_may_do()
    {
        var me = await node.GraphQL(Me);
        Assert.Equal("admin", me.GetProperty("me").GetProperty("username").GetString());
        Assert.Equal("ADMIN", me.GetProperty("me").GetProperty("role").GetString());
        Assert.Equal("session", me.GetProperty("me").GetProperty("tokenKind").GetString());

        var viewerName = "viewer-" + Guid.NewGuid().ToString("N")[..6];
        await CreateUser(viewerName, "viewer-password", "VIEWER");
        using var viewer = node.Client(await node.Login(viewerName, "viewer-password"));

        // A viewer searches ...
        await NodeFixture.GraphQL(viewer, "{ messages(filter: {callId: \"x\"}, first: 0) { totalCount } }");
        // ... but does not manage users.
        var (status, body) = await Post(viewer, "{ users { username } }");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("needs the admin role; this token has viewer", body);
        var (mutationStatus, _) = await Post(viewer, "mutation { createUser(username: \"x\", password: \"password1\", role: ADMIN) { id } }");
        Assert.Equal(HttpStatusCode.Forbidden, mutationStatus);

        var users = (await node.GraphQL("{ users { username role disabled } }")).GetProperty("users").EnumerateArray().ToList();
        Assert.Contains(users, u => u.GetProperty("username").GetString() == "admin" && u.GetProperty("role").GetString() == "ADMIN");
        Assert.Contains(users, u => u.GetProperty("username").GetString() == viewerName && u.GetProperty("role").GetString() == "VIEWER");

        // Promotion applies to the open session at once.
        await node.GraphQL("mutation ($u: String!) { updateUserRole(username: $u, role: ADMIN) { role } }", new { u = viewerName });
        await NodeFixture.GraphQL(viewer, "{ users { username } }");

        var (duplicate, duplicateBody) = await Post(node.Http, "mutation { createUser(username: \"admin\", password: \"password1\", role: USER) { id } }");
        Assert.Equal(HttpStatusCode.OK, duplicate);
        Assert.Contains("already exists", duplicateBody);
    }

    [Fact]
    public async Task Wrong_passwords_fail_and_repeated_failures_are_throttled()
    {
        var name = "throttled-" + Guid.NewGuid().ToString("N")[..6];
        await CreateUser(name, "right-password", "USER");
        using var anonymous = node.Client(null);
        for (var i = 0; i < 5; i++)
        {
            var (_, body) = await Post(anonymous, LoginMutation, new { u = name, p = "wrong-password" });
            Assert.Contains("Wrong user name or password", body);
        }
        var (_, blocked) = await Post(anonymous, LoginMutation, new { u = name, p = "right-password" });
        Assert.Contains("TOO_MANY_ATTEMPTS", blocked);
        Assert.DoesNotContain("\"token\"", blocked);

        var (_, unknown) = await Post(anonymous, LoginMutation, new { u = "nobody-" + name, p = "whatever1" });
        Assert.Contains("Wrong user name or password", unknown);
    }

    [Fact]
    public async Task A_large_body_without_a_token_gets_a_401_before_the_server_reads_it()
    {
        const int announced = 20_000_000;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(node.BaseAddress.Host, node.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /graphql HTTP/1.1\r\nHost: {node.BaseAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: {announced}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head + "{\"query\": \"{ me { username } }\", \"pad\": \""));
        await stream.WriteAsync(new byte[64 * 1024].Select(_ => (byte)'x').ToArray());

        // The rest of the 20 MB is never sent: the answer must come without it, and the server closes the connection.
        var (response, closed) = await ReadUntilClosed(stream);
        Assert.StartsWith("HTTP/1.1 401", response);
        Assert.Contains("at most 64 KiB", response);
        Assert.True(closed, "the server kept the connection open for the rest of the body: " + response);
    }

    [Fact]
    public async Task A_chunked_body_without_a_token_is_cut_off_at_the_anonymous_limit()
    {
        const int total = 20_000_000;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(node.BaseAddress.Host, node.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /graphql HTTP/1.1\r\nHost: {node.BaseAddress.Authority}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        var chunk = System.Text.Encoding.ASCII.GetBytes($"{16 * 1024:x}\r\n" + new string(' ', 16 * 1024) + "\r\n");
        var reading = ReadUntilClosed(stream);
        var sent = 0L;
        try
        {
            while (sent < total && !reading.IsCompleted)
            {
                await stream.WriteAsync(chunk);
                sent += 16 * 1024;
            }
        }
        catch (IOException)
        {
            // The server closed the connection: what the test wants.
        }
        var (response, closed) = await reading;
        Assert.StartsWith("HTTP/1.1 401", response);
        Assert.True(closed);
        Assert.True(sent < total, $"the whole {total} bytes were taken before the answer");
    }

    [Fact]
    public async Task With_a_token_bodies_above_the_anonymous_limit_still_run()
    {
        // 200 KB of JSON whitespace around a small query: a big body that is still a valid request.
        var body = "{\"query\": \"{ me { username } }\"" + new string(' ', 200_000) + "}";
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await node.Http.PostAsync("/graphql", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"username\":\"admin\"", text);

        // And a login, the one request without a token, still fits.
        using var anonymous = node.Client(null);
        var (status, login) = await Post(anonymous, LoginMutation, new { u = "admin", p = NodeFixture.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"token\"", login);
    }

    /// <summary>Everything the server sends until it closes the connection (or 15 s pass: then closed is false).</summary>
    private static async Task<(string Response, bool Closed)> ReadUntilClosed(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                    return (System.Text.Encoding.UTF8.GetString(received.ToArray()), true);
                received.Write(buffer, 0, n);
            }
        }
        catch (OperationCanceledException)
        {
            return (System.Text.Encoding.UTF8.GetString(received.ToArray()), false);
        }
        catch (IOException)
        {
            // A reset after the answer: closed all the same.
            return (System.Text.Encoding.UTF8.GetString(received.ToArray()), true);
        }
    }

    [Fact]
    public async Task Parallel_wrong_passwords_for_one_user_are_checked_at_most_the_limit_times()
    {
        var name = "parallel-" + Guid.NewGuid().ToString("N")[..6];
        await CreateUser(name, "right-password", "USER");
        // Its own client address (loopback is all of 127/8), so the address budget of the other tests stays untouched.
        using var client = ClientFrom(IPAddress.Parse("127.0.0.3"));
        var bodies = await Task.WhenAll(Enumerable.Range(0, 25).Select(async _ =>
            (await Post(client, LoginMutation, new { u = name, p = "wrong-password" })).Item2));

        var checkedAttempts = bodies.Count(b => b.Contains("LOGIN_FAILED"));
        var throttled = bodies.Count(b => b.Contains("TOO_MANY_ATTEMPTS"));
        Assert.Equal(25, checkedAttempts + throttled);
        Assert.InRange(checkedAttempts, 1, 5);
        var (_, right) = await Post(client, LoginMutation, new { u = name, p = "right-password" });
        Assert.Contains("TOO_MANY_ATTEMPTS", right);
    }

    [Fact]
    public async Task Parallel_attempts_from_one_address_are_checked_at_most_its_limit_times()
    {
        // Ten times the per-user limit (5) per address: 80 different names at once, at most 50 checked.
        using var client = ClientFrom(IPAddress.Parse("127.0.0.2"));
        var bodies = await Task.WhenAll(Enumerable.Range(0, 80).Select(async i =>
            (await Post(client, LoginMutation, new { u = $"guess-{i}-{Guid.NewGuid():N}", p = "wrong-password" })).Item2));

        var checkedAttempts = bodies.Count(b => b.Contains("LOGIN_FAILED"));
        var throttled = bodies.Count(b => b.Contains("TOO_MANY_ATTEMPTS"));
        Assert.Equal(80, checkedAttempts + throttled);
        Assert.InRange(checkedAttempts, 1, 50);
        // Another address is not affected.
        using var other = ClientFrom(IPAddress.Parse("127.0.0.4"));
        var (_, elsewhere) = await Post(other, LoginMutation, new { u = "guess-elsewhere", p = "wrong-password" });
        Assert.Contains("LOGIN_FAILED", elsewhere);
    }

    /// <summary>A client of the node whose connections come from <paramref name="local"/>.</summary>
    private HttpClient ClientFrom(IPAddress local) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task Disabling_a_user_ends_their_sessions_and_tokens_for_good_and_enabling_lets_only_a_new_login_back()
    {
        var name = "disabled-" + Guid.NewGuid().ToString("N")[..6];
        await CreateUser(name, "user-password", "USER");
        using var session = node.Client(await node.Login(name, "user-password"));
        var apiToken = (await NodeFixture.GraphQL(session, "mutation { createApiToken(name: \"ci\") { token } }"))
            .GetProperty("createApiToken").GetProperty("token").GetString()!;
        using var tool = node.Client(apiToken);
        await NodeFixture.GraphQL(tool, Me);

        await node.GraphQL("mutation ($u: String!) { disableUser(username: $u) { disabled } }", new { u = name });
        foreach (var client in new[] { session, tool })
        {
            var (status, body) = await Post(client, Me);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Contains("disabled", body);
        }
        var (_, login) = await Post(node.Client(null), LoginMutation, new { u = name, p = "user-password" });
        Assert.Contains("ACCOUNT_DISABLED", login);

        await node.GraphQL("mutation ($u: String!) { enableUser(username: $u) { disabled } }", new { u = name });
        // The old session and the old API token stay dead: enabling is not an undo of what disabling ended.
        var (sessionStatus, sessionBody) = await Post(session, Me);
        Assert.Equal(HttpStatusCode.Unauthorized, sessionStatus);
        Assert.Contains("account disabled since this token was issued", sessionBody);
        var (toolStatus, toolBody) = await Post(tool, Me);
        Assert.Equal(HttpStatusCode.Unauthorized, toolStatus);
        Assert.Contains("revoked", toolBody);
        var tokens = (await node.GraphQL("{ apiTokens(all: true) { owner revokedAt } }")).GetProperty("apiTokens").EnumerateArray()
            .Where(t => t.GetProperty("owner").GetString() == name).ToList();
        Assert.NotEmpty(tokens);
        Assert.All(tokens, t => Assert.NotEqual(JsonValueKind.Null, t.GetProperty("revokedAt").ValueKind));

        // A new login works and its token does.
        using var fresh = node.Client(await node.Login(name, "user-password"));
        Assert.Equal(name, (await NodeFixture.GraphQL(fresh, Me)).GetProperty("me").GetProperty("username").GetString());
    }

    [Fact]
    public async Task Api_tokens_carry_a_role_no_higher_than_their_owner_and_stop_when_revoked_or_expired()
    {
        var name = "tooling-" + Guid.NewGuid().ToString("N")[..6];
        await CreateUser(name, "user-password", "USER");
        using var session = node.Client(await node.Login(name, "user-password"));

        var (_, tooHigh) = await Post(session, "mutation { createApiToken(name: \"x\", role: ADMIN) { token } }");
        Assert.Contains("cannot create a token with the admin role", tooHigh);

        var created = (await NodeFixture.GraphQL(session,
            "mutation { createApiToken(name: \"grafana\", role: VIEWER) { token apiToken { id name role owner revokedAt } } }")).GetProperty("createApiToken");
        var token = created.GetProperty("token").GetString()!;
        Assert.StartsWith("hat_", token);
        Assert.Equal("VIEWER", created.GetProperty("apiToken").GetProperty("role").GetString());
        Assert.Equal(name, created.GetProperty("apiToken").GetProperty("owner").GetString());

        using var tool = node.Client(token);
        var me = (await NodeFixture.GraphQL(tool, Me)).GetProperty("me");
        Assert.Equal("VIEWER", me.GetProperty("role").GetString());
        Assert.Equal("api-token", me.GetProperty("tokenKind").GetString());

        // Stored hashed: the secret is nowhere in the database.
        await using (var db = node.Database.CreateDataSource())
        await using (var cmd = db.CreateCommand("SELECT count(*) FROM api_tokens WHERE position(convert_to($1, 'UTF8') in token_hash) > 0 OR name = $1"))
        {
            cmd.Parameters.AddWithValue(token);
            Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
        }

        var listed = (await NodeFixture.GraphQL(session, "{ apiTokens { id name } }")).GetProperty("apiTokens").EnumerateArray().ToList();
        Assert.Single(listed);
        var id = created.GetProperty("apiToken").GetProperty("id").GetString();
        Assert.True((await NodeFixture.GraphQL(session, "mutation ($id: ID!) { revokeApiToken(id: $id) }", new { id })).GetProperty("revokeApiToken").GetBoolean());
        var (status, body) = await Post(tool, Me);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("revoked", body);

        // Expiry: created a moment ahead, then waited out.
        var soon = DateTimeOffset.UtcNow.AddSeconds(2);
        var shortLived = (await NodeFixture.GraphQL(session, "mutation ($e: DateTime) { createApiToken(name: \"short\", expiresAt: $e) { token } }",
            new { e = soon.ToString("O") })).GetProperty("createApiToken").GetProperty("token").GetString()!;
        using var brief = node.Client(shortLived);
        await NodeFixture.GraphQL(brief, Me);
        await Task.Delay(soon - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300));
        var (expiredStatus, expiredBody) = await Post(brief, Me);
        Assert.Equal(HttpStatusCode.Unauthorized, expiredStatus);
        Assert.Contains("expired", expiredBody);
    }

    [Fact]
    public async Task Logout_and_password_reset_end_sessions()
    {
        var name = "session-" + Guid.NewGuid().ToString("N")[..6];
        await CreateUser(name, "first-password", "USER");

        using var first = node.Client(await node.Login(name, "first-password"));
        Assert.True((await NodeFixture.GraphQL(first, "mutation { logout }")).GetProperty("logout").GetBoolean());
        var (status, body) = await Post(first, Me);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("logged out", body);

        using var second = node.Client(await node.Login(name, "first-password"));
        await node.GraphQL("mutation ($u: String!) { resetPassword(username: $u, password: \"second-password\") { username } }", new { u = name });
        var (afterReset, resetBody) = await Post(second, Me);
        Assert.Equal(HttpStatusCode.Unauthorized, afterReset);
        Assert.Contains("password was reset", resetBody);
        using var third = node.Client(await node.Login(name, "second-password"));
        await NodeFixture.GraphQL(third, Me);
    }

    [Fact]
    public async Task Passwords_are_stored_as_PasswordHasher_hashes()
    {
        await using var db = node.Database.CreateDataSource();
        await using var cmd = db.CreateCommand("SELECT password_hash FROM users WHERE username = 'admin'");
        var hash = (string)(await cmd.ExecuteScalarAsync())!;
        Assert.DoesNotContain(NodeFixture.AdminPassword, hash);
        // Identity v3 format: marker byte 0x01, then PRF, iterations, salt and subkey.
        Assert.Equal(0x01, Convert.FromBase64String(hash)[0]);
    }

    private async Task CreateUser(string name, string password, string role) =>
        await node.GraphQL($"mutation ($u: String!, $p: String!) {{ createUser(username: $u, password: $p, role: {role}) {{ id }} }}", new { u = name, p = password });

    private static Task<(HttpStatusCode, string)> Post(HttpClient client, string query, object? variables = null) =>
        Send(client.PostAsJsonAsync("/graphql", new { query, variables }));

    private static async Task<(HttpStatusCode, string)> Send(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
