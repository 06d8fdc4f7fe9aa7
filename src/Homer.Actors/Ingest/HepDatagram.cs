using System.Net;

namespace Homer.Actors.Ingest;

/// <summary>Where a packet came in: the listener's name and the auth key it requires (UTF-8), if any.</summary>
public sealed class HepSource(string name, byte[]? requiredAuthKey)
{
    public string Name { get; } = name;
    public byte[]? RequiredAuthKey { get; } = requiredAuthKey;

    public static HepSource For(HepListenerOptions options) =>
        new(options.Name, options.AuthKey is null ? null : System.Text.Encoding.UTF8.GetBytes(options.AuthKey));
}

/// <summary>One received HEP datagram (or TCP/TLS frame), copied out of the socket buffer, with where it came from.</summary>
public readonly record struct HepDatagram(byte[] Data, IPEndPoint Sender, DateTimeOffset ReceivedAt, HepSource Source);
