using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Homer.TestSupport;

namespace Homer.Node.Tests;

/// <summary>
/// A node with three forward targets in its cluster-config: every message to a UDP collector, INVITEs of capture id
/// 2001 to a TCP collector, and everything to a TCP port nobody listens on. The collectors are plain loopback sockets
/// of the test; the dead target must cost ingest nothing but counted drops.
/// </summary>
public sealed class ForwardingNodeFixture : NodeFixture
{
    private readonly string _clusterConfig = Path.Combine(Path.GetTempPath(), "homer-forward-" + Guid.NewGuid().ToString("N"));

    public UdpClient UdpCollector { get; } = new(new IPEndPoint(IPAddress.Loopback, 0)) { Client = { ReceiveBufferSize = 8 << 20 } };
    public TcpListener TcpCollector { get; } = new(IPAddress.Loopback, 0);
    /// <summary>A TLS collector with a self-signed certificate, which the target trusts as its <c>tls-ca</c>.</summary>
    public TcpListener TlsCollector { get; } = new(IPAddress.Loopback, 0);
    public X509Certificate2 TlsCertificate { get; } = CreateCertificate();
    public int DeadPort { get; private set; }

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings()
    {
        var udpPort = ((IPEndPoint)UdpCollector.Client.LocalEndPoint!).Port;
        var tcpPort = ((IPEndPoint)TcpCollector.LocalEndpoint).Port;
        var tlsPort = ((IPEndPoint)TlsCollector.LocalEndpoint).Port;
        var caFile = Path.Combine(_clusterConfig, "collector-ca.pem");
        CopyDirectory(Path.Combine(AppContext.BaseDirectory, "cluster-config"), _clusterConfig);
        File.WriteAllText(caFile, TlsCertificate.ExportCertificatePem());
        File.AppendAllText(Path.Combine(_clusterConfig, "environments", "test.conf"), $$"""

            homer.forward.targets = [
              { name = "all-udp", to = "udp:127.0.0.1:{{udpPort}}" }
              { name = "invites-tcp", to = "tcp:127.0.0.1:{{tcpPort}}", capture-ids = [2001], methods = ["INVITE"] }
              { name = "dead", to = "tcp:127.0.0.1:{{DeadPort}}", queue = 50 }
              { name = "sip-tls", to = "tls:127.0.0.1:{{tlsPort}}", payload-types = [1], tls-ca = "{{caFile}}" }
            ]
            """);
        return [new("CLUSTER_CONFIG", _clusterConfig)];
    }

