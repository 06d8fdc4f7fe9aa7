using System.Buffers.Binary;
using Homer.Capture;

namespace Homer.Agent.Capture;

/// <summary>
/// Link layer → IP → UDP/TCP/SCTP on spans. We decode by hand rather than through PacketDotNet's object graph: a frame
/// costs no allocation, fragments can be handed to <see cref="IpReassembler"/> before any transport header is read,
/// and Linux SLL2 is covered.
/// </summary>
public sealed class FrameDecoder
{
    public const byte Udp = 17;
    public const byte Tcp = 6;
    public const byte Sctp = 132;

    public IpReassembler Reassembler { get; } = new();

    public DropReason Decode(int linkType, ReadOnlySpan<byte> frame, long timestampMicros, out L4Packet packet)
    {
        packet = default;
        packet.TimestampMicros = timestampMicros;
        ushort etherType;
        ReadOnlySpan<byte> rest;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (frame.Length < 14) return DropReason.TruncatedLinkHeader;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                rest = frame[14..];
                break;
            case LinkType.LinuxSll:
                if (frame.Length < 16) return DropReason.TruncatedLinkHeader;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                rest = frame[16..];
                break;
            case LinkType.LinuxSll2:
                if (frame.Length < 20) return DropReason.TruncatedLinkHeader;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                rest = frame[20..];
                break;
            case LinkType.Null or LinkType.Loop:
                if (frame.Length < 4) return DropReason.TruncatedLinkHeader;
                // BSD loopback writes the family in host order; accept either order.
                var family = Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(frame), BinaryPrimitives.ReadUInt32BigEndian(frame));
                etherType = family == 2 ? (ushort)0x0800 : family is 24 or 28 or 30 ? (ushort)0x86dd : (ushort)0;
                rest = frame[4..];
                break;
            case LinkType.Raw or LinkType.Ipv4 or LinkType.Ipv6:
                if (frame.Length < 1) return DropReason.TruncatedLinkHeader;
                etherType = (frame[0] >> 4) switch { 4 => 0x0800, 6 => 0x86dd, _ => 0 };
                rest = frame;
                break;
            default:
                return DropReason.UnsupportedLinkType;
        }

        // 802.1Q, 802.1ad (QinQ) and the pre-standard 0x9100 tag: the outer VLAN id is the one reported.
        while (etherType is 0x8100 or 0x88a8 or 0x9100)
        {
            if (rest.Length < 4) return DropReason.TruncatedLinkHeader;
            if (!packet.HasVlan)
            {
                packet.Vlan = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(rest) & 0x0fff);
                packet.HasVlan = true;
            }

            etherType = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
            rest = rest[4..];
        }

        return etherType switch
        {
            0x0800 => DecodeIpv4(rest, ref packet),
            0x86dd => DecodeIpv6(rest, ref packet),
            _ => DropReason.NotIp,
        };
    }

    private DropReason DecodeIpv4(ReadOnlySpan<byte> ip, ref L4Packet packet)
    {
        if (ip.Length < 20) return DropReason.TruncatedIpHeader;
        if (ip[0] >> 4 != 4) return DropReason.BadIpHeader;
        var headerLength = (ip[0] & 0x0f) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        // TSO captures show a total length of 0; trust the frame then.
        if (totalLength == 0) totalLength = ip.Length;
        if (headerLength < 20 || totalLength < headerLength) return DropReason.BadIpHeader;
        if (ip.Length < totalLength) return DropReason.TruncatedIpHeader;
        ip = ip[..totalLength]; // Ethernet pads short frames
        packet.Tos = ip[1];
        packet.Protocol = ip[9];
        packet.Source = ip.Slice(12, 4);
        packet.Destination = ip.Slice(16, 4);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        var moreFragments = (flags & 0x2000) != 0;
        var offset = (flags & 0x1fff) * 8;
        var body = ip[headerLength..];
        if (moreFragments || offset != 0)
        {
            if (Reassembled(Reassembler.Add(packet.Source, packet.Destination, BinaryPrimitives.ReadUInt16BigEndian(ip[4..]),
                    packet.Protocol, offset, moreFragments, body, packet.TimestampMicros, out var whole)) is { } notYet)
                return notYet;
            body = whole;
        }

        return DecodeTransport(body, ref packet);
    }

    private DropReason DecodeIpv6(ReadOnlySpan<byte> ip, ref L4Packet packet)
    {
        if (ip.Length < 40) return DropReason.TruncatedIpHeader;
        if (ip[0] >> 4 != 6) return DropReason.BadIpHeader;
        packet.IsIpv6 = true;
        packet.Tos = (byte)((BinaryPrimitives.ReadUInt16BigEndian(ip) >> 4) & 0xff);
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        // Jumbograms (length 0) do not occur on capture paths that carry SIP; trust the frame then.
        if (payloadLength == 0) payloadLength = ip.Length - 40;
        if (ip.Length < 40 + payloadLength) return DropReason.TruncatedIpHeader;
        packet.Source = ip.Slice(8, 16);
        packet.Destination = ip.Slice(24, 16);
        var next = ip[6];
        var body = ip.Slice(40, payloadLength);
        var fragmentOffset = -1;
        var moreFragments = false;
        uint id = 0;
        while (true)
        {
            if (next is 0 or 43 or 60) // hop-by-hop, routing, destination options
            {
                if (body.Length < 8) return DropReason.TruncatedIpHeader;
                var length = (body[1] + 1) * 8;
                if (body.Length < length) return DropReason.TruncatedIpHeader;
                next = body[0];
                body = body[length..];
                continue;
            }

            if (next == 44)
            {
                if (body.Length < 8) return DropReason.TruncatedIpHeader;
                var offsetField = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
                fragmentOffset = (offsetField >> 3) * 8;
                moreFragments = (offsetField & 1) != 0;
                id = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                next = body[0];
                body = body[8..];
                continue;
            }

            break;
        }

        packet.Protocol = next;
        if (fragmentOffset >= 0 && (fragmentOffset != 0 || moreFragments))
        {
            if (Reassembled(Reassembler.Add(packet.Source, packet.Destination, id, next, fragmentOffset, moreFragments, body,
                    packet.TimestampMicros, out var whole)) is { } notYet)
                return notYet;
            body = whole;
        }

        return DecodeTransport(body, ref packet);
    }

    /// <summary>Null when the datagram is whole, else why this frame gave no packet yet.</summary>
    private static DropReason? Reassembled(FragmentResult result) => result switch
    {
        FragmentResult.Complete => null,
        FragmentResult.Pending => DropReason.FragmentPending,
        _ => DropReason.FragmentError,
    };

    private static DropReason DecodeTransport(ReadOnlySpan<byte> body, ref L4Packet packet)
    {
        switch (packet.Protocol)
        {
            case Udp:
            {
                if (body.Length < 8) return DropReason.TruncatedTransportHeader;
                packet.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(body);
                packet.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
                int length = BinaryPrimitives.ReadUInt16BigEndian(body[4..]);
                // Checksum-offloaded and reassembled captures may disagree with the UDP length; keep what we have.
                packet.Payload = length >= 8 && length <= body.Length ? body[8..length] : body[8..];
                return DropReason.None;
            }
            case Tcp:
            {
                if (body.Length < 20) return DropReason.TruncatedTransportHeader;
                packet.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(body);
                packet.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
                packet.TcpSequence = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                var dataOffset = (body[12] >> 4) * 4;
                packet.TcpFlags = body[13];
                if (dataOffset < 20 || dataOffset > body.Length) return DropReason.TruncatedTransportHeader;
                packet.Payload = body[dataOffset..];
                return DropReason.None;
            }
            case Sctp:
            {
                // The common header; the chunks after it are read by SctpReassembler (a packet may carry several messages).
                if (body.Length < SctpReassembler.CommonHeaderLength) return DropReason.TruncatedTransportHeader;
                packet.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(body);
                packet.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
                packet.Payload = body[SctpReassembler.CommonHeaderLength..];
                return DropReason.None;
            }
            default:
                return DropReason.NotUdpOrTcp;
        }
    }
}
