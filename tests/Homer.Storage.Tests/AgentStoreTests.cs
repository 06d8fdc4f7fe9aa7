using System.Net;
using Homer.Storage.Agents;

namespace Homer.Storage.Tests;

/// <summary>
/// The agents table: an announcement creates and refreshes its row, a desired change raises the version and keeps the
/// other part, health follows the applied version, the error and last_seen (moved back in the database instead of
/// waiting), and agent tokens are found until revoked.
/// </summary>
public sealed class AgentStoreTests : IAsyncLifetime
{
    private StoreDatabase _db = null!;
    private AgentStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync();
        _store = new AgentStore(_db.DataSource);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static AgentAnnouncement Announce(string name, long applied = 0, string? error = null, params string[] problems) =>
        new(name, "1.0.0", "sbc-1", IPAddress.Parse("192.0.2.7"), """[{"name":"capture","kind":"interface","source":"eth0","filter":"udp port 5060"}]""",
            """{"packets": 10, "sipMessages": 4}""", problems, 5, applied, error);

    [Fact]
    public async Task Announcements_desired_changes_and_health_follow_each_other()
    {
        Assert.Null(await _store.SetDesiredAsync("edge-1", "udp", null, null, true, "admin"));
        Assert.Equal(0, await _store.AnnounceAsync(Announce("edge-1")));
        var row = (await _store.GetAsync("edge-1"))!;
        Assert.Equal("ok", row.Health);
        Assert.True(row.Confirmed);
        Assert.Equal(IPAddress.Parse("192.0.2.7"), row.Address);
        Assert.Contains("\"sipMessages\": 4", row.Counters);

        var filtered = (await _store.SetDesiredAsync("edge-1", "udp port 5080", null, null, true, "alice"))!;
        Assert.Equal(1, filtered.Desired.Version);
        Assert.False(filtered.Confirmed);
        var planned = (await _store.SetDesiredAsync("edge-1", null, """[{"then":["send:default"]}]""", "capture", true, "bob"))!;
        Assert.Equal(2, planned.Desired.Version);
        Assert.Equal("udp port 5080", planned.Desired.Filter);
        Assert.Equal("capture", planned.Desired.Input);
        Assert.Equal("bob", planned.Desired.By);
        Assert.Contains("send:default", planned.Desired.Rules);

        Assert.Equal(2, await _store.AnnounceAsync(Announce("edge-1", applied: 2)));
        Assert.True((await _store.GetAsync("edge-1"))!.Confirmed);
        await _store.AnnounceAsync(Announce("edge-1", applied: 2, error: "filter on capture: syntax error"));
        row = (await _store.GetAsync("edge-1"))!;
        Assert.Equal("error", row.Health);
        Assert.False(row.Confirmed);
        await _store.AnnounceAsync(Announce("edge-1", 2, null, "output default: tcp:10.0.0.5:9060 is down"));
        Assert.Equal("error", (await _store.GetAsync("edge-1"))!.Health);

        await _store.AnnounceAsync(Announce("edge-1", applied: 2));
        await using (var cmd = _db.DataSource.CreateCommand("UPDATE agents SET last_seen = now() - interval '14 seconds'"))
            await cmd.ExecuteNonQueryAsync();
        Assert.Equal("ok", (await _store.GetAsync("edge-1"))!.Health);
        await using (var cmd = _db.DataSource.CreateCommand("UPDATE agents SET last_seen = now() - interval '16 seconds'"))
            await cmd.ExecuteNonQueryAsync();
        Assert.Equal("stale", (await _store.GetAsync("edge-1"))!.Health);

        Assert.Single(await _store.ListAsync());
        Assert.True(await _store.DeleteAsync("edge-1"));
        Assert.Empty(await _store.ListAsync());
    }

    [Fact]
    public async Task Agent_tokens_name_their_agent_until_revoked()
    {
        var hash = new byte[32];
        hash[0] = 1;
        await _store.CreateTokenAsync("edge-2", hash, "admin");
        Assert.Equal("edge-2", await _store.FindTokenAsync(hash));
        Assert.Null(await _store.FindTokenAsync(new byte[32]));
        Assert.Equal(1, await _store.RevokeTokensAsync("edge-2"));
        Assert.Null(await _store.FindTokenAsync(hash));
        Assert.Equal(0, await _store.RevokeTokensAsync("edge-2"));
    }
}
