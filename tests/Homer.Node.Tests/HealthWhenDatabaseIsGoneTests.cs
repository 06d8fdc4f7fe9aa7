using System.Text.Json;
using Npgsql;

namespace Homer.Node.Tests;

public sealed class HealthWhenDatabaseIsGoneTests : IAsyncLifetime
{
    private readonly NodeFixture _node = new();

    public Task InitializeAsync() => _node.InitializeAsync();
    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task Healthz_turns_503_when_PostgreSQL_stops_answering()
    {
        Assert.Equal(200, (int)(await _node.Http.GetAsync("/healthz")).StatusCode);

        // Take the node's database away under it (connections are terminated), as a failed server would.
        await using (var admin = new NpgsqlConnection(Homer.TestSupport.TestDatabase.ServerConnectionString))
        {
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"ALTER DATABASE {_node.Database.Name} WITH ALLOW_CONNECTIONS false", admin);
            await cmd.ExecuteNonQueryAsync();
            await using var kill = new NpgsqlCommand($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{_node.Database.Name}'", admin);
            await kill.ExecuteNonQueryAsync();
        }

        using var response = await _node.Http.GetAsync("/healthz");
        Assert.Equal(503, (int)response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("down", json.GetProperty("status").GetString());
        Assert.StartsWith("down", json.GetProperty("database").GetString());

        await using (var admin = new NpgsqlConnection(Homer.TestSupport.TestDatabase.ServerConnectionString))
        {
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"ALTER DATABASE {_node.Database.Name} WITH ALLOW_CONNECTIONS true", admin);
            await cmd.ExecuteNonQueryAsync();
        }
        await NodeFixture.WaitUntil(async () => (await _node.Http.GetAsync("/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(20), "healthy again");
    }
}