    public override async Task InitializeAsync()
    {
        TcpCollector.Start();
        TlsCollector.Start();
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        DeadPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        UdpCollector.Dispose();
        TcpCollector.Stop();
        TlsCollector.Stop();
        TlsCertificate.Dispose();
        Directory.Delete(_clusterConfig, recursive: true);
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=homer-forward-collector", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}

public sealed class HepForwardingTests(ForwardingNodeFixture node) : IClassFixture<ForwardingNodeFixture>
{
    [Fact]
    public async Task Kept_messages_reach_each_target_byte_for_byte_through_its_filters_and_a_dead_target_only_counts_drops()
    {
        // The TCP collector reads HEP3 frames as they come (length in bytes 4-5 of each).
        using var accepted = await AcceptAsync(node.TcpCollector);
        var tcpFrames = new ConcurrentQueue<byte[]>();
        var tcpReader = Task.Run(() => ReadFrames(accepted.GetStream(), tcpFrames));
        using var acceptedTls = await AcceptAsync(node.TlsCollector);
        await using var tls = new SslStream(acceptedTls.GetStream());
        await tls.AuthenticateAsServerAsync(node.TlsCertificate);
        var tlsFrames = new ConcurrentQueue<byte[]>();
        var tlsReader = Task.Run(() => ReadFrames(tls, tlsFrames));
        var udpPackets = new ConcurrentQueue<byte[]>();
        using var stopUdp = new CancellationTokenSource();
        var udpReader = Task.Run(async () =>
        {
            while (!stopUdp.IsCancellationRequested)
            {
                try
                {
                    udpPackets.Enqueue((await node.UdpCollector.ReceiveAsync(stopUdp.Token)).Buffer);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        var start = SipCalls.NowMicros();
        var sent = new List<(byte[] Packet, uint CaptureId, string? CSeqMethod)>();
        for (var call = 0; call < 40; call++)
        {
            var captureId = call % 2 == 0 ? 2001u : 7u;
            foreach (var leg in SipCalls.BasicCall($"fwd-{call:D3}-{Guid.NewGuid():N}", "alice", "bob", start.AddMilliseconds(call)))
                sent.Add((SipCalls.Hep3(leg, captureId), captureId, CSeqMethodOf(leg.Text)));
        }
        // One that is not HEP at all: refused by the node, so never forwarded.
        sent.Add(("not HEP at all"u8.ToArray(), 0, null));
        using (var sender = new UdpClient())
        {
            foreach (var (packet, _, _) in sent)
                await sender.SendAsync(packet, node.HepEndpoint);
        }

        var expectedUdp = sent.Take(sent.Count - 1).Select(s => Convert.ToHexString(s.Packet)).Order().ToList();
        // The method filter goes by CSeq method: an INVITE's responses travel with it.
        var expectedTcp = sent.Where(s => s is { CaptureId: 2001, CSeqMethod: "INVITE" }).Select(s => Convert.ToHexString(s.Packet)).Order().ToList();
        await Eventually(() => udpPackets.Count >= expectedUdp.Count && tcpFrames.Count >= expectedTcp.Count && tlsFrames.Count >= expectedUdp.Count,
            () => $"UDP collector got {udpPackets.Count} of {expectedUdp.Count}, TCP collector {tcpFrames.Count} of {expectedTcp.Count}, TLS collector {tlsFrames.Count} of {expectedUdp.Count}");
        Assert.Equal(expectedUdp, udpPackets.Select(Convert.ToHexString).Order().ToList());
        Assert.Equal(expectedTcp, tcpFrames.Select(Convert.ToHexString).Order().ToList());
        // Over TLS, in order: one connection, frames as they were kept.
        Assert.Equal(sent.Take(sent.Count - 1).Select(s => Convert.ToHexString(s.Packet)), tlsFrames.Select(Convert.ToHexString));

        // An independent HEP decoder (sipcapture's hep-js, as a collector would run it) reads what the TCP collector got.
        if (HepJsOracle.UnavailableReason is null || HepJsOracle.InCi)
        {
            HepJsOracle.AssertAvailable();
            var decoded = HepJsOracle.Run("decode", tcpFrames.Select(Convert.ToHexString)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(expectedTcp.Count, decoded.Count);
            Assert.All(decoded, d =>
            {
                Assert.True(d.GetProperty("ok").GetBoolean());
                Assert.Equal(2001, d.GetProperty("rcinfo").GetProperty("captureId").GetInt32());
                Assert.Contains("CSeq: 1 INVITE", System.Text.Encoding.UTF8.GetString(Convert.FromHexString(d.GetProperty("payloadHex").GetString()!)));
            });
        }

        // Every message was still stored, whatever the dead target did.
        await Eventually(async () => (await StoredCount()) == sent.Count - 1);

        // The dead target never connected: it queued up to its 50 and dropped the rest, counted where operators look.
        var forwards = (await node.GraphQL("{ cluster { ingest { forwards { name sent dropped queued connected } } } }"))
            .GetProperty("cluster").GetProperty("ingest")[0].GetProperty("forwards").EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal(expectedUdp.Count, forwards["all-udp"].GetProperty("sent").GetInt64());
        Assert.Equal(expectedTcp.Count, forwards["invites-tcp"].GetProperty("sent").GetInt64());
        Assert.True(forwards["invites-tcp"].GetProperty("connected").GetBoolean());
        var dead = forwards["dead"];
        Assert.False(dead.GetProperty("connected").GetBoolean());
        Assert.Equal(0, dead.GetProperty("sent").GetInt64());
        Assert.Equal(expectedUdp.Count, dead.GetProperty("dropped").GetInt64() + dead.GetProperty("queued").GetInt64());
        Assert.True(dead.GetProperty("dropped").GetInt64() >= expectedUdp.Count - 50);

        var metrics = await node.Http.GetStringAsync("/metrics");
        Assert.Contains($"homer_forward_sent_total{{target=\"invites-tcp\"}} {expectedTcp.Count}", metrics);
        Assert.Contains("homer_forward_dropped_total{target=\"dead\",reason=\"queue_full\"}", metrics);

        await stopUdp.CancelAsync();
        await udpReader;
        accepted.Close();
        await tcpReader;
        acceptedTls.Close();
        await tlsReader;
    }

    private async Task<long> StoredCount()
    {
        long total = 0;
        foreach (var captureId in new[] { 2001, 7 })
            total += (await node.GraphQL("query ($f: MessageFilter!) { messages(filter: $f) { totalCount } }", new { f = new { captureId } }))
                .GetProperty("messages").GetProperty("totalCount").GetInt64();
        return total;
    }

    private static string CSeqMethodOf(string sip)
    {
        var line = sip.Split("\r\n").First(l => l.StartsWith("CSeq:", StringComparison.Ordinal));
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
    }

    private static async Task<TcpClient> AcceptAsync(TcpListener listener)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await listener.AcceptTcpClientAsync(timeout.Token);
    }

    private static async Task ReadFrames(Stream stream, ConcurrentQueue<byte[]> frames)
    {
        var header = new byte[6];
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(header);
                var length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(4));
                var frame = new byte[length];
                header.CopyTo(frame, 0);
                await stream.ReadExactlyAsync(frame.AsMemory(6));
                frames.Enqueue(frame);
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private static Task Eventually(Func<bool> condition, Func<string>? state = null) => Eventually(() => Task.FromResult(condition()), state);

    private static async Task Eventually(Func<Task<bool>> condition, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s: " + state?.Invoke());
            await Task.Delay(100);
        }
    }
}
