using System.Diagnostics;
using Homer.Actors.Ingest;

namespace Homer.Node.Tests;

/// <summary>A node on a PostgreSQL server of its own, which the test stops and starts under a stream of HEP.</summary>
public sealed class OwnPostgresNodeFixture : NodeFixture
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "homer-pg-" + Guid.NewGuid().ToString("N"));
    private int _port;

    protected override async Task<string> CreateDatabaseAsync()
    {
        _port = FreeTcpPort();
        return (await Script("start", _dataDirectory, _port.ToString(System.Globalization.CultureInfo.InvariantCulture))).Trim();
    }

    public Task StopPostgres() => Script("stop", _dataDirectory);

    public Task StartPostgres() => Script("start", _dataDirectory, _port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Script("stop", _dataDirectory);
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private static async Task<string> Script(params string[] args)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "test-postgres.sh");
        var start = new ProcessStartInfo("bash", [script, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"test-postgres.sh {string.Join(' ', args)} failed: {error}");
        return output;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Homer.Actors.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
    }

    private static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public sealed class PostgresRestartTests(OwnPostgresNodeFixture node) : IClassFixture<OwnPostgresNodeFixture>
{
    [Fact]
    public async Task A_PostgreSQL_restart_in_the_middle_of_a_stream_loses_nothing()
    {
        var calls = Enumerable.Range(0, 30)
            .Select(i => SipCalls.BasicCall($"restart-{i}-{Guid.NewGuid():N}", "caller", "callee", SipCalls.NowMicros().AddMinutes(-3).AddSeconds(i)))
            .ToList();
        var packets = calls.SelectMany(c => c).Select(l => SipCalls.Hep3(l)).ToList();
        var third = packets.Count / 3;

        await node.SendHep(packets.Take(third).ToArray());
        await node.Eventually(() => Task.FromResult(node.Counters.Stored == third), "the first third stored before the outage");

        await node.StopPostgres();
        await node.SendHep(packets.Skip(third).Take(third).ToArray());
        await node.Eventually(() => Task.FromResult(node.Counters.Spooled == third), "the second third spooled while PostgreSQL is down");
        Assert.Equal(503, (int)(await node.Http.GetAsync("/healthz")).StatusCode);

        await node.StartPostgres();
        await node.SendHep(packets.Skip(2 * third).ToArray());
        await node.Eventually(() => Task.FromResult(node.Counters.Stored == packets.Count), "every packet stored once PostgreSQL is back");

        Assert.Equal(0, node.Counters.Dropped(DropReason.StorageFailure));
        Assert.Equal(third, node.Counters.Replayed);
        foreach (var call in calls.Take(5).Concat(calls.Skip(12).Take(3)))
        {
            var callId = call[0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal))["Call-ID: ".Length..];
            var count = (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}, first: 0) { totalCount } }", new { c = callId }))
                .GetProperty("messages").GetProperty("totalCount").GetInt64();
            Assert.Equal(call.Count, count);
        }
        Assert.Empty(Directory.EnumerateFiles(node.SpoolDirectory, "*.batch"));
    }
}
