using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Homer.Actors.Ingest;

namespace Homer.Node.Tests;

/// <summary>A node whose listeners require an auth key and that also serves HEP over TLS with a test certificate.</summary>
public sealed class SecuredNodeFixture : NodeFixture
{
    public const string AuthKey = "s3cret-key";
    private readonly string _certificatePath = Path.Combine(Path.GetTempPath(), $"homer-test-{Guid.NewGuid():N}.pfx");

    public X509Certificate2 Certificate { get; } = CreateCertificate();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings()
    {
        File.WriteAllBytes(_certificatePath, Certificate.Export(X509ContentType.Pfx, "pfx-pass"));
        return
        [
            new("HEP_AUTH_KEY", AuthKey),
            new("HEP_TLS", "127.0.0.1:0"),
            new("HEP_TLS_CERT", _certificatePath),
            new("HEP_TLS_CERT_PASSWORD", "pfx-pass"),
        ];
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_certificatePath);
        Certificate.Dispose();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=homer-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}

public sealed class HepTcpTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task Back_to_back_packets_split_at_every_byte_boundary_are_all_stored()
    {
        var callId = "tcp-split-" + Guid.NewGuid().ToString("N")[..8];
        var call = SipCalls.BasicCall(callId, "tcp", "user", SipCalls.NowMicros().AddMinutes(-2));
        var first = SipCalls.Hep3(call[0]);
        var second = SipCalls.Hep3(call[1]);

        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(node.HepTcpEndpoint!);
        var stream = client.GetStream();
        // For every split point of the first packet: its head, then its tail glued to a whole second packet, so the
        // framer sees partial headers, partial chunks and two packets in one read.
        for (var split = 1; split < first.Length; split++)
        {
            await stream.WriteAsync(first.AsMemory(0, split));
            await stream.FlushAsync();
            await stream.WriteAsync(first.AsMemory(split).ToArray().Concat(second).ToArray());
            await stream.FlushAsync();
        }

        var expected = 2L * (first.Length - 1);
        await node.Eventually(async () => await Count(callId) == expected, $"{expected} packets over one TCP stream stored");
    }

    [Fact]
    public async Task Garbage_between_packets_is_skipped_and_counted_and_the_connection_carries_on()
    {
        var callId = "tcp-garbage-" + Guid.NewGuid().ToString("N")[..8];
        var call = SipCalls.BasicCall(callId, "tcp", "user", SipCalls.NowMicros().AddMinutes(-2));
        var skippedBefore = node.Counters.StreamBytesSkipped;

        using var client = new TcpClient();
        await client.ConnectAsync(node.HepTcpEndpoint!);
        var stream = client.GetStream();
        await stream.WriteAsync(SipCalls.Hep3(call[0]));
        await stream.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        await stream.WriteAsync(SipCalls.Hep3(call[1]));
        await stream.FlushAsync();

        await node.Eventually(async () => await Count(callId) == 2, "both packets around the garbage stored");
        Assert.Equal(skippedBefore + 18, node.Counters.StreamBytesSkipped);
    }

    [Fact]
    public async Task Many_agents_at_once_each_get_their_packets_stored()
    {
        var callIds = Enumerable.Range(0, 20).Select(i => $"tcp-many-{i}-{Guid.NewGuid():N}").ToArray();
        await Task.WhenAll(callIds.Select(async callId =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(node.HepTcpEndpoint!);
            var bytes = SipCalls.BasicCall(callId, "agent", "user", SipCalls.NowMicros().AddMinutes(-2)).SelectMany(l => SipCalls.Hep3(l)).ToArray();
            await client.GetStream().WriteAsync(bytes);
        }));
        foreach (var callId in callIds)
            await node.Eventually(async () => await Count(callId) == 7, $"7 messages of {callId}");
    }

    private async Task<long> Count(string callId) =>
        (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}, first: 0) { totalCount } }", new { c = callId }))
        .GetProperty("messages").GetProperty("totalCount").GetInt64();
}

public sealed class HepAuthAndTlsTests(SecuredNodeFixture node) : IClassFixture<SecuredNodeFixture>
{
    [Fact]
    public async Task Packets_with_the_right_auth_key_are_stored_and_others_are_refused_and_counted()
    {
        var callId = "auth-" + Guid.NewGuid().ToString("N")[..8];
        var call = SipCalls.BasicCall(callId, "auth", "user", SipCalls.NowMicros().AddMinutes(-2));
        var refusedBefore = node.Counters.Dropped(DropReason.Auth);

        await node.SendHep(
            SipCalls.Hep3(call[0]),                                  // no key
            SipCalls.Hep3(call[1], authKey: "guess"),               // wrong key
            SipCalls.Hep3(call[2], authKey: SecuredNodeFixture.AuthKey));

        await node.Eventually(async () => await Count(callId) == 1, "only the packet with the right key stored");
        Assert.Equal(refusedBefore + 2, node.Counters.Dropped(DropReason.Auth));
        var stored = (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}) { nodes { statusCode } } }", new { c = callId }))
            .GetProperty("messages").GetProperty("nodes")[0];
        Assert.Equal(180, stored.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task HEP_over_TLS_with_the_configured_certificate_is_stored()
    {
        var callId = "tls-" + Guid.NewGuid().ToString("N")[..8];
        var call = SipCalls.BasicCall(callId, "tls", "user", SipCalls.NowMicros().AddMinutes(-2));

        using var client = new TcpClient();
        await client.ConnectAsync(node.HepTlsEndpoint!);
        await using var tls = new SslStream(client.GetStream(), false,
            (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == node.Certificate.GetCertHashString());
        await tls.AuthenticateAsClientAsync("homer-test");
        foreach (var leg in call)
            await tls.WriteAsync(SipCalls.Hep3(leg, authKey: SecuredNodeFixture.AuthKey));
        await tls.FlushAsync();

        await node.Eventually(async () => await Count(callId) == call.Count, "every message sent over TLS stored");
    }

    private async Task<long> Count(string callId) =>
        (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}, first: 0) { totalCount } }", new { c = callId }))
        .GetProperty("messages").GetProperty("totalCount").GetInt64();
}
