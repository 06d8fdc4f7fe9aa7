using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Homer.Actors.Ingest;
using Homer.Hep;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homer.Node.Tests;

/// <summary>
/// A node whose bounds on memory and work are small, so each is reached by a small test (docs/operations.md,
/// "Bounds on memory and work").
/// </summary>
public sealed class BoundsNodeFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        // A packet must be whole 1 s after its first byte; the idle timeout stays at its 300 s default.
        new("HEP_FRAME_SECONDS", "1"),
        // Refusals are summarised every second.
        new("REFUSAL_LOG_SECONDS", "1"),
        // A GraphQL result may hold 256 KiB.
        new("GRAPHQL_MAX_RESULT_KB", "256"),
    ];
}

public sealed class BoundsTests(BoundsNodeFixture node) : IClassFixture<BoundsNodeFixture>
{
    private const string MessagesQuery =
        "query ($callId: String!) { messages(filter: { callId: $callId }) { totalCount nodes { payload } } }";

    [Fact]
    public async Task A_compressed_payload_that_inflates_past_256_KiB_is_refused_and_counted_and_its_neighbours_are_stored()
    {
        var decodeErrorsBefore = node.Counters.Dropped(DropReason.DecodeError);
        var start = SipCalls.NowMicros().AddMinutes(-1);
        var bombCall = SipCalls.BasicCall("bomb-" + Guid.NewGuid().ToString("N")[..8], "mallory", "bob", start);
        var goodCall = SipCalls.BasicCall("zipped-" + Guid.NewGuid().ToString("N")[..8], "alice", "bob", start);
        // An INVITE padded to 300 KiB with a header that compresses to a few hundred bytes: 300 KiB stored per packet
        // without a cap below it.
        var padded = bombCall[0].Text.Replace("\r\n\r\n", "\r\nX-Padding: " + new string('a', 300 * 1024) + "\r\n\r\n",
            StringComparison.Ordinal);
        var bomb = Compressed(bombCall[0], Encoding.UTF8.GetBytes(padded));
        var good = Compressed(goodCall[0], Encoding.UTF8.GetBytes(goodCall[0].Text));
        Assert.True(bomb.Length < 64 * 1024);

        await node.SendHep(bomb, good);

        await node.Eventually(async () =>
            (await node.GraphQL(MessagesQuery, new { callId = CallIdOf(goodCall) })).GetProperty("messages").GetProperty("totalCount").GetInt64() == 1,
            "the compressed INVITE after the bomb is stored");
        var stored = await node.GraphQL(MessagesQuery, new { callId = CallIdOf(goodCall) });
        Assert.Equal(goodCall[0].Text, stored.GetProperty("messages").GetProperty("nodes")[0].GetProperty("payload").GetString());
        Assert.Equal(decodeErrorsBefore + 1, node.Counters.Dropped(DropReason.DecodeError));
        var bombs = await node.GraphQL(MessagesQuery, new { callId = CallIdOf(bombCall) });
        Assert.Equal(0, bombs.GetProperty("messages").GetProperty("totalCount").GetInt64());
    }

    [Fact]
    public async Task A_TCP_connection_that_dribbles_a_packet_one_byte_at_a_time_is_closed_at_the_frame_deadline_and_counted()
    {
        var timeoutsBefore = node.Counters.StreamFramesTimedOut;
        var decodeErrorsBefore = node.Counters.Dropped(DropReason.DecodeError);
        var call = SipCalls.BasicCall("dribble-" + Guid.NewGuid().ToString("N")[..8], "slow", "loris", SipCalls.NowMicros().AddMinutes(-1));
        var packet = SipCalls.Hep3(call[0]);
        using var client = new TcpClient();
        await client.ConnectAsync(node.HepTcpEndpoint!);
        var socket = client.Client;

        // Each byte would restart an idle timer (300 s here); the frame deadline (1 s) counts from the first byte.
        // At 5 bytes/s the packet would take two minutes; the node must close the connection long before.
        var sent = 0;
        var closed = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!closed && sent < packet.Length && DateTime.UtcNow < deadline)
        {
            try
            {
                await socket.SendAsync(packet.AsMemory(sent, 1));
                sent++;
            }
            catch (SocketException)
            {
                closed = true;
                break;
            }
            await Task.Delay(200);
            closed = socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }

