using System.Buffers.Binary;
using Homer.Capture;

namespace Homer.Agent.Capture;

/// <summary>
/// Link layer → IP → UDP/TCP/SCTP on spans. We decode by hand rather than through PacketDotNet's object graph: a frame
/// costs no allocation, fragments can be handed to <see cref="IpReassembler"/> before any transport header is read,
/// and Linux SLL2 is covered. The link layer and IP headers are <see cref="IpFrame"/>'s, shared with the PCAP import.
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
        var error = IpFrame.TryRead(linkType, frame, out var ip);
        packet.Vlan = ip.Vlan;
        packet.HasVlan = ip.HasVlan;
        if (error != FrameError.None)
            return error switch
            {
                FrameError.UnsupportedLinkType => DropReason.UnsupportedLinkType,
                FrameError.TruncatedLinkHeader => DropReason.TruncatedLinkHeader,
                FrameError.NotIp => DropReason.NotIp,
                FrameError.BadIpHeader => DropReason.BadIpHeader,
                _ => DropReason.TruncatedIpHeader,
            };
        // A datagram the capture cut short is dropped here rather than sent on in part (the PCAP import keeps what it has).
        if (ip.Cut) return DropReason.TruncatedIpHeader;
        packet.IsIpv6 = ip.IsIpv6;
        packet.Tos = ip.Tos;
        packet.Protocol = ip.Protocol;
        packet.Source = ip.Source(frame);
        packet.Destination = ip.Destination(frame);
        var body = frame[ip.BodyOffset..ip.BodyEnd];
        if (ip.IsFragment)
        {
            if (Reassembled(Reassembler.Add(packet.Source, packet.Destination, ip.FragmentId, ip.Protocol, ip.FragmentOffset,
                    ip.MoreFragments, body, timestampMicros, out var whole)) is { } notYet)
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
