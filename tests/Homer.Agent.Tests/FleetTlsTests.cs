using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Homer.Agent.Cli;
using Homer.Agent.Fleet;
using Homer.Agent.Output;

namespace Homer.Agent.Tests;

/// <summary>
/// Fleet control against an https node whose certificate a private CA issued: the agent trusts it through
/// <c>--node-ca</c> or a <c>--node-pin</c>, and says why when it does not.
/// </summary>
public sealed class FleetTlsTests : IDisposable
{
    private readonly TlsCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    /// <summary>An https endpoint on loopback that answers every request as a node answers an announcement.</summary>
    private sealed class HttpsNode : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly X509Certificate2 _certificate;
        private readonly Task _loop;
        private int _answered;

        public HttpsNode(TlsCertificates certificates)
        {
            _certificate = X509CertificateLoader.LoadPkcs12FromFile(certificates.ServerPfx, TlsCertificates.PfxPassword);
            _listener.Start();
            _loop = Task.Run(Serve);
        }

        public Uri Url => new($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        public int Answered => Volatile.Read(ref _answered);

        private async Task Serve()
        {
            while (true)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using var _ = client;
                    try
                    {
                        await using var tls = new SslStream(client.GetStream());
                        await tls.AuthenticateAsServerAsync(_certificate);
                        var request = new MemoryStream();
                        var buffer = new byte[4096];
                        // Headers, then as much body as Content-Length says.
                        while (!Encoding.ASCII.GetString(request.ToArray()).Contains("\r\n\r\n"))
                        {
                            var n = await tls.ReadAsync(buffer);
                            if (n == 0) return;
                            request.Write(buffer, 0, n);
                        }
                        var text = Encoding.ASCII.GetString(request.ToArray());
                        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
                        var length = text.Split("\r\n").Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                            .Select(l => int.Parse(l[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                        while (request.Length < headerEnd + length)
                        {
                            var n = await tls.ReadAsync(buffer);
                            if (n == 0) return;
                            request.Write(buffer, 0, n);
                        }
                        const string body = "{\"desiredVersion\":0}";
                        await tls.WriteAsync(Encoding.ASCII.GetBytes(
                            $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
                        Interlocked.Increment(ref _answered);
                    }
                    catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
                    {
                        // The agent refused our certificate: that is what some cases expect.
                    }
                });
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _loop;
            _certificate.Dispose();
        }
    }

    /// <summary>Runs a fleet client until it announced once or said why it could not (5 s at most).</summary>
    private static async Task<(bool Announced, string Log)> Announce(HttpsNode node, HepTlsSettings? tls)
    {
        var log = new StringWriter();
        await using var outputs = new Outputs();
        var client = new FleetClient(new FleetSettings(node.Url, "hag_test", "edge-1", TimeSpan.FromSeconds(1), tls), [], outputs, log);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline && Interlocked.Read(ref client.Announced) == 0 && !Logged(log).Contains("retrying"))
                await Task.Delay(50);
            return (Interlocked.Read(ref client.Announced) > 0, Logged(log));
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    private static string Logged(StringWriter log)
    {
        lock (log)
            return log.ToString();
    }

    [Fact]
    public async Task An_https_node_is_trusted_through_its_CA_file_or_a_pin_and_refused_with_the_reason_otherwise()
    {
        await using var node = new HttpsNode(_certificates);

        var (announced, log) = await Announce(node, new HepTlsSettings { CaFile = _certificates.CaPem });
        Assert.True(announced, log);
        (announced, log) = await Announce(node, new HepTlsSettings { Pins = [HepTlsSettings.PublicKeyPin(_certificates.Server)] });
        Assert.True(announced, log);
        Assert.Equal(2, node.Answered);

        (announced, log) = await Announce(node, new HepTlsSettings { CaFile = _certificates.OtherCaPem });
        Assert.False(announced);
        Assert.Contains("is not trusted by CA file", log);
        (announced, log) = await Announce(node, new HepTlsSettings { Pins = [HepTlsSettings.PublicKeyPin(_certificates.Other)] });
        Assert.False(announced);
        Assert.Contains("pin mismatch", log);
        // Without either, the system's roots do not know the private CA.
        (announced, log) = await Announce(node, null);
        Assert.False(announced, log);
        Assert.Equal(2, node.Answered);
    }

    [Theory]
    [InlineData("--node http://127.0.0.1:9080 --node-pin sha256//AAAA", "is http")]
    [InlineData("--node-ca /nonexistent/ca.pem", "give --node as well")]
    [InlineData("--node https://127.0.0.1:9080 --node-ca /nonexistent/ca.pem", "not found")]
    [InlineData("--node https://127.0.0.1:9080 --node-pin not-a-pin!", "neither sha256//BASE64 nor 64 hex digits")]
    public async Task A_wrong_node_CA_or_pin_is_a_usage_error_that_names_it(string options, string expected)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await new AgentCli(stdout, stderr, new StringReader("")).RunAsync(
            ["capture", "--pcap", "/nonexistent.pcap", "--to", "udp:127.0.0.1:9", .. options.Split(' ')]);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(expected, stderr.ToString() + stdout.ToString());
    }
}
