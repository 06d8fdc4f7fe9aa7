using System.Net;

namespace Homer.Actors.Ingest;

public enum HepTransport
{
    Udp,
    Tcp,
    Tls,
}

/// <summary>One HEP listener: where it listens, and what it asks of senders.</summary>
public sealed record HepListenerOptions
{
    public required HepTransport Transport { get; init; }
    public required IPEndPoint Endpoint { get; init; }

    /// <summary>When set, packets must carry this key in chunk 0x000e; others are counted and refused.</summary>
    public string? AuthKey { get; init; }

    /// <summary>TLS only: PKCS#12 (.pfx) or PEM certificate with its private key.</summary>
    public string? CertificatePath { get; init; }
    public string? CertificatePassword { get; init; }
    /// <summary>TLS only, PEM: the private key file when it is not inside the certificate file.</summary>
    public string? CertificateKeyPath { get; init; }

    /// <summary>TCP/TLS: a connection that sends nothing for this long is closed (agents send keep-alives).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// TCP/TLS: a packet must arrive whole within this long of its first byte, however the bytes trickle in (the
    /// idle timeout restarts with every byte; this does not). A connection that misses it is closed and counted.
    /// </summary>
    public TimeSpan FrameDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>TCP/TLS: connections beyond this are refused at accept, so a flood cannot exhaust the node.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>UDP: kernel receive buffer; the kernel may cap it at net.core.rmem_max.</summary>
    public int ReceiveBufferBytes { get; init; } = 16 * 1024 * 1024;

    public string Name => $"{Transport.ToString().ToLowerInvariant()}/{Endpoint}";

}
