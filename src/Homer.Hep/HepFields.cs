namespace Homer.Hep;

/// <summary>Which optional fields a decoded packet carried, so that zero can be told apart from absent.</summary>
[Flags]
public enum HepFields : uint
{
    None = 0,
    IpFamily = 1 << 0,
    IpProtocol = 1 << 1,
    SourceAddress = 1 << 2,
    DestinationAddress = 1 << 3,
    SourcePort = 1 << 4,
    DestinationPort = 1 << 5,
    TimestampSeconds = 1 << 6,
    TimestampMicros = 1 << 7,
    ProtocolType = 1 << 8,
    CaptureId = 1 << 9,
    KeepAliveTimer = 1 << 10,
    AuthKey = 1 << 11,
    Payload = 1 << 12,
    CorrelationId = 1 << 13,
    Vlan = 1 << 14,
    NodeName = 1 << 15,
    SourceMac = 1 << 16,
    DestinationMac = 1 << 17,
    EthernetType = 1 << 18,
    TcpFlags = 1 << 19,
    IpTos = 1 << 20,
    Mos = 1 << 21,
    RFactor = 1 << 22,
    GeoLocation = 1 << 23,
    Jitter = 1 << 24,
    TransactionType = 1 << 25,
    PayloadJsonKeys = 1 << 26,
    TagValues = 1 << 27,
    TagType = 1 << 28,
    EventType = 1 << 29,
    GroupId = 1 << 30,
}

/// <summary>Things worth knowing about a packet that was nevertheless accepted.</summary>
[Flags]
public enum HepWarnings : byte
{
    None = 0,
    /// <summary>The declared HEP3 length is shorter than the buffer (Kamailio accepts this; trailing bytes ignored).</summary>
    TrailingBytes = 1 << 0,
    /// <summary>A generic chunk appeared more than once; the last one wins.</summary>
    DuplicateChunk = 1 << 1,
    /// <summary>HEPv2 timestamp was plausible only when read big-endian.</summary>
    TimestampBigEndian = 1 << 2,
    /// <summary>HEPv2 timestamp was implausible in both byte orders; kept as read little-endian.</summary>
    TimestampImplausible = 1 << 3,
    /// <summary>HEPv2 time header without the 2 bytes of C struct padding after the capture id.</summary>
    UnpaddedTimeHeader = 1 << 4,
    /// <summary>Both 0x000f and 0x0010 were present; the last one is the payload.</summary>
    MultiplePayloads = 1 << 5,
}
