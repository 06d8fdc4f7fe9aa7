using System.Net;

namespace Homer.Storage;

/// <summary>
/// One captured message as the store keeps it: the searchable fields typed, the payload raw and untruncated.
/// Built once per packet by the ingest graph; immutable so it can be shared by the store and the dialog actors.
/// </summary>
public sealed record CapturedMessage
{
    /// <summary>Capture time in microseconds since the Unix epoch (as the sender stamped it).</summary>
    public required long TimestampMicros { get; init; }
    public required MessageProfile Profile { get; init; }
    public required byte ProtocolType { get; init; }
    public byte IpProtocol { get; init; }
    /// <summary>SIP transport from the top Via (UDP, TCP, TLS, WS, WSS, SCTP), else from the IP protocol.</summary>
    public string? Transport { get; init; }
    public int? Vlan { get; init; }
    public required IPAddress SourceIp { get; init; }
    public required int SourcePort { get; init; }
    public required IPAddress DestinationIp { get; init; }
    public required int DestinationPort { get; init; }
    public long CaptureId { get; init; }
    public string? NodeName { get; init; }
    public string? CorrelationId { get; init; }
    public string? CallId { get; init; }
    public string? Method { get; init; }
    public int? StatusCode { get; init; }
    public string? ReasonPhrase { get; init; }
    public string? RuriUser { get; init; }
    public string? RuriDomain { get; init; }
    public string? FromUser { get; init; }
    public string? FromDomain { get; init; }
    public string? FromTag { get; init; }
    public string? ToUser { get; init; }
    public string? ToDomain { get; init; }
    public string? ToTag { get; init; }
    public long? CSeqNumber { get; init; }
    public string? CSeqMethod { get; init; }
    public string? UserAgent { get; init; }
    /// <summary>Why the payload could not be parsed as its protocol type says, or null. Such messages are still kept.</summary>
    public string? ParseError { get; init; }
    /// <summary>
    /// The other parsed header fields as a JSON object in UTF-8, stored in the JSONB column; null when none. Kept as
    /// bytes because that is how the decoder writes it and how COPY sends it (as a string it was 7 % of the node's
    /// allocations at 15 000 messages/s, and one more encoding).
    /// </summary>
    public byte[]? HeadersJsonUtf8 { get; init; }

    /// <summary>The same as text.</summary>
    public string? HeadersJson
    {
        get => HeadersJsonUtf8 is null ? null : System.Text.Encoding.UTF8.GetString(HeadersJsonUtf8);
        init => HeadersJsonUtf8 = value is null ? null : System.Text.Encoding.UTF8.GetBytes(value);
    }
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>
    /// The configured header fields found in this message (<see cref="HeaderFieldSet"/>) as a JSON object in UTF-8, for
    /// the <c>fields</c> column; null when no field is configured or none was found (then the column is not written).
    /// </summary>
    public byte[]? FieldsJsonUtf8 { get; init; }

    /// <summary>
    /// The HEP packet this message was decoded from, byte for byte; empty when unknown (built by hand, or read from a
    /// spool file of format 1). A window on the datagram's own array (the payload is usually a window on it too), so
    /// keeping it costs a reference, not a copy. Only a refused row needs it: it goes to the quarantine as it came.
    /// </summary>
    public ReadOnlyMemory<byte> RawHep { get; init; }

    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampMicros * 10);
}

/// <summary>Which family of table a message belongs to; SIP replies follow their request by CSeq method.</summary>
public enum MessageProfile : short
{
    Default = 0,
    Call = 1,
    Registration = 2,
    Qos = 3,
    Rtcp = 4,
    Log = 5,
    Generic = 6,
}
