using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Homer.Actors.Ingest;
using Homer.Hep;
using Homer.Node;
using Homer.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Node.Tests;

/// <summary>
/// A real node in this process: real PostgreSQL (a fresh database), real UDP and HTTP sockets on loopback
/// (ports chosen by the OS), a cluster of one.
/// </summary>
public class NodeFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public TestDatabase Database { get; private set; } = null!;
    public string SpoolDirectory { get; } = Path.Combine(Path.GetTempPath(), "homer-spool-" + Guid.NewGuid().ToString("N"));

    /// <summary>The database the node uses; a fixture may give it its own server.</summary>
    protected virtual Task<string> CreateDatabaseAsync() => Task.FromResult(Database.ConnectionString);
    public IPEndPoint HepEndpoint { get; private set; } = null!;
    public IPEndPoint? HepTcpEndpoint { get; private set; }
    public IPEndPoint? HepTlsEndpoint { get; private set; }

    /// <summary>Settings a fixture adds or overrides (auth keys, TLS certificates, …).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings() => [];
    /// <summary>Signed in as <c>admin</c> (the first user, created at start with <see cref="AdminPassword"/>).</summary>
    public HttpClient Http { get; private set; } = null!;
    public const string AdminPassword = "test-admin-password";
    public string AdminToken { get; private set; } = "";
    public Uri BaseAddress { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;
    public IngestCounters Counters => _app!.Services.GetRequiredService<IngestCounters>();

    public virtual async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        var settings = new Dictionary<string, string?>
        {
            ["DB"] = await CreateDatabaseAsync(),
            ["SPOOL_DIR"] = SpoolDirectory,
            ["HEP_UDP"] = "127.0.0.1:0",
            ["HEP_TCP"] = "127.0.0.1:0",
            ["HTTP"] = "http://127.0.0.1:0",
            ["AKKA_HOST"] = "127.0.0.1",
            ["AKKA_PORT"] = "0",
            ["SEEDS"] = "",
            ["ENVIRONMENT"] = "test",
            ["ROLES"] = "ingest,dialog,api",
            ["NODE_NAME"] = "test-node",
            ["ADMIN_PASSWORD"] = AdminPassword,
        };
        foreach (var (key, value) in ExtraSettings())
            settings[key] = value;
        _app = HomerNodeHost.Build([], config => config.AddInMemoryCollection(settings));
        await _app.StartAsync();

        var ingest = _app.Services.GetRequiredService<HepIngestService>();
        HepEndpoint = ingest.EndpointOf(HepTransport.Udp)!;
        HepTcpEndpoint = ingest.EndpointOf(HepTransport.Tcp);
        HepTlsEndpoint = ingest.EndpointOf(HepTransport.Tls);
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address);
        Http = Client(null);
        await WaitUntil(async () => (await Http.GetAsync("/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "node healthy");
        AdminToken = await Login("admin", AdminPassword);
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public virtual async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await Database.DisposeAsync();
        if (Directory.Exists(SpoolDirectory))
            Directory.Delete(SpoolDirectory, recursive: true);
    }

    public async Task SendHep(params byte[][] datagrams)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        foreach (var datagram in datagrams)
            await udp.SendAsync(datagram, HepEndpoint);
    }

    /// <summary>A client of this node sending <paramref name="token"/> as its bearer token (none when null).</summary>
    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Logs in and returns the session token.</summary>
    public async Task<string> Login(string username, string password)
    {
        using var anonymous = Client(null);
        var data = await GraphQL(anonymous, "mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }", new { u = username, p = password });
        return data.GetProperty("login").GetProperty("token").GetString()!;
    }

    public Task<JsonElement> GraphQL(string query, object? variables = null) => GraphQL(Http, query, variables);

    /// <summary>Runs a GraphQL request with <paramref name="client"/>'s token and returns its data, failing on any error.</summary>
    public static async Task<JsonElement> GraphQL(HttpClient client, string query, object? variables = null)
    {
        using var response = await client.PostAsJsonAsync("/graphql", new { query, variables });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GraphQL HTTP {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.False(json.TryGetProperty("errors", out var errors), $"GraphQL errors: {errors}");
        return json.GetProperty("data");
    }

    /// <summary>Like the static one, and a timeout names the ingest counters, which usually say why.</summary>
    public Task Eventually(Func<Task<bool>> condition, string what) =>
        WaitUntil(condition, TimeSpan.FromSeconds(20), what, () => string.Join(", ", Counters.Snapshot().Select(kv => $"{kv.Key}={kv.Value}")));

    public static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail($"Timed out after {timeout} waiting for: {what}" + (diagnostics is null ? "" : $" ({diagnostics()})"));
    }
}
