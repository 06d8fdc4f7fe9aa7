using System.Buffers.Binary;
using System.Net;
using Homer.Capture;

namespace Homer.Api.Import;

/// <summary>Why a frame gave no UDP or TCP payload.</summary>
public enum FrameSkip
{
    None, LinkType, NotIp, NotUdpOrTcp, Truncated, Empty,
    /// <summary>A fragment kept until the rest of its datagram arrives: not a skip unless it never completes.</summary>
    FragmentPending,
    /// <summary>A fragment that cannot be part of a datagram (beyond 64 KiB, a bad length, too many pending).</summary>
    BadFragment,
}

/// <summary>The transport payload of one frame and its addresses.</summary>
public readonly record struct TransportSegment(
    byte IpProtocol, IPAddress Source, int SourcePort, IPAddress Destination, int DestinationPort,
    uint Sequence, bool Syn, bool Fin, ReadOnlyMemory<byte> Payload);

/// <summary>
/// Takes a captured frame apart down to its UDP or TCP payload: Ethernet (with 802.1Q / QinQ tags), Linux cooked
/// captures (SLL, SLL2), BSD loopback, raw IP; IPv4 and IPv6 (extension headers skipped); fragments reassembled
/// (a SIP message over UDP with a large SDP often needs them) by the agent's reassembler, so the segment of the last
/// fragment carries the whole datagram. One per capture: it holds the datagrams in progress. Never throws.
/// </summary>
public sealed class FrameDissector
{
    public IpReassembler Reassembler { get; } = new();

    /// <param name="timestampMicros">The frame's capture time: fragments older than the reassembler's timeout expire.</param>
    public FrameSkip TryDissect(int linkType, ReadOnlyMemory<byte> frame, long timestampMicros, out TransportSegment segment)
    {
        segment = default;
        var span = frame.Span;
        int offset;
        ushort etherType;
        switch (linkType)
        {
            case 1: // Ethernet
                if (span.Length < 14) return FrameSkip.Truncated;
                offset = 12;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(span[offset..]);
                offset += 2;
                while (etherType is 0x8100 or 0x88a8 or 0x9100)
                {
                    if (span.Length < offset + 4) return FrameSkip.Truncated;
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(span[(offset + 2)..]);
                    offset += 4;
                }
                break;
            case 113: // Linux cooked capture v1: protocol at 14, header 16
                if (span.Length < 16) return FrameSkip.Truncated;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(span[14..]);
                offset = 16;
                break;
            case 276: // Linux cooked capture v2: protocol first, header 20
                if (span.Length < 20) return FrameSkip.Truncated;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(span);
                offset = 20;
                break;
            case 0: // BSD loopback: a 4-byte address family in the capturing host's byte order
                if (span.Length < 4) return FrameSkip.Truncated;
                var family = BinaryPrimitives.ReadUInt32LittleEndian(span);
                if (family > 0xffff) family = BinaryPrimitives.ReadUInt32BigEndian(span);
                etherType = family == 2 ? (ushort)0x0800 : family is 24 or 28 or 30 ? (ushort)0x86dd : (ushort)0;
                offset = 4;
                break;
            case 101 or 12 or 14 or 228 or 229: // raw IP: the version nibble says which
                if (span.Length < 1) return FrameSkip.Truncated;
                etherType = (span[0] >> 4) switch { 4 => 0x0800, 6 => 0x86dd, _ => 0 };
                offset = 0;
                break;
            default:
                return FrameSkip.LinkType;
        }
        return etherType switch
        {
            0x0800 => IPv4(frame[offset..], timestampMicros, out segment),
            0x86dd => IPv6(frame[offset..], timestampMicros, out segment),
            _ => FrameSkip.NotIp,
        };
    }

