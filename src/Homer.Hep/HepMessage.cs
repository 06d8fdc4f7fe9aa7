using System.Net;

namespace Homer.Hep;

/// <summary>Owning, materialised HEP packet; what <see cref="HepPacket.ToMessage"/> returns and what the encoder writes.</summary>
public sealed class HepMessage
{
    public HepVersion Version { get; init; } = HepVersion.V3;
    /// <summary>2 IPv4, 10 IPv6; 0 means "derive from the addresses" when encoding.</summary>
    public byte IpFamily { get; init; }
    public byte IpProtocol { get; init; } = 17;
    /// <summary><see cref="IPAddress.Any"/> when the packet carried no address chunk.</summary>
    public IPAddress SourceAddress { get; init; } = IPAddress.Any;
    public IPAddress DestinationAddress { get; init; } = IPAddress.Any;
    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }
    /// <summary>Capture time; HEP carries microseconds, finer ticks are dropped on encode.</summary>
    public DateTimeOffset Timestamp { get; init; }
    public byte ProtocolType { get; init; } = HepProtocolType.Sip;
    public uint CaptureId { get; init; }
    public ushort? KeepAliveTimer { get; init; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    /// <summary>Decoded only: a 0x0010 payload that could not be inflated is kept as received.</summary>
    public bool PayloadCompressed { get; init; }
    public string? AuthKey { get; init; }
    public string? CorrelationId { get; init; }
    public string? NodeName { get; init; }
    public ushort? Vlan { get; init; }
    public ulong? SourceMac { get; init; }
    public ulong? DestinationMac { get; init; }
    public ushort? EthernetType { get; init; }
    public byte? TcpFlags { get; init; }
    public byte? IpTos { get; init; }
    public ushort? Mos { get; init; }
    public ushort? RFactor { get; init; }
    public uint? Jitter { get; init; }
    public string? GeoLocation { get; init; }
    public string? TransactionType { get; init; }
    public string? PayloadJsonKeys { get; init; }
    public string? TagValues { get; init; }
    public ushort? TagType { get; init; }
    public ushort? EventType { get; init; }
    public string? GroupId { get; init; }
    public IReadOnlyList<HepVendorChunk> VendorChunks { get; init; } = [];

    /// <summary>Microseconds since the Unix epoch, as carried on the wire.</summary>
    public long TimestampUnixMicros => (Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>
    /// This message as HEP3 for the next hop (a relay that frames v1/v2 on HEP3's length, an import of a capture of
    /// HEP traffic): the captured message (addresses, ports, time, protocols, payload), its correlation id, node name,
    /// VLAN, QoS figures and transaction type. Not the auth key: it was for the hop the message came on.
    /// <paramref name="captureId"/> and <paramref name="nodeName"/> replace the message's own when given.
    /// </summary>
    public HepMessage ToHep3(uint? captureId = null, string? nodeName = null) => new()
    {
        Version = HepVersion.V3,
        IpFamily = IpFamily,
        IpProtocol = IpProtocol,
        SourceAddress = SourceAddress,
        DestinationAddress = DestinationAddress,
        SourcePort = SourcePort,
        DestinationPort = DestinationPort,
        Timestamp = Timestamp,
        ProtocolType = ProtocolType,
        CaptureId = captureId ?? CaptureId,
        Payload = Payload,
        CorrelationId = CorrelationId,
        NodeName = nodeName ?? NodeName,
        Vlan = Vlan,
        Mos = Mos,
        RFactor = RFactor,
        Jitter = Jitter,
        TransactionType = TransactionType,
    };
}
