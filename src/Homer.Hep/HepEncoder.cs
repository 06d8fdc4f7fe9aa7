using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Homer.Hep;

/// <summary>Writes <see cref="HepMessage"/> as HEP3 (default) or HEPv1/v2, for the agent and for tests.</summary>
public static class HepEncoder
{
    /// <summary>HEP3's total length is a uint16.</summary>
    public const int MaxHep3Length = ushort.MaxValue;

    public static byte[] Encode(HepMessage message)
    {
        var writer = new ArrayBufferWriter<byte>(256 + message.Payload.Length);
        Encode(message, writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes one packet. Throws <see cref="ArgumentException"/> when the message cannot be represented.</summary>
    public static void Encode(HepMessage message, IBufferWriter<byte> writer, bool compressPayload = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(writer);
        if (message.Version == HepVersion.V3)
            EncodeV3(message, writer, compressPayload);
        else if (message.Version is HepVersion.V1 or HepVersion.V2)
            EncodeV2(message, writer);
        else
            throw new ArgumentException($"Unknown HEP version {message.Version}.", nameof(message));
    }

    private static void EncodeV3(HepMessage m, IBufferWriter<byte> writer, bool compressPayload)
    {
        var payload = m.Payload.Span;
        byte[]? compressed = null;
        if (compressPayload)
        {
            compressed = HepCompression.Compress(payload);
            payload = compressed;
        }

        var source = Address(m.SourceAddress);
        var destination = Address(m.DestinationAddress);
        var family = m.IpFamily != 0 ? m.IpFamily
            : source.IsIPv6 || destination.IsIPv6 ? HepAddress.FamilyIPv6 : HepAddress.FamilyIPv4;
        var micros = m.TimestampUnixMicros;

        var size = HepDecoder.Hep3HeaderLength
            + 7 + 7 // family, protocol
            + AddressChunk(source) + AddressChunk(destination)
            + 8 + 8 + 10 + 10 + 7 + 10 // ports, seconds, micros, protocol type, capture id
            + OptionalSize(m.KeepAliveTimer, 2) + TextSize(m.AuthKey) + TextSize(m.CorrelationId) + OptionalSize(m.Vlan, 2)
            + TextSize(m.NodeName) + OptionalSize(m.SourceMac, 8) + OptionalSize(m.DestinationMac, 8)
            + OptionalSize(m.EthernetType, 2) + OptionalSize(m.TcpFlags, 1) + OptionalSize(m.IpTos, 1)
            + OptionalSize(m.Mos, 2) + OptionalSize(m.RFactor, 2) + TextSize(m.GeoLocation) + OptionalSize(m.Jitter, 4)
            + TextSize(m.TransactionType) + TextSize(m.PayloadJsonKeys) + TextSize(m.TagValues)
            + OptionalSize(m.TagType, 2) + OptionalSize(m.EventType, 2) + TextSize(m.GroupId)
            + 6 + payload.Length;
        foreach (var v in m.VendorChunks)
            size += 6 + CheckChunk(v.Value.Length);
        if (size > MaxHep3Length)
            throw new ArgumentException($"HEP3 packet would be {size} bytes; the length field holds at most {MaxHep3Length}.", nameof(m));

        var span = writer.GetSpan(size)[..size];
        "HEP3"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)size);
        var w = new ChunkWriter(span, HepDecoder.Hep3HeaderLength);
        w.U8(HepChunkType.IpFamily, family);
        w.U8(HepChunkType.IpProtocol, m.IpProtocol);
        w.Address(source, HepChunkType.Ipv4Source, HepChunkType.Ipv6Source);
        w.Address(destination, HepChunkType.Ipv4Destination, HepChunkType.Ipv6Destination);
        w.U16(HepChunkType.SourcePort, m.SourcePort);
        w.U16(HepChunkType.DestinationPort, m.DestinationPort);
        w.U32(HepChunkType.TimestampSeconds, (uint)(micros / 1_000_000));
        w.U32(HepChunkType.TimestampMicros, (uint)(micros % 1_000_000));
        w.U8(HepChunkType.ProtocolType, m.ProtocolType);
        w.U32(HepChunkType.CaptureId, m.CaptureId);
        if (m.KeepAliveTimer is { } keepAlive) w.U16(HepChunkType.KeepAliveTimer, keepAlive);
        w.Text(HepChunkType.AuthKey, m.AuthKey);
        w.Text(HepChunkType.CorrelationId, m.CorrelationId);
        if (m.Vlan is { } vlan) w.U16(HepChunkType.Vlan, vlan);
        w.Text(HepChunkType.NodeName, m.NodeName);
        if (m.SourceMac is { } sourceMac) w.U64(HepChunkType.SourceMac, sourceMac);
        if (m.DestinationMac is { } destinationMac) w.U64(HepChunkType.DestinationMac, destinationMac);
        if (m.EthernetType is { } ethernetType) w.U16(HepChunkType.EthernetType, ethernetType);
        if (m.TcpFlags is { } tcpFlags) w.U8(HepChunkType.TcpFlags, tcpFlags);
        if (m.IpTos is { } tos) w.U8(HepChunkType.IpTos, tos);
        if (m.Mos is { } mos) w.U16(HepChunkType.Mos, mos);
        if (m.RFactor is { } rFactor) w.U16(HepChunkType.RFactor, rFactor);
        w.Text(HepChunkType.GeoLocation, m.GeoLocation);
        if (m.Jitter is { } jitter) w.U32(HepChunkType.Jitter, jitter);
        w.Text(HepChunkType.TransactionType, m.TransactionType);
        w.Text(HepChunkType.PayloadJsonKeys, m.PayloadJsonKeys);
        w.Text(HepChunkType.TagValues, m.TagValues);
        if (m.TagType is { } tagType) w.U16(HepChunkType.TagType, tagType);
        if (m.EventType is { } eventType) w.U16(HepChunkType.EventType, eventType);
        w.Text(HepChunkType.GroupId, m.GroupId);
        foreach (var v in m.VendorChunks)
            w.Raw(v.Vendor, v.Type, v.Value.Span);
        // Payload last, as every sender does: collectors that stop at the payload still see the metadata.
        w.Raw(0, compressPayload ? HepChunkType.CompressedPayload : HepChunkType.Payload, payload);
        writer.Advance(size);
    }

