using System.Buffers.Binary;
using System.Text;

namespace Homer.Sip.Rtcp;

/// <summary>Binary RTCP compound packets (RFC 3550 SR/RR/SDES/BYE, RFC 3611 XR VoIP metrics). Never throws.</summary>
public static class RtcpParser
{
    private const int ReportBlockSize = 24;

    public static bool TryParse(ReadOnlySpan<byte> data, out IReadOnlyList<RtcpPacket> packets, out RtcpParseError error,
        out int errorOffset)
    {
        var list = new List<RtcpPacket>(2);
        packets = list;
        errorOffset = 0;
        if (data.IsEmpty)
        {
            error = RtcpParseError.Empty;
            return false;
        }

        var offset = 0;
        while (offset < data.Length)
        {
            errorOffset = offset;
            if (data.Length - offset < 4)
            {
                error = RtcpParseError.TooShort;
                return false;
            }

            var first = data[offset];
            if (first >> 6 != 2)
            {
                error = RtcpParseError.BadVersion;
                return false;
            }

            var count = first & 0x1f;
            var type = data[offset + 1];
            var length = (BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]) + 1) * 4;
            if (length > data.Length - offset)
            {
                error = RtcpParseError.LengthExceedsBuffer;
                return false;
            }

            var body = data.Slice(offset + 4, length - 4);
            if ((first & 0x20) != 0 && body.Length > 0)
            {
                // Padding: the last octet says how many octets at the end are padding.
                var pad = body[^1];
                body = pad <= body.Length ? body[..^pad] : body;
            }

            var packet = type switch
            {
                (byte)RtcpPacketType.SenderReport => Reports(type, count, body, senderInfo: true),
                (byte)RtcpPacketType.ReceiverReport => Reports(type, count, body, senderInfo: false),
                (byte)RtcpPacketType.SourceDescription => Sdes(count, body),
                (byte)RtcpPacketType.Goodbye => Bye(count, body),
                (byte)RtcpPacketType.ExtendedReport => Xr(body),
                _ => new RtcpPacket { PacketType = type, Ssrc = body.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(body) : 0 },
            };
            if (packet is null)
            {
                error = RtcpParseError.CountExceedsPacket;
                return false;
            }

            list.Add(packet);
            offset += length;
        }

        error = RtcpParseError.None;
        return true;
    }

    private static RtcpPacket? Reports(byte type, int count, ReadOnlySpan<byte> body, bool senderInfo)
    {
        var fixedPart = 4 + (senderInfo ? 20 : 0);
        if (body.Length < fixedPart + count * ReportBlockSize)
            return null;
        RtcpSenderInfo? info = null;
        if (senderInfo)
        {
            info = new RtcpSenderInfo(
                BinaryPrimitives.ReadUInt32BigEndian(body[4..]),
                BinaryPrimitives.ReadUInt32BigEndian(body[8..]),
                BinaryPrimitives.ReadUInt32BigEndian(body[12..]),
                BinaryPrimitives.ReadUInt32BigEndian(body[16..]),
                BinaryPrimitives.ReadUInt32BigEndian(body[20..]));
        }

        var blocks = new RtcpReportBlock[count];
        for (var i = 0; i < count; i++)
        {
            var b = body[(fixedPart + i * ReportBlockSize)..];
            // Cumulative lost is a signed 24-bit integer.
            var lost = (b[5] << 16) | (b[6] << 8) | b[7];
            if ((lost & 0x800000) != 0)
                lost |= unchecked((int)0xff000000);
            blocks[i] = new RtcpReportBlock(
                BinaryPrimitives.ReadUInt32BigEndian(b),
                b[4],
                lost,
                BinaryPrimitives.ReadUInt32BigEndian(b[8..]),
                BinaryPrimitives.ReadUInt32BigEndian(b[12..]),
                BinaryPrimitives.ReadUInt32BigEndian(b[16..]),
                BinaryPrimitives.ReadUInt32BigEndian(b[20..]));
        }

        return new RtcpPacket
        {
            PacketType = type,
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(body),
            SenderInfo = info,
            ReportBlocks = blocks,
        };
    }

    private static RtcpPacket? Sdes(int count, ReadOnlySpan<byte> body)
    {
        var items = new List<RtcpSdesItem>(count);
        var offset = 0;
        uint firstSsrc = 0;
        for (var chunk = 0; chunk < count; chunk++)
        {
            if (body.Length - offset < 4)
                return null;
            var ssrc = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            if (chunk == 0)
                firstSsrc = ssrc;
            offset += 4;
            while (true)
            {
                if (offset >= body.Length)
                    return null;
                var itemType = body[offset];
                if (itemType == 0)
                {
                    // End of the item list, then padding to the next 32-bit boundary.
                    offset = (offset + 4) & ~3;
                    break;
                }

                if (body.Length - offset < 2 || body.Length - offset - 2 < body[offset + 1])
                    return null;
                var length = body[offset + 1];
                items.Add(new RtcpSdesItem(ssrc, itemType, Encoding.UTF8.GetString(body.Slice(offset + 2, length))));
                offset += 2 + length;
            }
        }

        return new RtcpPacket { PacketType = (byte)RtcpPacketType.SourceDescription, Ssrc = firstSsrc, SdesItems = items };
    }

    private static RtcpPacket? Bye(int count, ReadOnlySpan<byte> body)
    {
        if (body.Length < count * 4)
            return null;
        var ssrcs = new uint[count];
        for (var i = 0; i < count; i++)
            ssrcs[i] = BinaryPrimitives.ReadUInt32BigEndian(body[(i * 4)..]);
        string? reason = null;
        var rest = body[(count * 4)..];
        if (rest.Length > 0 && rest[0] > 0 && rest.Length - 1 >= rest[0])
            reason = Encoding.UTF8.GetString(rest.Slice(1, rest[0]));
        return new RtcpPacket
        {
            PacketType = (byte)RtcpPacketType.Goodbye,
            Ssrc = count > 0 ? ssrcs[0] : 0,
            ByeSsrcs = ssrcs,
            ByeReason = reason,
        };
    }

    private static RtcpPacket? Xr(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4)
            return null;
        var metrics = new List<RtcpVoipMetrics>(1);
        var offset = 4;
        while (body.Length - offset >= 4)
        {
            var blockType = body[offset];
            var blockLength = (BinaryPrimitives.ReadUInt16BigEndian(body[(offset + 2)..]) + 1) * 4;
            if (blockLength > body.Length - offset)
                return null;
            if (blockType == 7 && blockLength >= 36)
            {
                var b = body.Slice(offset + 4, 32);
                metrics.Add(new RtcpVoipMetrics(
                    BinaryPrimitives.ReadUInt32BigEndian(b), b[4], b[5], b[6], b[7],
                    BinaryPrimitives.ReadUInt16BigEndian(b[8..]), BinaryPrimitives.ReadUInt16BigEndian(b[10..]),
                    BinaryPrimitives.ReadUInt16BigEndian(b[12..]), BinaryPrimitives.ReadUInt16BigEndian(b[14..]),
                    unchecked((sbyte)b[16]), unchecked((sbyte)b[17]), b[18], b[19], b[20], b[21], b[22], b[23], b[24],
                    BinaryPrimitives.ReadUInt16BigEndian(b[26..]), BinaryPrimitives.ReadUInt16BigEndian(b[28..]),
                    BinaryPrimitives.ReadUInt16BigEndian(b[30..])));
            }

            offset += blockLength;
        }

        return new RtcpPacket
        {
            PacketType = (byte)RtcpPacketType.ExtendedReport,
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(body),
            VoipMetrics = metrics,
        };
    }
}
