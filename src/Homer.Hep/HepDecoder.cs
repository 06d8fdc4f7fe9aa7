using System.Buffers.Binary;

namespace Homer.Hep;

/// <summary>Decodes HEP v1, v2 and v3 packets from a buffer without allocating and without throwing.</summary>
public static class HepDecoder
{
    public const int Hep3HeaderLength = 6;
    public const int ChunkHeaderLength = 6;

    /// <summary>HEPv2 timestamps before this (2000-01-01) are taken as garbage or the wrong byte order.</summary>
    private const uint EarliestPlausibleSeconds = 946_684_800;

    /// <summary>Detects v1/v2/v3 from the first bytes and decodes. Never throws.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out HepPacket packet, out HepDecodeError error, out int errorOffset) =>
        TryDecode(data, ClockNow, out packet, out error, out errorOffset);

    /// <summary>Sentinel for "read the clock if a HEPv2 timestamp needs checking": HEP3 never pays for the clock.</summary>
    private const long ClockNow = long.MinValue;

    /// <summary>As above; <paramref name="nowUnixSeconds"/> bounds the HEPv2 timestamp sanity check (tests pin it).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, long nowUnixSeconds, out HepPacket packet, out HepDecodeError error,
        out int errorOffset)
    {
        packet = default;
        errorOffset = 0;
        if (data.IsEmpty)
        {
            error = HepDecodeError.Empty;
            return false;
        }

        var first = data[0];
        if (first is 1 or 2)
            return TryDecodeV2(data, nowUnixSeconds, ref packet, out error, out errorOffset);

        if (data.Length >= 4 && IsHep3Magic(data))
            return TryDecodeV3(data, ref packet, out error, out errorOffset);

        error = data.Length < 4 && ("HEP3"u8.StartsWith(data) || "EEP3"u8.StartsWith(data))
            ? HepDecodeError.TooShort
            : HepDecodeError.UnknownVersion;
        return false;
    }

    public static bool IsHep3Magic(ReadOnlySpan<byte> data)
    {
        var magic = BinaryPrimitives.ReadUInt32BigEndian(data);
        return magic is 0x48455033 or 0x45455033; // "HEP3", "EEP3"
    }

    private static bool TryDecodeV3(ReadOnlySpan<byte> data, ref HepPacket p, out HepDecodeError error, out int errorOffset)
    {
        if (data.Length < Hep3HeaderLength)
        {
            error = HepDecodeError.TooShort;
            errorOffset = data.Length;
            return false;
        }

        int declared = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        if (declared < Hep3HeaderLength)
        {
            error = HepDecodeError.DeclaredLengthTooSmall;
            errorOffset = 4;
            return false;
        }

        if (declared > data.Length)
        {
            error = HepDecodeError.DeclaredLengthExceedsBuffer;
            errorOffset = 4;
            return false;
        }

        p.Version = HepVersion.V3;
        p.Length = declared;
        if (declared < data.Length)
            p.Warnings |= HepWarnings.TrailingBytes;
        p.Chunks = new HepSlice(Hep3HeaderLength, declared - Hep3HeaderLength);

        // Only the declared bytes are ours: a chunk that runs past them is invalid even if the buffer is longer.
        var packet = data[..declared];
        var offset = Hep3HeaderLength;
        while (offset < declared)
        {
            if (declared - offset < ChunkHeaderLength)
            {
                error = HepDecodeError.ChunkHeaderTruncated;
                errorOffset = offset;
                return false;
            }

            var vendor = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            var type = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 4)..]);
            if (length < ChunkHeaderLength || length > declared - offset)
            {
                error = HepDecodeError.ChunkLengthInvalid;
                errorOffset = offset + 4;
                return false;
            }

            p.ChunkCount++;
            if (vendor != 0)
            {
                // Vendor type ids overlap the generic ones (FreeSWITCH type 1 is not an IP family): never interpret.
                p.VendorChunkCount++;
            }
            else if (!ReadGeneric(packet, type, offset + ChunkHeaderLength, length - ChunkHeaderLength, ref p))
            {
                error = HepDecodeError.ChunkSizeMismatch;
                errorOffset = offset;
                return false;
            }

            offset += length;
        }

        if (p.IpFamily == 0)
            p.IpFamily = !p.SourceAddress.IsEmpty ? p.SourceAddress.Family : p.DestinationAddress.Family;
        error = HepDecodeError.None;
        errorOffset = 0;
        return true;
    }

    /// <summary>Stores one generic chunk; false when a fixed-size chunk has the wrong size.</summary>
    private static bool ReadGeneric(ReadOnlySpan<byte> packet, ushort type, int start, int size, ref HepPacket p)
    {
        var fixedSize = HepChunkType.FixedPayloadSize(type);
        if (fixedSize >= 0 && size != fixedSize)
            return false;

        var value = packet.Slice(start, size);
        var slice = new HepSlice(start, size);
        HepFields field;
        switch (type)
        {
            case HepChunkType.IpFamily: p.IpFamily = value[0]; field = HepFields.IpFamily; break;
            case HepChunkType.IpProtocol: p.IpProtocol = value[0]; field = HepFields.IpProtocol; break;
            case HepChunkType.Ipv4Source: p.SourceAddress = HepAddress.FromIPv4(value); field = HepFields.SourceAddress; break;
            case HepChunkType.Ipv4Destination: p.DestinationAddress = HepAddress.FromIPv4(value); field = HepFields.DestinationAddress; break;
            case HepChunkType.Ipv6Source: p.SourceAddress = HepAddress.FromIPv6(value); field = HepFields.SourceAddress; break;
            case HepChunkType.Ipv6Destination: p.DestinationAddress = HepAddress.FromIPv6(value); field = HepFields.DestinationAddress; break;
            case HepChunkType.SourcePort: p.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(value); field = HepFields.SourcePort; break;
            case HepChunkType.DestinationPort: p.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(value); field = HepFields.DestinationPort; break;
            case HepChunkType.TimestampSeconds: p.TimestampSeconds = BinaryPrimitives.ReadUInt32BigEndian(value); field = HepFields.TimestampSeconds; break;
            case HepChunkType.TimestampMicros: p.TimestampMicros = BinaryPrimitives.ReadUInt32BigEndian(value); field = HepFields.TimestampMicros; break;
            case HepChunkType.ProtocolType: p.ProtocolType = value[0]; field = HepFields.ProtocolType; break;
            case HepChunkType.CaptureId: p.CaptureId = BinaryPrimitives.ReadUInt32BigEndian(value); field = HepFields.CaptureId; break;
            case HepChunkType.KeepAliveTimer: p.KeepAliveTimer = BinaryPrimitives.ReadUInt16BigEndian(value); field = HepFields.KeepAliveTimer; break;
            case HepChunkType.AuthKey: p.AuthKey = slice; field = HepFields.AuthKey; break;
            case HepChunkType.Payload:
            case HepChunkType.CompressedPayload:
                if ((p.Present & HepFields.Payload) != 0)
                    p.Warnings |= HepWarnings.MultiplePayloads;
                p.Payload = slice;
                p.PayloadCompressed = type == HepChunkType.CompressedPayload;
                field = HepFields.Payload;
                break;
            case HepChunkType.CorrelationId: p.CorrelationId = slice; field = HepFields.CorrelationId; break;
            case HepChunkType.Vlan: p.Vlan = BinaryPrimitives.ReadUInt16BigEndian(value); p.HasVlan = true; field = HepFields.Vlan; break;
            case HepChunkType.NodeName: p.NodeName = slice; field = HepFields.NodeName; break;
            case HepChunkType.SourceMac: p.SourceMac = BinaryPrimitives.ReadUInt64BigEndian(value); field = HepFields.SourceMac; break;
            case HepChunkType.DestinationMac: p.DestinationMac = BinaryPrimitives.ReadUInt64BigEndian(value); field = HepFields.DestinationMac; break;
            case HepChunkType.EthernetType: p.EthernetType = BinaryPrimitives.ReadUInt16BigEndian(value); field = HepFields.EthernetType; break;
            case HepChunkType.TcpFlags: p.TcpFlags = value[0]; field = HepFields.TcpFlags; break;
            case HepChunkType.IpTos: p.IpTos = value[0]; field = HepFields.IpTos; break;
            case HepChunkType.Mos: p.Mos = BinaryPrimitives.ReadUInt16BigEndian(value); field = HepFields.Mos; break;
            case HepChunkType.RFactor: p.RFactor = BinaryPrimitives.ReadUInt16BigEndian(value); field = HepFields.RFactor; break;
            case HepChunkType.GeoLocation: p.GeoLocation = slice; field = HepFields.GeoLocation; break;
            case HepChunkType.Jitter: p.Jitter = BinaryPrimitives.ReadUInt32BigEndian(value); field = HepFields.Jitter; break;
            case HepChunkType.TransactionType: p.TransactionType = slice; field = HepFields.TransactionType; break;
            case HepChunkType.PayloadJsonKeys: p.PayloadJsonKeys = slice; field = HepFields.PayloadJsonKeys; break;
            case HepChunkType.TagValues: p.TagValues = slice; field = HepFields.TagValues; break;
            case HepChunkType.TagType: p.TagType = BinaryPrimitives.ReadUInt16BigEndian(value); field = HepFields.TagType; break;
            case HepChunkType.EventType: p.EventType = BinaryPrimitives.ReadUInt16BigEndian(value); field = HepFields.EventType; break;
            case HepChunkType.GroupId: p.GroupId = slice; field = HepFields.GroupId; break;
            default: return true; // reserved or newer than rev. 37: skipped by length
        }

        if ((p.Present & field) != 0 && field != HepFields.Payload)
            p.Warnings |= HepWarnings.DuplicateChunk;
        p.Present |= field;
        return true;
    }

    private static bool TryDecodeV2(ReadOnlySpan<byte> data, long nowUnixSeconds, ref HepPacket p, out HepDecodeError error,
        out int errorOffset)
    {
        // hep_hdr: version, header length, family, protocol, sport, dport (ports in network order).
        if (data.Length < 8)
        {
            error = HepDecodeError.TooShort;
            errorOffset = data.Length;
            return false;
        }

        var family = data[2];
        int addressLength = family switch { HepAddress.FamilyIPv4 => 4, HepAddress.FamilyIPv6 => 16, _ => 0 };
        if (addressLength == 0)
        {
            error = HepDecodeError.UnknownAddressFamily;
            errorOffset = 2;
            return false;
        }

        var version = (HepVersion)data[0];
        var offset = 8 + 2 * addressLength;
        // v2's time header is a C struct {u32 sec; u32 usec; u16 captid} that senders copy with its 2 padding bytes.
        var timeHeader = version == HepVersion.V2 ? 10 : 0;
        if (data.Length < offset + timeHeader)
        {
            error = HepDecodeError.TooShort;
            errorOffset = data.Length;
            return false;
        }

        p.Version = version;
        p.Length = data.Length;
        p.IpFamily = family;
        p.IpProtocol = data[3];
        p.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        p.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        if (addressLength == 4)
        {
            p.SourceAddress = HepAddress.FromIPv4(data[8..]);
            p.DestinationAddress = HepAddress.FromIPv4(data[12..]);
        }
        else
        {
            p.SourceAddress = HepAddress.FromIPv6(data[8..]);
            p.DestinationAddress = HepAddress.FromIPv6(data[24..]);
        }

        p.Present = HepFields.IpFamily | HepFields.IpProtocol | HepFields.SourceAddress | HepFields.DestinationAddress
            | HepFields.SourcePort | HepFields.DestinationPort;

        if (version == HepVersion.V2)
        {
            var time = data.Slice(offset, 10);
            var seconds = BinaryPrimitives.ReadUInt32LittleEndian(time);
            var micros = BinaryPrimitives.ReadUInt32LittleEndian(time[4..]);
            var captureId = BinaryPrimitives.ReadUInt16LittleEndian(time[8..]);
            if (nowUnixSeconds == ClockNow)
                nowUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (!Plausible(seconds, nowUnixSeconds))
            {
                var swapped = BinaryPrimitives.ReverseEndianness(seconds);
                if (Plausible(swapped, nowUnixSeconds))
                {
                    seconds = swapped;
                    micros = BinaryPrimitives.ReverseEndianness(micros);
                    captureId = BinaryPrimitives.ReverseEndianness(captureId);
                    p.Warnings |= HepWarnings.TimestampBigEndian;
                }
                else
                {
                    p.Warnings |= HepWarnings.TimestampImplausible;
                }
            }

            p.TimestampSeconds = seconds;
            p.TimestampMicros = micros;
            p.CaptureId = captureId;
            p.Present |= HepFields.TimestampSeconds | HepFields.TimestampMicros | HepFields.CaptureId;
            offset += 10;
            if (HasStructPadding(data, offset))
                offset += 2;
            else
                p.Warnings |= HepWarnings.UnpaddedTimeHeader;
        }

        // v1/v2 carry nothing but SIP.
        p.ProtocolType = HepProtocolType.Sip;
        p.Present |= HepFields.ProtocolType | HepFields.Payload;
        p.Payload = new HepSlice(offset, data.Length - offset);
        error = HepDecodeError.None;
        errorOffset = 0;
        return true;
    }

    /// <summary>
    /// Kamailio and captagent send sizeof(struct hep_timehdr) = 12 bytes, the last two being padding (zero in practice);
    /// a sender with a packed struct sends 10 and the payload (printable SIP) starts right away.
    /// </summary>
    private static bool HasStructPadding(ReadOnlySpan<byte> data, int offset)
    {
        if (data.Length < offset + 2)
            return false;
        var a = data[offset];
        var b = data[offset + 1];
        return !(IsText(a) && IsText(b));

        static bool IsText(byte c) => c is >= 0x20 and < 0x7f or (byte)'\r' or (byte)'\n' or (byte)'\t';
    }

    private static bool Plausible(uint seconds, long nowUnixSeconds)
    {
        if (nowUnixSeconds == ClockNow)
            nowUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return PlausibleAt(seconds, nowUnixSeconds);
    }

    private static bool PlausibleAt(uint seconds, long nowUnixSeconds) =>
        seconds >= EarliestPlausibleSeconds && seconds <= nowUnixSeconds + 2 * 86_400;
}