    /// <summary>HEPv1/v2 as Kamailio and captagent write it: v2's time header in x86 byte order with its 2 padding bytes.</summary>
    private static void EncodeV2(HepMessage m, IBufferWriter<byte> writer)
    {
        var source = Address(m.SourceAddress);
        var destination = Address(m.DestinationAddress);
        var ipv6 = source.IsIPv6 || destination.IsIPv6 || m.IpFamily == HepAddress.FamilyIPv6;
        if (ipv6 && (!source.IsIPv6 || !destination.IsIPv6))
            throw new ArgumentException("HEPv1/v2 needs both addresses in the same family.", nameof(m));
        var addressLength = ipv6 ? 16 : 4;
        var headerLength = 8 + 2 * addressLength;
        var timeLength = m.Version == HepVersion.V2 ? 12 : 0;
        var payload = m.Payload.Span;
        var size = headerLength + timeLength + payload.Length;
        var span = writer.GetSpan(size)[..size];
        span[0] = (byte)m.Version;
        span[1] = (byte)headerLength;
        span[2] = ipv6 ? HepAddress.FamilyIPv6 : HepAddress.FamilyIPv4;
        span[3] = m.IpProtocol;
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], m.SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], m.DestinationPort);
        span.Slice(8, 2 * addressLength).Clear();
        source.WriteTo(span[8..]);
        destination.WriteTo(span[(8 + addressLength)..]);
        if (timeLength > 0)
        {
            var micros = m.TimestampUnixMicros;
            var time = span.Slice(headerLength, timeLength);
            BinaryPrimitives.WriteUInt32LittleEndian(time, (uint)(micros / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(time[4..], (uint)(micros % 1_000_000));
            BinaryPrimitives.WriteUInt16LittleEndian(time[8..], (ushort)m.CaptureId);
            time[10] = 0;
            time[11] = 0;
        }

        payload.CopyTo(span[(headerLength + timeLength)..]);
        writer.Advance(size);
    }

    // Tolerates null (callers outside nullable context) as "no address chunk".
    private static HepAddress Address(IPAddress? address) =>
        address is null ? HepAddress.None
        : address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 ? HepAddress.From(address.MapToIPv4())
        : HepAddress.From(address);

    private static int AddressChunk(HepAddress a) => a.IsEmpty ? 0 : 6 + a.ByteLength;

    private static int OptionalSize<T>(T? value, int size) where T : struct => value.HasValue ? 6 + size : 0;

    private static int TextSize(string? text) => text is null ? 0 : 6 + CheckChunk(Encoding.UTF8.GetByteCount(text));

    private static int CheckChunk(int payloadLength) =>
        payloadLength + 6 <= ushort.MaxValue ? payloadLength
        : throw new ArgumentException($"A chunk of {payloadLength} bytes does not fit HEP3's uint16 chunk length.");

    private ref struct ChunkWriter(Span<byte> span, int offset)
    {
        private readonly Span<byte> _span = span;
        private int _offset = offset;

        private Span<byte> Header(ushort vendor, ushort type, int payloadLength)
        {
            var s = _span[_offset..];
            BinaryPrimitives.WriteUInt16BigEndian(s, vendor);
            BinaryPrimitives.WriteUInt16BigEndian(s[2..], type);
            BinaryPrimitives.WriteUInt16BigEndian(s[4..], (ushort)(6 + payloadLength));
            _offset += 6 + payloadLength;
            return s.Slice(6, payloadLength);
        }

        public void U8(ushort type, byte value) => Header(0, type, 1)[0] = value;

        public void U16(ushort type, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Header(0, type, 2), value);

        public void U32(ushort type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(Header(0, type, 4), value);

        public void U64(ushort type, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Header(0, type, 8), value);

        public void Address(HepAddress address, ushort v4Type, ushort v6Type)
        {
            if (!address.IsEmpty)
                address.WriteTo(Header(0, address.IsIPv6 ? v6Type : v4Type, address.ByteLength));
        }

        public void Text(ushort type, string? text)
        {
            if (text is not null)
                Encoding.UTF8.GetBytes(text, Header(0, type, Encoding.UTF8.GetByteCount(text)));
        }

        public void Raw(ushort vendor, ushort type, ReadOnlySpan<byte> value) => value.CopyTo(Header(vendor, type, value.Length));
    }
}
