using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Homer.Api.Subscriptions;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Node.Tests;

/// <summary>The node's WebSocket driven by npm graphql-ws 6, the client the dashboard uses (tests/Homer.Api.WsTests).</summary>
public sealed class GraphQLWsNpmTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    // This test once failed because of the test, not the server: the script connected and subscribed at once, but the
    // test awaited the child's pipes with StreamReader's async reads, which ran as blocking reads on the test's thread
    // (the WaitAsync timeout never engaged), so the call was sent only after the script had timed out and exited; the
    // server published the events then, to a subscriber already gone. The child's output is read by threads of its own.
    [Fact]
    public async Task Graphql_ws_receives_the_events_of_a_call_sent_over_HEP_and_a_refused_token_closes_with_4403()
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "Homer.Api.WsTests");
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
            await Run(folder, "npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(3));

        var callId = "npm-ws-" + Guid.NewGuid().ToString("N")[..10] + "@example.com";
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("call-events.mjs");
        start.Environment["HOMER_URL"] = node.BaseAddress.ToString().TrimEnd('/');
        start.Environment["HOMER_TOKEN"] = node.AdminToken;
        start.Environment["HOMER_CALL_ID"] = callId;
        // Set HOMER_DEBUG=1 to see every protocol message on the script's stderr.
        using var process = Process.Start(start)!;
        var stdout = Lines(process.StandardOutput);
        var stderrLines = Lines(process.StandardError);
        var stderr = stderrLines.Reader.Completion.ContinueWith(_ => string.Join("\n", Drain(stderrLines)), TaskScheduler.Default);
        var lines = new List<string>();

        using (var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            var first = await stdout.Reader.ReadAsync(connectTimeout.Token);
            Assert.True(first == """{"connected":true}""", $"graphql-ws did not connect: {first}");
        }
        await Task.Delay(500);
        var call = SipCalls.BasicCall(callId, "alice", "bob", SipCalls.NowMicros().AddSeconds(-40));
        await node.SendHep(call.Select(leg => SipCalls.Hep3(leg)).ToArray());

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40)))
            await foreach (var line in stdout.Reader.ReadAllAsync(timeout.Token))
                lines.Add(line);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(process.ExitCode == 0, $"graphql-ws script failed ({process.ExitCode}): {await stderr}\n{string.Join("\n", lines)}");

        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4403, events[^1].GetProperty("refusedWith").GetInt32());
        var callEvents = events[..^1];
        Assert.Equal("DIALOG_STARTED", callEvents[0].GetProperty("type").GetString());
        Assert.Equal("alice", callEvents[0].GetProperty("fromUser").GetString());
        Assert.Contains(callEvents, e => e.GetProperty("type").GetString() == "STATE_CHANGED" && e.GetProperty("state").GetString() == "ANSWERED");
        Assert.Equal("DIALOG_ENDED", callEvents[^1].GetProperty("type").GetString());
        Assert.All(callEvents, e => Assert.Equal(callId, e.GetProperty("callId").GetString()));
    }

    [Fact]
    public async Task Graphql_ws_with_maxPerSecond_gets_at_most_the_rate_and_skipped_counts_that_add_up_to_what_was_published()
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "Homer.Api.WsTests");
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
            await Run(folder, "npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(3));

        const int rate = 50, published = 2_000;
        var callId = "npm-rate-" + Guid.NewGuid().ToString("N")[..10];
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("live-rate.mjs");
        start.Environment["HOMER_URL"] = node.BaseAddress.ToString().TrimEnd('/');
        start.Environment["HOMER_TOKEN"] = node.AdminToken;
        start.Environment["HOMER_CALL_ID"] = callId;
        start.Environment["HOMER_RATE"] = rate.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["HOMER_EXPECT"] = published.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var stdout = Lines(process.StandardOutput);
        var stderrLines = Lines(process.StandardError);
        var stderr = stderrLines.Reader.Completion.ContinueWith(_ => string.Join("\n", Drain(stderrLines)), TaskScheduler.Default);
        using (var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            var first = await stdout.Reader.ReadAsync(connectTimeout.Token);
            Assert.True(first == """{"connected":true}""", $"graphql-ws did not connect: {first}");
        }
        await Task.Delay(500);

        // About 500 a second, ten times the rate; the bound below is over this loop's own duration.
        var feed = node.Services.GetRequiredService<ILiveMessageFeed>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < published; i++)
        {
            feed.Publish(new CapturedMessage
            {
                TimestampMicros = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10, Profile = MessageProfile.Default,
                ProtocolType = 1, CallId = callId, Method = "OPTIONS", FromUser = "alice", ToUser = "bob", RuriUser = "bob",
                UserAgent = "TestPhone/1.0", SourceIp = IPAddress.Parse("192.0.2.10"), SourcePort = i,
                DestinationIp = IPAddress.Parse("198.51.100.20"), DestinationPort = 5060, CaptureId = 2001, NodeName = "test-node",
                Payload = "OPTIONS sip:bob@example.com SIP/2.0\r\n\r\n"u8.ToArray(),
            });
            if (i % 20 == 19)
                await Task.Delay(40);
        }
        var window = clock.Elapsed;

        var lines = new List<string>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40)))
            await foreach (var line in stdout.Reader.ReadAllAsync(timeout.Token))
                lines.Add(line);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(process.ExitCode == 0, $"graphql-ws script failed ({process.ExitCode}): {await stderr}\n{string.Join("\n", lines.TakeLast(5))}");

        var items = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        long Count(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        var delivered = items.Count(e => e.GetProperty("type").GetString() == "MESSAGE");
        var skipped = items.Sum(e => Count(e, "skipped"));
        Assert.Equal(published, delivered + skipped + items.Sum(e => Count(e, "dropped")));
        var bound = Math.Max(1, rate / 10) + rate * window.TotalSeconds;
        Assert.True(delivered <= bound, $"{delivered} delivered in {window.TotalSeconds:F2} s at {rate}/s (bound {bound:F0})");
        Assert.True(skipped > 0, "the rate limit skipped and said so");
    }

    /// <summary>
    /// The lines of a child's output, read by a thread of its own. StreamReader's async reads of a process pipe run as
    /// blocking reads here, so awaiting them can hold the test's thread until the child writes or exits.
    /// </summary>
    private static System.Threading.Channels.Channel<string> Lines(StreamReader reader)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<string>();
        new Thread(() =>
        {
            while (reader.ReadLine() is { } line)
                channel.Writer.TryWrite(line);
            channel.Writer.TryComplete();
        }) { IsBackground = true, Name = "child output" }.Start();
        return channel;
    }

    private static IEnumerable<string> Drain(System.Threading.Channels.Channel<string> channel)
    {
        while (channel.Reader.TryRead(out var line))
            yield return line;
    }

    private static async Task Run(string folder, string command, string[] args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed: {await output} {await error}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Homer.Actors.sln not found above " + AppContext.BaseDirectory);
    }
}
