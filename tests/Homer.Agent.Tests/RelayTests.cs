using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Homer.Hep;

namespace Homer.Agent.Tests;

/// <summary>
/// <c>homer-agent relay</c> run in-process between real senders (UDP and TCP sockets on loopback) and a real HEP
/// receiver: what arrives must be byte for byte what the remote agents sent.
/// </summary>
public sealed class RelayTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-relay").FullName;
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, true);
    }

    /// <summary>A packet as a remote agent writes it: its own capture id, node name, timestamp, correlation id.</summary>
    private static byte[] Packet(string agent, uint captureId, int i, HepVersion version = HepVersion.V3) => HepEncoder.Encode(new HepMessage
    {
        Version = version,
        SourceAddress = IPAddress.Parse("10.1.0.1"),
        DestinationAddress = IPAddress.Parse("10.1.0.2"),
        SourcePort = 5060,
        DestinationPort = 5060,
        Timestamp = DateTimeOffset.UnixEpoch.AddTicks((1_700_000_000_000_000L + captureId * 1_000_000L + i) * 10),
        CaptureId = captureId,
        NodeName = version == HepVersion.V3 ? agent : null,
        CorrelationId = version == HepVersion.V3 ? $"{agent}-corr-{i}" : null,
        Payload = Encoding.ASCII.GetBytes(Frames.Sip("OPTIONS", $"{agent}-{i}@relay", i + 1)),
    });

    private sealed record Relay(Task<AgentRun> Run, CancellationTokenSource Stop, int Udp, int Tcp, string Api);

    private async Task<Relay> StartRelay(string to, params string[] extra)
    {
        var udp = Tools.FreeUdpPort();
        var tcp = Tools.FreeTcpPort();
        var api = $"127.0.0.1:{Tools.FreeTcpPort()}";
        return await StartAgent(["relay", "--listen", $"udp:127.0.0.1:{udp},tcp:127.0.0.1:{tcp}", "--to", to,
            "--api", api, "--summary", "json", .. extra], udp, tcp, api);
    }

    private async Task<Relay> StartAgent(string[] args, int udp, int tcp, string api)
    {
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => AgentRun.RunAsync(args, token: stop.Token));
        // The API starts after the listeners, so its first answer means the relay is ready.
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            if (run.IsCompleted) Assert.Fail((await run).ToString());
            try
            {
                await Stats($"http://{api}/");
                break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        return new Relay(run, stop, udp, tcp, $"http://{api}/");
    }

    private async Task<JsonElement> Stats(string api) =>
        JsonDocument.Parse(await _http.GetStringAsync(api + "api/stats")).RootElement;

    private static async Task SendUdp(int port, IEnumerable<byte[]> packets)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(IPAddress.Loopback, port);
        var n = 0;
        foreach (var p in packets)
        {
            socket.Send(p);
            // Loopback UDP has no flow control; a short pause now and then keeps the relay's socket buffer from overflowing.
            if (++n % 100 == 0) await Task.Delay(5);
        }
    }

    private static async Task SendTcp(int port, IEnumerable<byte[]> chunks)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        foreach (var c in chunks) await stream.WriteAsync(c);
        await stream.FlushAsync();
        client.Client.Shutdown(SocketShutdown.Send);
    }

    private static async Task<AgentRun> Stop(Relay relay)
    {
        await relay.Stop.CancelAsync();
        return await relay.Run;
    }

    [Fact]
    public async Task Two_agents_over_udp_and_tcp_reach_the_server_byte_for_byte_several_packets_per_write()
    {
        await using var server = HepReceiver.Tcp();
        var relay = await StartRelay(server.Target);
        var fromA = Enumerable.Range(0, 400).Select(i => Packet("agent-a", 11, i)).Append(Packet("agent-a", 11, 400, HepVersion.V2)).ToList();
        var fromB = Enumerable.Range(0, 600).Select(i => Packet("agent-b", 22, i)).ToList();
        // Agent B's stream is cut at arbitrary places, as TCP may deliver it.
        var stream = fromB.SelectMany(p => p).ToArray();
        var pieces = new List<byte[]>();
        for (var at = 0; at < stream.Length; at += 1777) pieces.Add(stream[at..Math.Min(stream.Length, at + 1777)]);
        await Task.WhenAll(SendUdp(relay.Udp, fromA), SendTcp(relay.Tcp, pieces));

        Assert.True(await server.WaitForAsync(fromA.Count + fromB.Count, Wait), $"got {server.Messages.Count}");
        var stats = await Stats(relay.Api);
        var run = await Stop(relay);
        Assert.True(run.ExitCode == 0, run.ToString());
        await server.SettleAsync(TimeSpan.FromMilliseconds(100));

        // The HEPv2 datagram is the one exception: a TCP server cannot frame v2, so it arrives as HEP3 with the same fields.
        var v2 = server.Messages.Single(m => m.CaptureId == 11 && Encoding.ASCII.GetString(m.Payload.Span).Contains("agent-a-400@relay"));
        Assert.Equal(HepVersion.V3, v2.Version);
        Assert.True(HepDecoder.TryDecode(fromA[^1], out var original, out _, out _));
        Assert.Equal(original.ToMessage(fromA[^1]).TimestampUnixMicros, v2.TimestampUnixMicros);
        var received = server.Raw.Select(Convert.ToHexString).ToList();
        var convertedHex = Convert.ToHexString(server.Raw.Single(p => Encoding.ASCII.GetString(p).Contains("agent-a-400@relay")));
        Assert.Equal(fromA.SkipLast(1).Concat(fromB).Select(Convert.ToHexString).Order(), received.Where(h => h != convertedHex).Order());
        // One TCP connection keeps its order through the relay.
        var bSet = fromB.Select(Convert.ToHexString).ToHashSet();
        Assert.Equal(fromB.Select(Convert.ToHexString), received.Where(bSet.Contains));
        // Original capture ids, node names and timestamps: nothing re-encoded.
        Assert.Equal(401, server.Messages.Count(m => m.CaptureId == 11));

        var r = stats.GetProperty("relay");
        Assert.Equal(1001, r.GetProperty("received").GetInt64());
        Assert.Equal(1001, r.GetProperty("forwarded").GetInt64());
        Assert.Equal(0, r.GetProperty("invalid").GetInt64());
        Assert.Equal(1, r.GetProperty("converted").GetInt64());
        Assert.Equal(401, r.GetProperty("udpReceived").GetInt64());
        var output = run.Summary.GetProperty("outputs")[0];
        Assert.Equal(1001, output.GetProperty("sent").GetInt64());
        Assert.True(output.GetProperty("writes").GetInt64() < 1001, $"not aggregated: {output}");
    }

    [Fact]
    public async Task Server_down_then_up_gets_everything_the_relay_buffered_on_disk()
    {
        var port = Tools.FreeTcpPort();
        var relay = await StartRelay($"tcp:127.0.0.1:{port}", "--disk-buffer", Path.Combine(_dir, "buffer"), "--drain-timeout", "20");
        var sent = Enumerable.Range(0, 3000).Select(i => Packet("agent-c", 33, i)).ToList();
        await Task.WhenAll(SendUdp(relay.Udp, sent.Take(1000)), SendTcp(relay.Tcp, sent.Skip(1000)));

        // Everything is held by the relay (memory, then disk) while the server is down.
        JsonElement r = default;
        var deadline = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < deadline)
        {
            r = (await Stats(relay.Api)).GetProperty("relay");
            if (r.GetProperty("buffered").GetInt64() == 3000) break;
            await Task.Delay(50);
        }

        Assert.Equal(3000, r.GetProperty("forwarded").GetInt64());
        Assert.Equal(3000, r.GetProperty("buffered").GetInt64());
        Assert.True(r.GetProperty("spilled").GetInt64() > 0, r.ToString());
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_dir, "buffer")));

        await using var server = HepReceiver.Tcp(port);
        Assert.True(await server.WaitForAsync(3000, Wait), $"got {server.Messages.Count}");
        var run = await Stop(relay);
        Assert.True(run.ExitCode == 0, run.ToString());
        await server.SettleAsync(TimeSpan.FromMilliseconds(100));
        Assert.Equal(sent.Select(Convert.ToHexString).Order(), server.Raw.Select(Convert.ToHexString).Order());
        var output = run.Summary.GetProperty("outputs")[0];
        Assert.Equal(output.GetProperty("spilled").GetInt64(), output.GetProperty("replayed").GetInt64());
    }

    [Fact]
    public async Task The_relay_forwards_over_tls_to_the_nodes_own_listener()
    {
        using var certs = new TlsCertificates();
        await using var node = new NodeTlsListener(certs);
        var relay = await StartRelay($"tls:127.0.0.1:{node.Port}", "--tls-ca", certs.CaPem);
        var sent = Enumerable.Range(0, 300).Select(i => Packet("agent-f", 66, i)).ToList();
        await Task.WhenAll(SendUdp(relay.Udp, sent.Take(100)), SendTcp(relay.Tcp, sent.Skip(100)));
        Assert.True(await node.WaitForAsync(300, Wait), $"got {node.Packets.Count}");
        var run = await Stop(relay);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(sent.Select(Convert.ToHexString).Order(), node.Packets.Select(Convert.ToHexString).Order());
    }

    [Fact]
    public async Task Garbage_is_counted_logged_and_not_forwarded()
    {
        await using var server = HepReceiver.Udp();
        var relay = await StartRelay(server.Target);
        var good = Enumerable.Range(0, 10).Select(i => Packet("agent-d", 44, i)).ToList();
        var cut = good[0][..^5];
        var lying = (byte[])good[1].Clone();
        lying[5] += 3; // the HEP3 length says more than the datagram holds
        await SendUdp(relay.Udp, [Encoding.ASCII.GetBytes("OPTIONS sip:x SIP/2.0\r\n\r\n"), good[0], cut, lying, good[1], "\0\0\0\0"u8.ToArray()]);
        // On TCP: noise between two packets is skipped to the next "HEP3".
        await SendTcp(relay.Tcp, [good[2], Encoding.ASCII.GetBytes("noise that is not HEP"), good[3], .. good.Skip(4)]);

        Assert.True(await server.WaitForAsync(10, Wait), $"got {server.Messages.Count}");
        await server.SettleAsync(TimeSpan.FromMilliseconds(200));
        var r = (await Stats(relay.Api)).GetProperty("relay");
        var run = await Stop(relay);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(good.Select(Convert.ToHexString).Order(), server.Raw.Select(Convert.ToHexString).Order());
        Assert.Equal(0, server.DecodeErrors);
        Assert.Equal(5, r.GetProperty("invalid").GetInt64());
        Assert.Equal(10, r.GetProperty("forwarded").GetInt64());
        Assert.Equal(21, r.GetProperty("streamBytesSkipped").GetInt64());
        Assert.Contains("not HEP", run.Stderr);
    }

    [Fact]
    public async Task A_yaml_configuration_with_a_relay_section_runs_the_relay()
    {
        await using var server = HepReceiver.Udp();
        var udp = Tools.FreeUdpPort();
        var tcp = Tools.FreeTcpPort();
        var api = $"127.0.0.1:{Tools.FreeTcpPort()}";
        var config = Path.Combine(_dir, "relay.yaml");
        File.WriteAllText(config, $"""
            api: "{api}"
            outputs:
              central:
                to: ["{server.Target}"]
            relay:
              listen: ["udp:127.0.0.1:{udp}", "tcp:127.0.0.1:{tcp}"]
            """);
        var relay = await StartAgent(["--config", config, "--summary", "json"], udp, tcp, api);
        var sent = Enumerable.Range(0, 50).Select(i => Packet("agent-e", 55, i)).ToList();
        await SendUdp(relay.Udp, sent.Take(25));
        await SendTcp(relay.Tcp, sent.Skip(25));
        Assert.True(await server.WaitForAsync(50, Wait), $"got {server.Messages.Count}");
        var run = await Stop(relay);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(sent.Select(Convert.ToHexString).Order(), server.Raw.Select(Convert.ToHexString).Order());
        Assert.Equal(50, run.Summary.GetProperty("relay").GetProperty("forwarded").GetInt64());
    }

    [Fact]
    public async Task Listening_on_tls_or_a_host_name_is_refused_on_the_command_line()
    {
        var run = await AgentRun.RunAsync(["relay", "--listen", "tls:0.0.0.0:9061", "--to", "udp:127.0.0.1:9060"]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--listen", run.Stderr);
        run = await AgentRun.RunAsync(["relay", "--listen", "udp:localhost:9060", "--to", "udp:127.0.0.1:9060"]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
    }
}
