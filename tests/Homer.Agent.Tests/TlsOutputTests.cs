using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Homer.Actors.Ingest;
using Homer.Agent.Output;
using Microsoft.Extensions.Logging.Abstractions;
using ListenerTransport = Homer.Actors.Ingest.HepTransport;
using OutputTransport = Homer.Agent.Output.HepTransport;

namespace Homer.Agent.Tests;

/// <summary>A test CA, a server certificate it issued for 127.0.0.1, and a second CA that issued nothing the server uses.</summary>
public sealed class TlsCertificates : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("homer-agent-tls").FullName;
    public string CaPem => Path.Combine(Dir, "ca.pem");
    public string OtherCaPem => Path.Combine(Dir, "other-ca.pem");
    public string ServerPfx => Path.Combine(Dir, "server.pfx");
    public const string PfxPassword = "pfx-pass";
    public X509Certificate2 Server { get; }
    public X509Certificate2 Other { get; }

    public TlsCertificates()
    {
        using var ca = CreateCa("CN=homer-agent test CA");
        using var other = CreateCa("CN=some other CA");
        Other = X509CertificateLoader.LoadCertificate(other.RawData);
        File.WriteAllText(CaPem, ca.ExportCertificatePem());
        File.WriteAllText(OtherCaPem, other.ExportCertificatePem());
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=homer-node", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(key);
        File.WriteAllBytes(ServerPfx, withKey.Export(X509ContentType.Pfx, PfxPassword));
        Server = X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
    }

    public void Dispose()
    {
        Server.Dispose();
        Other.Dispose();
        Directory.Delete(Dir, true);
    }
}

/// <summary>The node's HEP/TLS listener (Homer.Actors' <see cref="HepStreamListener"/>) on loopback, collecting what it frames.</summary>
public sealed class NodeTlsListener : IAsyncDisposable
{
    private readonly Channel<HepDatagram> _channel = Channel.CreateUnbounded<HepDatagram>();
    private readonly HepStreamListener _listener;
    private readonly Task _drain;

    public NodeTlsListener(TlsCertificates certificates, int port = 0)
    {
        _listener = new HepStreamListener(new HepListenerOptions
        {
            Transport = ListenerTransport.Tls,
            Endpoint = new IPEndPoint(IPAddress.Loopback, port),
            CertificatePath = certificates.ServerPfx,
            CertificatePassword = TlsCertificates.PfxPassword,
        }, _channel.Writer, new IngestCounters(), NullLogger.Instance);
        _drain = Task.Run(async () =>
        {
            await foreach (var d in _channel.Reader.ReadAllAsync())
                Packets.Enqueue(d.Data);
        });
    }

    public System.Collections.Concurrent.ConcurrentQueue<byte[]> Packets { get; } = new();
    public int Port => _listener.LocalEndpoint.Port;

    public async Task<bool> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Packets.Count < count)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(10);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        _channel.Writer.TryComplete();
        await _drain;
    }
}

