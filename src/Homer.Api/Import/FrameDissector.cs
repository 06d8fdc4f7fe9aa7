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
/// Takes a captured frame apart down to its UDP or TCP payload: the link layer and IP headers as the agent reads them
/// (<see cref="IpFrame"/>: Ethernet with 802.1Q / QinQ tags, Linux cooked captures, BSD loopback, raw IP; IPv4 and IPv6
/// with extension headers skipped); fragments reassembled
/// (a SIP message over UDP with a large SDP often needs them) by the agent's reassembler, so the segment of the last
/// fragment carries the whole datagram. One per capture: it holds the datagrams in progress. Never throws.
/// </summary>
public sealed class FrameDissector
{
    /// <summary>
    /// 512 datagrams in progress at most (about 32 MiB even if each were 64 KiB), the bound the import's TCP flows have
    /// together: a hostile capture of unfinished fragments cannot make one import hold more.
    /// </summary>
    public IpReassembler Reassembler { get; } = new() { MaxPending = 512 };

    /// <param name="timestampMicros">The frame's capture time: fragments older than the reassembler's timeout expire.</param>
    public FrameSkip TryDissect(int linkType, ReadOnlyMemory<byte> frame, long timestampMicros, out TransportSegment segment)
    {
        segment = default;
        var span = frame.Span;
        // A datagram the capture's snap length cut (IpFrame.Cut) is kept: what was captured of it may still be SIP.
        switch (IpFrame.TryRead(linkType, span, out var ip))
        {
            case FrameError.None: break;
            case FrameError.UnsupportedLinkType: return FrameSkip.LinkType;
            case FrameError.NotIp: return FrameSkip.NotIp;
            default: return FrameSkip.Truncated;
        }
        var body = frame[ip.BodyOffset..ip.BodyEnd];
        if (!ip.IsFragment)
            return Transport(ip.Protocol, new IPAddress(ip.Source(span)), new IPAddress(ip.Destination(span)), body, out segment);
        return Reassembler.Add(ip.Source(span), ip.Destination(span), ip.FragmentId, ip.Protocol, ip.FragmentOffset, ip.MoreFragments,
                body.Span, timestampMicros, out var whole) switch
        {
            FragmentResult.Complete => Transport(ip.Protocol, new IPAddress(ip.Source(span)), new IPAddress(ip.Destination(span)), whole, out segment),
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
