using System.Net;

namespace Homer.Hep;

/// <summary>
/// A decoded HEP packet that points into the buffer it came from. Everything is inline or a <see cref="HepSlice"/>,
/// so decoding allocates nothing; call <see cref="ToMessage"/> to get an owning copy.
/// </summary>
public struct HepPacket
{
    public HepVersion Version;
    /// <summary>Bytes of the buffer this packet used (the declared length for HEP3, the whole buffer for v1/v2).</summary>
    public int Length;
    public HepFields Present;
    public HepWarnings Warnings;

    public byte IpFamily;
    public byte IpProtocol;
    public HepAddress SourceAddress;
    public HepAddress DestinationAddress;
    public ushort SourcePort;
    public ushort DestinationPort;
    public uint TimestampSeconds;
    public uint TimestampMicros;
    public byte ProtocolType;
    public uint CaptureId;
    public ushort KeepAliveTimer;

    public HepSlice Payload;
    /// <summary>The payload came in chunk 0x0010 and is still compressed in the buffer.</summary>
    public bool PayloadCompressed;
    public HepSlice AuthKey;
    public HepSlice CorrelationId;
    public HepSlice NodeName;

    public ushort Vlan;
    public bool HasVlan;
    public ulong SourceMac;
    public ulong DestinationMac;
    public ushort EthernetType;
    public byte TcpFlags;
    public byte IpTos;
    public ushort Mos;
    public ushort RFactor;
    public uint Jitter;
    public HepSlice GeoLocation;
    public HepSlice TransactionType;
    public HepSlice PayloadJsonKeys;
    public HepSlice TagValues;
    public ushort TagType;
    public ushort EventType;
    public HepSlice GroupId;

    /// <summary>HEP3: the chunk area, for <see cref="EnumerateChunks"/>.</summary>
    public HepSlice Chunks;
    public int ChunkCount;
    /// <summary>Chunks with a vendor id other than 0; their contents are only reachable raw.</summary>
    public int VendorChunkCount;

    public readonly bool Has(HepFields field) => (Present & field) == field;

    public readonly long TimestampUnixMicros => TimestampSeconds * 1_000_000L + TimestampMicros;

    /// <summary>All chunks of a HEP3 packet in wire order, vendor chunks included.</summary>
    public readonly HepChunkEnumerator EnumerateChunks(ReadOnlySpan<byte> data) => new(data, Chunks);

    /// <summary>
    /// Inflates a compressed payload (0x0010), at most <see cref="HepCompression.MaxInflatedBytes"/> of it. False with
    /// <see cref="HepDecodeError.InflatedPayloadTooLarge"/> when it inflates past that: the packet is to be refused.
    /// True with null when the payload is not compressed, or is not gzip, zlib or deflate after all (it is then
    /// kept as it came).
    /// </summary>
    public readonly bool TryInflatePayload(ReadOnlySpan<byte> data, out byte[]? inflated, out HepDecodeError error)
    {
        inflated = null;
        error = HepDecodeError.None;
        if (!PayloadCompressed)
            return true;
        if (HepCompression.TryInflate(Payload.Of(data), out inflated) != InflateResult.TooLarge)
            return true;
        error = HepDecodeError.InflatedPayloadTooLarge;
        return false;
    }

    /// <summary>
    /// Owning copy: copies slices to strings / arrays and inflates a compressed payload. When inflation fails the
    /// payload stays compressed and <see cref="HepMessage.PayloadCompressed"/> says so (also when it would inflate past
    /// the cap: refusing is the caller's business, through <see cref="TryInflatePayload"/>).
    /// </summary>
    public readonly HepMessage ToMessage(ReadOnlySpan<byte> data)
    {
        ReadOnlyMemory<byte> payload;
        var stillCompressed = false;
        if (PayloadCompressed)
        {
            var inflated = HepCompression.TryInflate(Payload.Of(data));
            stillCompressed = inflated is null;
            payload = inflated ?? Payload.Of(data).ToArray();
        }
        else
        {
            payload = Payload.IsEmpty ? ReadOnlyMemory<byte>.Empty : Payload.Of(data).ToArray();
        }

        List<HepVendorChunk>? vendorChunks = null;
        if (VendorChunkCount > 0)
        {
            vendorChunks = new List<HepVendorChunk>(VendorChunkCount);
            foreach (var chunk in EnumerateChunks(data))
            {
                if (chunk.Vendor != 0)
                    vendorChunks.Add(new HepVendorChunk(chunk.Vendor, chunk.Type, chunk.Value.Of(data).ToArray()));
            }
        }

        return new HepMessage
        {
            Version = Version,
            IpFamily = IpFamily,
            IpProtocol = IpProtocol,
            SourceAddress = SourceAddress.ToIPAddress(),
            DestinationAddress = DestinationAddress.ToIPAddress(),
            SourcePort = SourcePort,
            DestinationPort = DestinationPort,
            Timestamp = DateTimeOffset.UnixEpoch.AddTicks(TimestampUnixMicros * 10),
            ProtocolType = ProtocolType,
            CaptureId = CaptureId,
            KeepAliveTimer = Has(HepFields.KeepAliveTimer) ? KeepAliveTimer : null,
            Payload = payload,
            PayloadCompressed = stillCompressed,
            AuthKey = Text(data, AuthKey, HepFields.AuthKey),
            CorrelationId = Text(data, CorrelationId, HepFields.CorrelationId),
            NodeName = Text(data, NodeName, HepFields.NodeName),
            Vlan = HasVlan ? Vlan : null,
            SourceMac = Has(HepFields.SourceMac) ? SourceMac : null,
            DestinationMac = Has(HepFields.DestinationMac) ? DestinationMac : null,
            EthernetType = Has(HepFields.EthernetType) ? EthernetType : null,
            TcpFlags = Has(HepFields.TcpFlags) ? TcpFlags : null,
            IpTos = Has(HepFields.IpTos) ? IpTos : null,
            Mos = Has(HepFields.Mos) ? Mos : null,
            RFactor = Has(HepFields.RFactor) ? RFactor : null,
            Jitter = Has(HepFields.Jitter) ? Jitter : null,
            GeoLocation = Text(data, GeoLocation, HepFields.GeoLocation),
            TransactionType = Text(data, TransactionType, HepFields.TransactionType),
            PayloadJsonKeys = Text(data, PayloadJsonKeys, HepFields.PayloadJsonKeys),
            TagValues = Text(data, TagValues, HepFields.TagValues),
            TagType = Has(HepFields.TagType) ? TagType : null,
            EventType = Has(HepFields.EventType) ? EventType : null,
            GroupId = Text(data, GroupId, HepFields.GroupId),
            VendorChunks = (IReadOnlyList<HepVendorChunk>?)vendorChunks ?? [],
        };
    }

    private readonly string? Text(ReadOnlySpan<byte> data, HepSlice slice, HepFields field) =>
        Has(field) ? slice.ToString(data) : null;
}