/// <summary>HEP over TLS from the agent's tcp output to the node's own TLS listener, on loopback.</summary>
public sealed class TlsOutputTests : IClassFixture<TlsCertificates>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly TlsCertificates _certs;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-tls-out").FullName;

    public TlsOutputTests(TlsCertificates certs) => _certs = certs;

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Packet(int i) => Homer.Hep.HepEncoder.Encode(new Homer.Hep.HepMessage
    {
        SourceAddress = IPAddress.Loopback,
        DestinationAddress = IPAddress.Loopback,
        Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000 + i),
        CaptureId = 77,
        Payload = Encoding.ASCII.GetBytes($"packet {i}"),
    });

    private static List<string> Payloads(IEnumerable<byte[]> packets) =>
        packets.Select(p => Homer.Hep.HepDecoder.TryDecode(p, out var d, out _, out _) ? Encoding.ASCII.GetString(d.ToMessage(p).Payload.Span) : "?").ToList();

    private TcpHepOutput Output(int port, HepTlsSettings tls, List<string>? log = null, string? disk = null) =>
        new(new HepTarget(OutputTransport.Tls, "127.0.0.1", port), new TcpOutputSettings
        {
            Tls = tls,
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(400),
            KeepAlive = TimeSpan.FromMilliseconds(100),
            DiskBufferPath = disk,
            Log = log is null ? null : m => { lock (log) log.Add(m); },
        });

    [Fact]
    public async Task Tls_output_trusting_the_ca_file_delivers_to_the_node_and_after_a_restart_replays_the_disk_buffer()
    {
        var first = new NodeTlsListener(_certs);
        var port = first.Port;
        await using var output = Output(port, new HepTlsSettings { CaFile = _certs.CaPem }, disk: Path.Combine(_dir, "tls.buf"));
        for (var i = 0; i < 500; i++) output.Send(Packet(i));
        Assert.True(await output.FlushAsync(Wait), output.LastError);
        Assert.True(await first.WaitForAsync(500, Wait));
        // Aggregated: the queue goes out several packets per TLS write.
        Assert.True(output.Stats.Writes < output.Stats.Sent, $"{output.Stats.Writes} writes for {output.Stats.Sent} packets");

        await first.DisposeAsync();
        var deadline = DateTime.UtcNow + Wait;
        while (output.IsConnected && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(output.IsConnected);
        // The server is down: these wait in memory and then on disk (the memory queue spills past 1 024 while disconnected).
        for (var i = 500; i < 3000; i++) output.Send(Packet(i));
        Assert.True(output.Stats.Spilled > 0);
        await using var second = new NodeTlsListener(_certs, port);
        Assert.True(await output.FlushAsync(Wait), output.LastError);
        Assert.True(await second.WaitForAsync(2500, Wait));
        var got = Payloads(first.Packets.Concat(second.Packets)).ToHashSet();
        Assert.All(Enumerable.Range(0, 3000), i => Assert.Contains($"packet {i}", got));
        // Packets arrive byte for byte as sent, in order within the second connection.
        var secondPayloads = Payloads(second.Packets);
        Assert.Equal(Enumerable.Range(500, 2500).Select(i => $"packet {i}"), secondPayloads.Where(p => p != "packet 499"));
        Assert.True(output.Stats.Connects >= 2);
        Assert.Equal(output.Stats.Spilled, output.Stats.Replayed);
    }

    [Fact]
    public async Task A_server_certificate_from_another_ca_is_refused_with_a_clear_error()
    {
        await using var node = new NodeTlsListener(_certs);
        var log = new List<string>();
        await using var output = Output(node.Port, new HepTlsSettings { CaFile = _certs.OtherCaPem }, log);
        output.Send(Packet(1));
        Assert.False(await output.FlushAsync(TimeSpan.FromSeconds(1)));
        Assert.Empty(node.Packets);
        Assert.False(output.IsConnected);
        Assert.Contains("not trusted by CA file", output.LastError);
        Assert.Contains(_certs.OtherCaPem, output.LastError);
        // Reported once, not on every retry.
        lock (log) Assert.Single(log, l => l.Contains("not trusted by CA file"));
    }

    [Fact]
    public async Task System_roots_do_not_trust_a_private_ca()
    {
        await using var node = new NodeTlsListener(_certs);
        await using var output = Output(node.Port, new HepTlsSettings());
        output.Send(Packet(1));
        Assert.False(await output.FlushAsync(TimeSpan.FromSeconds(1)));
        Assert.Contains("not trusted by the system", output.LastError);
    }

    [Fact]
    public async Task A_pin_of_the_servers_key_alone_is_enough_and_a_wrong_pin_is_refused()
    {
        await using var node = new NodeTlsListener(_certs);
        await using (var wrong = Output(node.Port, new HepTlsSettings { Pins = [HepTlsSettings.PublicKeyPin(_certs.Other)] }))
        {
            wrong.Send(Packet(1));
            Assert.False(await wrong.FlushAsync(TimeSpan.FromSeconds(1)));
            Assert.Contains("pin mismatch", wrong.LastError);
            Assert.Contains(HepTlsSettings.PublicKeyPin(_certs.Server), wrong.LastError);
        }

        Assert.Empty(node.Packets);
        // The certificate's own SHA-256 in hex works as well as the key's; no CA file needed.
        var hex = Convert.ToHexString(SHA256.HashData(_certs.Server.RawData));
        await using (var right = Output(node.Port, new HepTlsSettings { Pins = [hex] }))
        {
            right.Send(Packet(2));
            Assert.True(await right.FlushAsync(Wait), right.LastError);
        }

        Assert.True(await node.WaitForAsync(1, Wait));
        Assert.Equal(["packet 2"], Payloads(node.Packets));
    }

    [Fact]
    public async Task A_server_that_requires_a_client_certificate_gets_the_one_given_in_pem_files()
    {
        // A plain SslStream server (the node does not ask for client certificates) that insists on one.
        using var clientKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=homer-agent edge-1", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var clientCert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPem = Path.Combine(_dir, "client.pem");
        var keyPem = Path.Combine(_dir, "client.key");
        File.WriteAllText(certPem, clientCert.ExportCertificatePem());
        File.WriteAllText(keyPem, clientKey.ExportPkcs8PrivateKeyPem());

        using var serverCert = X509CertificateLoader.LoadPkcs12FromFile(_certs.ServerPfx, TlsCertificates.PfxPassword);
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        string? presented = null;
        var received = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            await using var tls = new System.Net.Security.SslStream(socket.GetStream());
            await tls.AuthenticateAsServerAsync(new System.Net.Security.SslServerAuthenticationOptions
            {
                ServerCertificate = serverCert,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate?.Subject;
                    return certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(clientCert.RawData);
                },
            });
            var framer = new Homer.Hep.HepStreamFramer();
            var buffer = new byte[4096];
            while (received.Count < 3)
            {
                var n = await tls.ReadAsync(buffer);
                if (n == 0) break;
                framer.Append(buffer.AsSpan(0, n));
                while (framer.Next(out var packet) == Homer.Hep.HepFrameResult.Packet) received.Enqueue(packet.ToArray());
            }
        });
        try
        {
            await using var output = Output(((IPEndPoint)listener.LocalEndpoint).Port, new HepTlsSettings
            {
                CaFile = _certs.CaPem,
                ClientCertificate = certPem,
                ClientKey = keyPem,
            });
            for (var i = 0; i < 3; i++) output.Send(Packet(i));
            Assert.True(await output.FlushAsync(Wait), output.LastError);
            await serve.WaitAsync(Wait);
            Assert.Equal("CN=homer-agent edge-1", presented);
            Assert.Equal(["packet 0", "packet 1", "packet 2"], Payloads(received));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Capture_with_to_tls_and_pin_on_the_command_line_delivers_every_message()
    {
        await using var node = new NodeTlsListener(_certs);
        var pcap = Frames.WritePcap(Path.Combine(_dir, "tls.pcap"), Enumerable.Range(0, 20).Select(i => new Frames.Frame(1_700_000_000_000_000 + i * 1000,
            Frames.Ethernet(Frames.Ipv4Udp("10.9.0.1", 5060, "10.9.0.2", 5060, Encoding.ASCII.GetBytes(Frames.Sip("OPTIONS", $"tls-{i}@test", i + 1)))))));
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", $"tls:127.0.0.1:{node.Port}",
            "--tls-pin", HepTlsSettings.PublicKeyPin(_certs.Server), "--tls-ca", _certs.CaPem, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await node.WaitForAsync(20, Wait));

        var refused = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", $"tls:127.0.0.1:{node.Port}",
            "--tls-ca", _certs.OtherCaPem, "--drain-timeout", "1", "--summary", "none"]);
        Assert.Equal(ExitCodes.OutputError, refused.ExitCode);
        Assert.Contains("not trusted by CA file", refused.Stderr);

        var badPin = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", $"tls:127.0.0.1:{node.Port}", "--tls-pin", "nope"]);
        Assert.Equal(ExitCodes.Usage, badPin.ExitCode);
        Assert.Contains("--tls-pin", badPin.Stderr);

        // A CA for a plain tcp: server is a forgotten tls: (which would send in clear): refused.
        var plain = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", "tcp:127.0.0.1:9060", "--tls-ca", _certs.CaPem]);
        Assert.Equal(ExitCodes.Usage, plain.ExitCode);
        Assert.Contains("no --to is tls:", plain.Stderr);
    }
}
