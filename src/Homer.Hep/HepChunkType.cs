namespace Homer.Hep;

/// <summary>Generic (vendor 0) chunk type ids of HEP3, as in the public specification rev. 37.</summary>
public static class HepChunkType
{
    public const ushort IpFamily = 0x0001;
    public const ushort IpProtocol = 0x0002;
    public const ushort Ipv4Source = 0x0003;
    public const ushort Ipv4Destination = 0x0004;
    public const ushort Ipv6Source = 0x0005;
    public const ushort Ipv6Destination = 0x0006;
    public const ushort SourcePort = 0x0007;
    public const ushort DestinationPort = 0x0008;
    public const ushort TimestampSeconds = 0x0009;
    public const ushort TimestampMicros = 0x000a;
    public const ushort ProtocolType = 0x000b;
    public const ushort CaptureId = 0x000c;
    public const ushort KeepAliveTimer = 0x000d;
    public const ushort AuthKey = 0x000e;
    public const ushort Payload = 0x000f;
    public const ushort CompressedPayload = 0x0010;
    public const ushort CorrelationId = 0x0011;
    public const ushort Vlan = 0x0012;
    public const ushort NodeName = 0x0013;
    public const ushort SourceMac = 0x0014;
    public const ushort DestinationMac = 0x0015;
    public const ushort EthernetType = 0x0016;
    public const ushort TcpFlags = 0x0017;
    public const ushort IpTos = 0x0018;
    public const ushort Mos = 0x0020;
    public const ushort RFactor = 0x0021;
    public const ushort GeoLocation = 0x0022;
    public const ushort Jitter = 0x0023;
    public const ushort TransactionType = 0x0024;
    public const ushort PayloadJsonKeys = 0x0025;
    public const ushort TagValues = 0x0026;
    public const ushort TagType = 0x0027;
    public const ushort EventType = 0x0028;
    public const ushort GroupId = 0x0029;

    /// <summary>
    /// Payload size a generic chunk must have, or -1 for variable-length octets and for types we do not know
    /// (reserved 0x0019–0x001f and anything above 0x0029 are skipped by length, not checked).
    /// </summary>
    public static int FixedPayloadSize(ushort type) => type < FixedSizes.Length ? FixedSizes[type] : -1;

    // Indexed by type id 0x0000–0x0029: a table lookup per chunk instead of a branchy switch on the hot path.
    private static ReadOnlySpan<sbyte> FixedSizes =>
    [
        -1, // 0x00 (invalid)
        1, 1, 4, 4, 16, 16, 2, 2, // family, protocol, IPv4 src/dst, IPv6 src/dst, ports
        4, 4, 1, 4, 2, // seconds, micros, protocol type, capture id, keep-alive
        -1, -1, -1, -1, // auth key, payload, compressed payload, correlation id
        2, -1, 8, 8, 2, 1, 1, // VLAN, node name, MACs, Ethernet type, TCP flags, TOS
        -1, -1, -1, -1, -1, -1, -1, // 0x19–0x1f reserved
        2, 2, -1, 4, -1, -1, -1, 2, 2, -1, // MOS, R-factor, geo, jitter, transaction type, JSON keys, tags, tag type, event type, group id
    ];
}