    private FrameSkip IPv4(ReadOnlyMemory<byte> packet, long timestampMicros, out TransportSegment segment)
    {
        segment = default;
        var s = packet.Span;
        if (s.Length < 20 || s[0] >> 4 != 4) return FrameSkip.Truncated;
        var headerLength = (s[0] & 0x0f) * 4;
        var total = BinaryPrimitives.ReadUInt16BigEndian(s[2..]);
        var flagsOffset = BinaryPrimitives.ReadUInt16BigEndian(s[6..]);
        // A total length of 0 is TCP segmentation offload on the capturing host: take what was captured.
        var end = total == 0 ? s.Length : Math.Min(total, s.Length);
        if (headerLength < 20 || end < headerLength) return FrameSkip.Truncated;
        var moreFragments = (flagsOffset & 0x2000) != 0;
        var fragmentOffset = (flagsOffset & 0x1fff) * 8;
        if (!moreFragments && fragmentOffset == 0)
            return Transport(s[9], new IPAddress(s.Slice(12, 4)), new IPAddress(s.Slice(16, 4)), packet[headerLength..end], out segment);
        return Reassembler.Add(s.Slice(12, 4), s.Slice(16, 4), BinaryPrimitives.ReadUInt16BigEndian(s[4..]), s[9], fragmentOffset,
                moreFragments, s[headerLength..end], timestampMicros, out var whole) switch
        {
            FragmentResult.Complete => Transport(s[9], new IPAddress(s.Slice(12, 4)), new IPAddress(s.Slice(16, 4)), whole, out segment),
            FragmentResult.Pending => FrameSkip.FragmentPending,
            _ => FrameSkip.BadFragment,
        };
    }

    private FrameSkip IPv6(ReadOnlyMemory<byte> packet, long timestampMicros, out TransportSegment segment)
    {
        segment = default;
        var s = packet.Span;
        if (s.Length < 40 || s[0] >> 4 != 6) return FrameSkip.Truncated;
        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(s[4..]);
        var next = s[6];
        var end = payloadLength == 0 ? s.Length : Math.Min(40 + payloadLength, s.Length);
        var offset = 40;
        (int Offset, bool More, uint Id)? fragment = null;
        // Hop-by-hop, routing and destination options are skipped; a fragment header says where this part goes.
        while (next is 0 or 43 or 60 or 44)
        {
            if (end < offset + 8) return FrameSkip.Truncated;
            if (next == 44)
            {
                var offsetField = BinaryPrimitives.ReadUInt16BigEndian(s[(offset + 2)..]);
                fragment = ((offsetField >> 3) * 8, (offsetField & 1) != 0, BinaryPrimitives.ReadUInt32BigEndian(s[(offset + 4)..]));
                next = s[offset];
                offset += 8;
                continue;
            }
            next = s[offset];
            offset += (s[offset + 1] + 1) * 8;
        }
        if (end < offset) return FrameSkip.Truncated;
        if (fragment is not { } f || (f.Offset == 0 && !f.More))
            return Transport(next, new IPAddress(s.Slice(8, 16)), new IPAddress(s.Slice(24, 16)), packet[offset..end], out segment);
        return Reassembler.Add(s.Slice(8, 16), s.Slice(24, 16), f.Id, next, f.Offset, f.More, s[offset..end], timestampMicros, out var whole) switch
        {
            FragmentResult.Complete => Transport(next, new IPAddress(s.Slice(8, 16)), new IPAddress(s.Slice(24, 16)), whole, out segment),
            FragmentResult.Pending => FrameSkip.FragmentPending,
            _ => FrameSkip.BadFragment,
        };
    }

    private static FrameSkip Transport(byte protocol, IPAddress source, IPAddress destination, ReadOnlyMemory<byte> data, out TransportSegment segment)
    {
        segment = default;
        var s = data.Span;
        switch (protocol)
        {
            case 17:
                if (s.Length < 8) return FrameSkip.Truncated;
                segment = new TransportSegment(17, source, BinaryPrimitives.ReadUInt16BigEndian(s), destination,
                    BinaryPrimitives.ReadUInt16BigEndian(s[2..]), 0, false, false, data[8..]);
                return segment.Payload.IsEmpty ? FrameSkip.Empty : FrameSkip.None;
            case 6:
                if (s.Length < 20) return FrameSkip.Truncated;
                var headerLength = (s[12] >> 4) * 4;
                if (headerLength < 20 || s.Length < headerLength) return FrameSkip.Truncated;
                var flags = s[13];
                segment = new TransportSegment(6, source, BinaryPrimitives.ReadUInt16BigEndian(s), destination,
                    BinaryPrimitives.ReadUInt16BigEndian(s[2..]), BinaryPrimitives.ReadUInt32BigEndian(s[4..]),
                    (flags & 0x02) != 0, (flags & 0x01) != 0, data[headerLength..]);
                return FrameSkip.None;
            default:
                return FrameSkip.NotUdpOrTcp;
        }
    }
}
