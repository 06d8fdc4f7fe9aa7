using Homer.Node;
using Homer.Node.Tests;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Cli.Tests;

/// <summary>
/// A node started with HOMER_SEEDS=manual stays out of any cluster until <c>homerctl cluster join</c>, then leaves
/// again with <c>homerctl cluster leave --wait</c> and stops by itself. Both nodes run in this process on loopback.
/// </summary>
public sealed class ManualJoinTests(NodeFixture first) : IClassFixture<NodeFixture>, IAsyncLifetime
{
    private WebApplication? _second;
    private readonly string _configPath = Path.Combine(Path.GetTempPath(), $"homerctl-join-{Guid.NewGuid():N}.json");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_second is not null)
        {
            await _second.StopAsync();
            await _second.DisposeAsync();
        }
        File.Delete(_configPath);
    }

    [Fact]
    public async Task A_manual_node_joins_on_command_and_leaves_on_command()
    {
        var settings = new Dictionary<string, string?>
        {
            ["DB"] = first.Database.ConnectionString,
            ["SPOOL_DIR"] = "off",
            ["HEP_UDP"] = "off",
            ["HEP_TCP"] = "off",
            ["HTTP"] = "http://127.0.0.1:0",
            ["AKKA_HOST"] = "127.0.0.1",
            ["AKKA_PORT"] = "0",
            ["SEEDS"] = "manual",
            ["ENVIRONMENT"] = "test",
            ["ROLES"] = "api",
            ["NODE_NAME"] = "manual-node",
            ["AUTH"] = "off",
        };
        _second = HomerNodeHost.Build([], config => config.AddInMemoryCollection(settings));
        await _second.StartAsync();
        var second = new Uri(_second.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        var cli = new CliRun(_configPath);

        // Not a member of anything yet: it knows no members, and /healthz says so.
        var alone = await cli.Run("--node", second.ToString(), "cluster", "show", "--json");
        Assert.True(alone.ExitCode == ExitCodes.Ok, alone.ToString());
        Assert.Empty(alone.Json.GetProperty("members").EnumerateArray());
        using (var http = new HttpClient { BaseAddress = second })
            Assert.False((await http.GetAsync("/healthz")).IsSuccessStatusCode);

        var firstShow = await cli.Run("--node", first.BaseAddress.ToString(), "--token", first.AdminToken, "cluster", "show", "--json");
        var seed = firstShow.Json.GetProperty("self").GetString()!;
        var join = await cli.Run("--node", second.ToString(), "cluster", "join", seed);
        Assert.True(join.ExitCode == ExitCodes.Ok, join.ToString());

        string secondAddress = "";
        await NodeFixture.WaitUntil(async () =>
        {
            var show = await cli.Run("--node", first.BaseAddress.ToString(), "--token", first.AdminToken, "cluster", "show", "--json");
            var members = show.Json.GetProperty("members").EnumerateArray().ToList();
            var joined = members.FirstOrDefault(m => m.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).SequenceEqual(["api"]));
            if (joined.ValueKind != System.Text.Json.JsonValueKind.Object || joined.GetProperty("status").GetString() != "UP")
                return false;
            secondAddress = joined.GetProperty("address").GetString()!;
            return true;
        }, TimeSpan.FromSeconds(30), "the manual node Up in the first node's view");

        // Joining twice is refused with a reason.
        var again = await cli.Run("--node", second.ToString(), "cluster", "join", seed);
        Assert.True(again.ExitCode == ExitCodes.Rejected, again.ToString());

        // The second node's ingest view comes from its own node-admin actor, reached across the cluster.
        var ingest = await cli.Run("--node", first.BaseAddress.ToString(), "--token", first.AdminToken, "ingest", "stats", "--json");
        var entry = ingest.Json.EnumerateArray().Single(n => n.GetProperty("address").GetString() == secondAddress);
        Assert.Equal("manual-node", entry.GetProperty("nodeName").GetString());
        Assert.False(entry.GetProperty("ingests").GetBoolean());

        var leave = await cli.Run("--node", first.BaseAddress.ToString(), "--token", first.AdminToken, "cluster", "leave", secondAddress, "--wait", "60");
        Assert.True(leave.ExitCode == ExitCodes.Ok, leave.ToString());
        // Its ActorSystem terminated after the leave, which stops its host.
        var stopped = _second.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;
        await NodeFixture.WaitUntil(() => Task.FromResult(stopped.IsCancellationRequested), TimeSpan.FromSeconds(30), "the node that left stops");
    }
}