        Assert.True(closed, $"the node kept the connection open after {sent} bytes of a {packet.Length}-byte packet");
        Assert.True(sent < packet.Length);
        await node.Eventually(() => Task.FromResult(node.Counters.StreamFramesTimedOut == timeoutsBefore + 1), "the timeout is counted");
        // The partial packet is a loss, counted as every broken stream is.
        await node.Eventually(() => Task.FromResult(node.Counters.Dropped(DropReason.DecodeError) == decodeErrorsBefore + 1), "the lost packet is counted");
        var metrics = await node.Http.GetStringAsync("/metrics");
        Assert.Contains("homer_hep_stream_frame_timeouts_total", metrics);
    }

    [Fact]
    public async Task Ten_thousand_garbage_datagrams_make_a_few_summary_lines_whose_counts_and_the_counters_are_exact()
    {
        using var capture = new LogCapture();
        node.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        var decodeErrorsBefore = node.Counters.Dropped(DropReason.DecodeError);
        var receivedBefore = node.Counters.Received;
        var valid = SipCalls.Hep3(SipCalls.BasicCall("garbage-" + Guid.NewGuid().ToString("N")[..8], "a", "b", SipCalls.NowMicros())[0]);
        byte[][] kinds =
        [
            Encoding.ASCII.GetBytes("OPTIONS sip:probe@192.0.2.1 SIP/2.0\r\n\r\n"), // UnknownVersion
            valid[..(valid.Length / 2)],                                               // DeclaredLengthExceedsBuffer
            [.. valid[..6], .. new byte[] { 0, 0, 0, 1, 0xff, 0xff }],                  // ChunkLengthInvalid (length patched below)
        ];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(kinds[2].AsSpan(4), (ushort)kinds[2].Length);
        const int Total = 10_000;
        var started = DateTime.UtcNow;

        using var udp = new UdpClient(System.Net.Sockets.AddressFamily.InterNetwork);
        for (var i = 0; i < Total; i++)
        {
            await udp.SendAsync(kinds[i % kinds.Length], node.HepEndpoint);
            // Bursts the kernel's receive buffer always holds: the counters must come out exact, not "about".
            if (i % 500 == 499)
                await node.Eventually(() => Task.FromResult(node.Counters.Received - receivedBefore == i + 1), $"{i + 1} datagrams received");
        }

        await node.Eventually(() => Task.FromResult(node.Counters.Dropped(DropReason.DecodeError) - decodeErrorsBefore == Total), "every datagram refused and counted");
        string[] reasons = ["DecodeError (UnknownVersion)", "DecodeError (DeclaredLengthExceedsBuffer)", "DecodeError (ChunkLengthInvalid)"];
        IReadOnlyList<LogCapture.Entry> Summaries() =>
            capture.Entries.Where(e => e.Value("What") as string == "Refused HEP packets" && reasons.Contains(e.Value("Reason") as string)).ToList();
        await node.Eventually(() => Task.FromResult(Summaries().Sum(e => Convert.ToInt64(e.Value("Count"), CultureInfo.InvariantCulture)) == Total),
            "the summaries count every refusal");
        var elapsedSeconds = (int)Math.Ceiling((DateTime.UtcNow - started).TotalSeconds);

        var summaries = Summaries();
        // One line per reason per second at most (two per packet before): bounded by time, not by traffic.
        Assert.InRange(summaries.Count, reasons.Length, reasons.Length * (elapsedSeconds + 2));
        foreach (var reason in reasons)
            Assert.Equal(Total / 3 + (reason == reasons[0] ? 1 : 0), summaries.Where(e => e.Value("Reason") as string == reason).Sum(e => Convert.ToInt64(e.Value("Count"), CultureInfo.InvariantCulture)));
        var local = ((IPEndPoint)udp.Client.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
        Assert.All(summaries, e => Assert.Contains(":" + local, e.Value("Sources") as string));
        // Nothing logs per packet any more.
        Assert.True(capture.Entries.Count < 200, $"{capture.Entries.Count} log lines for {Total} refused datagrams");
    }

    [Fact]
    public async Task A_query_for_many_large_payloads_is_refused_while_its_result_is_built_not_after()
    {
        const int Messages = 40;
        const int PaddingBytes = 200 * 1024;
        var fromUser = "big" + Guid.NewGuid().ToString("N")[..8];
        var start = SipCalls.NowMicros().AddMinutes(-1);
        var packets = Enumerable.Range(0, Messages).Select(i =>
        {
            var invite = SipCalls.BasicCall($"big-{i}-" + Guid.NewGuid().ToString("N")[..8], fromUser, "bob", start.AddMilliseconds(i))[0];
            var padded = invite.Text.Replace("\r\n\r\n", "\r\nX-Padding: " + new string('p', PaddingBytes) + "\r\n\r\n", StringComparison.Ordinal);
            return Compressed(invite, Encoding.UTF8.GetBytes(padded));
        }).ToArray();
        await node.SendHep(packets);
        const string Count = "query ($u: String) { messages(filter: { fromUser: $u }, first: 0) { totalCount } }";
        await node.Eventually(async () =>
            (await node.GraphQL(Count, new { u = fromUser })).GetProperty("messages").GetProperty("totalCount").GetInt64() == Messages,
            $"{Messages} large messages stored");

        var stats = node.Services.GetRequiredService<Homer.Api.Transport.ResultBudgetStats>();
        var chargedBefore = stats.ChargedBytes;
        var refusedBefore = stats.Refused;
        using var response = await node.Http.PostAsJsonAsync("/graphql", new
        {
            query = "query ($u: String) { messages(filter: { fromUser: $u }, first: 40) { nodes { id payload } } }",
            variables = new { u = fromUser },
        });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("RESULT_TOO_LARGE", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Contains("256 KiB", error.GetProperty("message").GetString());
        Assert.False(json.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object);
        Assert.Equal(refusedBefore + 1, stats.Refused);
        // The request stopped once its 256 KiB were spent: at most two of the forty 200 KiB payloads went into a result
        // (8 MB of them, and six times that as escaped JSON, before the budget).
        var charged = stats.ChargedBytes - chargedBefore;
        Assert.True(charged < 256 * 1024 + 2 * (PaddingBytes + 2048), $"{charged} bytes of result were built");
        Assert.True(body.Length < 4096);

        // The same query over the WebSocket is measured the same way.
        chargedBefore = stats.ChargedBytes;
        await using var socket = await GraphQLWsClient.InitialisedAsync(node.BaseAddress, node.AdminToken);
        await socket.SubscribeAsync("big", "query ($u: String) { messages(filter: { fromUser: $u }, first: 40) { nodes { id payload } } }", new { u = fromUser });
        var reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("error", reply.GetProperty("type").GetString());
        Assert.Equal("RESULT_TOO_LARGE", reply.GetProperty("payload")[0].GetProperty("extensions").GetProperty("code").GetString());
        charged = stats.ChargedBytes - chargedBefore;
        Assert.True(charged < 256 * 1024 + 2 * (PaddingBytes + 2048), $"{charged} bytes of result were built over the socket");
    }

    [Fact]
    public void The_edge_buffer_may_hold_an_eighth_of_the_heap_limit_in_bytes()
    {
        var settings = node.Services.GetRequiredService<NodeSettings>();
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8, settings.IngestEdgeBufferBytes);
        Assert.Equal(MemoryEnvelope.HeapLimitBytes, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    [Fact]
    public void The_node_binary_runs_with_a_heap_hard_limit_of_half_the_memory()
    {
        // The runtime config the node is started with (./run.sh and the image run homer-node.dll beside it).
        var path = Path.Combine(AppContext.BaseDirectory, "homer-node.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.Equal(50, properties.GetProperty("System.GC.HeapHardLimitPercent").GetInt32());
        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
    }

    private static byte[] Compressed(SipCalls.Leg leg, byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = 2,
            IpProtocol = 17,
            SourceAddress = leg.Source,
            DestinationAddress = leg.Destination,
            SourcePort = (ushort)leg.SourcePort,
            DestinationPort = (ushort)leg.DestinationPort,
            Timestamp = leg.Timestamp,
            ProtocolType = 1,
            CaptureId = 2001,
            Payload = payload,
        }, writer, compressPayload: true);
        return writer.WrittenSpan.ToArray();
    }

    private static string CallIdOf(IReadOnlyList<SipCalls.Leg> call)
    {
        var line = call[0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal));
        return line["Call-ID: ".Length..];
    }
}

/// <summary>Every log entry of the node from the moment it is added, with its structured values.</summary>
public sealed class LogCapture : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, IReadOnlyList<KeyValuePair<string, object?>> State)
    {
        public object? Value(string name) => State.FirstOrDefault(kv => kv.Key == name).Value;
    }

    private readonly ConcurrentQueue<Entry> _entries = new();
    private bool _disposed;

    public IReadOnlyCollection<Entry> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() => _disposed = true;

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => !owner._disposed && logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                owner._entries.Enqueue(new Entry(category, logLevel, state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));
        }
    }
}
