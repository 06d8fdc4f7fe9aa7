using System.Net;
using System.Security.Cryptography;
using System.Text;
using Homer.Node;
using Homer.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Homer.Node.Tests;

/// <summary>/metrics needs a token by default, on nodes with and without the api role; HOMER_METRICS_AUTH=off opens it.</summary>
public sealed class MetricsAuthTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task Metrics_need_a_token_by_default_and_a_viewer_api_token_is_enough()
    {
        using var anonymous = node.Client(null);
        using (var refused = await anonymous.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
            Assert.DoesNotContain("homer_", await refused.Content.ReadAsStringAsync());
        }
        using (var forged = node.Client("hat_not-a-real-token"))
            Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/metrics")).StatusCode);

        var token = (await node.GraphQL("mutation { createApiToken(name: \"prometheus\", role: VIEWER) { token } }"))
            .GetProperty("createApiToken").GetProperty("token").GetString()!;
        using var prometheus = node.Client(token);
        var text = await prometheus.GetStringAsync("/metrics");
        Assert.Contains("homer_hep_received_total", text);
        // /healthz stays open for load balancers.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_node_without_the_api_role_checks_the_token_too()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var app = await Start(db, roles: "dialog", metricsAuth: null);
        using var http = new HttpClient { BaseAddress = Address(app) };
        await NodeFixture.WaitUntil(async () => (await http.GetAsync("/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "dialog node healthy");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);

        // An API token made elsewhere in the cluster (same database): stored hashed, as the API stores it.
        var token = "hat_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using (var data = NpgsqlDataSource.Create(db.ConnectionString))
        await using (var cmd = data.CreateCommand("""
            WITH u AS (INSERT INTO users (username, password_hash, role) VALUES ('scraper', 'x', 'viewer') RETURNING id)
            INSERT INTO api_tokens (user_id, name, token_hash, role) SELECT id, 'prometheus', $1, 'viewer' FROM u
            """))
        {
            cmd.Parameters.AddWithValue(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
            await cmd.ExecuteNonQueryAsync();
        }
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var scraped = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("homer_", await scraped.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_metrics_auth_off_metrics_answer_without_a_token()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var app = await Start(db, roles: "dialog", metricsAuth: "off");
        using var http = new HttpClient { BaseAddress = Address(app) };
        await NodeFixture.WaitUntil(async () => (await http.GetAsync("/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "dialog node healthy");
        using var open = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Contains("homer_", await open.Content.ReadAsStringAsync());
    }

    private static async Task<WebApplication> Start(TestDatabase db, string roles, string? metricsAuth)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DB"] = db.ConnectionString,
            ["SPOOL_DIR"] = "off",
            ["HTTP"] = "http://127.0.0.1:0",
            ["AKKA_HOST"] = "127.0.0.1",
            ["AKKA_PORT"] = "0",
            ["SEEDS"] = "",
            ["ENVIRONMENT"] = "test",
            ["ROLES"] = roles,
            ["NODE_NAME"] = "metrics-node",
        };
        if (metricsAuth is not null)
            settings["METRICS_AUTH"] = metricsAuth;
        var app = HomerNodeHost.Build([], config => config.AddInMemoryCollection(settings));
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
}
