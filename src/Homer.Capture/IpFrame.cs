using System.Buffers.Binary;

namespace Homer.Capture;

/// <summary>pcap LINKTYPE_* values we decode (tcpdump.org/linktypes.html).</summary>
public static class LinkType
{
    public const int Null = 0;
    public const int Ethernet = 1;
    /// <summary>DLT_RAW as some BSDs write it in a file's header (12, or 14 on OpenBSD) instead of LINKTYPE_RAW.</summary>
    public const int DltRaw = 12;
    public const int DltRawOpenBsd = 14;
    public const int Raw = 101;
    public const int Loop = 108;
    public const int LinuxSll = 113;
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;
    public const int LinuxSll2 = 276;
}

/// <summary>What kept a frame from giving an IP datagram.</summary>
public enum FrameError : byte
{
    None,
    UnsupportedLinkType,
    TruncatedLinkHeader,
    NotIp,
    TruncatedIpHeader,
    BadIpHeader,
}

/// <summary>
/// The IP datagram of one frame, as offsets into the frame (so the agent slices its span and the PCAP import its
/// memory alike, and nothing is allocated): the link layer's VLAN, the IP header's fields, where the transport header
/// and data are, and the fragment this datagram is, if any.
/// </summary>
public struct IpFrame
{
    public bool IsIpv6;
    public byte Protocol;
    public byte Tos;
    /// <summary>The outer 802.1Q / 802.1ad id when the frame had a tag.</summary>
    public ushort Vlan;
    public bool HasVlan;
    /// <summary>Where the IP header starts in the frame.</summary>
    public int IpOffset;
    /// <summary>The transport header and data: frame[BodyOffset..BodyEnd] (Ethernet padding left out).</summary>
    public int BodyOffset;
    public int BodyEnd;
    /// <summary>
    /// The frame holds less than the IP header says (a capture's snap length cut it): the body ends with the frame.
    /// Whether such a datagram is worth anything is the caller's call.
    /// </summary>
    public bool Cut;
    public bool IsFragment;
    public uint FragmentId;
    public int FragmentOffset;
    public bool MoreFragments;

    public readonly ReadOnlySpan<byte> Source(ReadOnlySpan<byte> frame) => frame.Slice(IpOffset + (IsIpv6 ? 8 : 12), IsIpv6 ? 16 : 4);

    public readonly ReadOnlySpan<byte> Destination(ReadOnlySpan<byte> frame) => frame.Slice(IpOffset + (IsIpv6 ? 24 : 16), IsIpv6 ? 16 : 4);

    /// <summary>
    /// Takes a frame apart down to its IP datagram: Ethernet, Linux cooked captures (SLL, SLL2), BSD loopback and raw IP,
    /// then any 802.1Q / 802.1ad / 0x9100 tags; IPv4, or IPv6 with its hop-by-hop, routing, destination options and
    /// fragment headers walked. Never throws, never reads outside the frame.
    /// </summary>
    public static FrameError TryRead(int linkType, ReadOnlySpan<byte> frame, out IpFrame ip)
    {
        ip = default;
        ushort etherType;
        int offset;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (frame.Length < 14) return FrameError.TruncatedLinkHeader;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                offset = 14;
                break;
            case LinkType.LinuxSll: // protocol at 14, header 16
                if (frame.Length < 16) return FrameError.TruncatedLinkHeader;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                offset = 16;
                break;
            case LinkType.LinuxSll2: // protocol first, header 20
                if (frame.Length < 20) return FrameError.TruncatedLinkHeader;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                offset = 20;
                break;
            case LinkType.Null or LinkType.Loop:
                if (frame.Length < 4) return FrameError.TruncatedLinkHeader;
                // BSD loopback writes the address family in the capturing host's byte order; accept either order.
                var family = Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(frame), BinaryPrimitives.ReadUInt32BigEndian(frame));
                etherType = family == 2 ? (ushort)0x0800 : family is 24 or 28 or 30 ? (ushort)0x86dd : (ushort)0;
                offset = 4;
                break;
            case LinkType.Raw or LinkType.DltRaw or LinkType.DltRawOpenBsd or LinkType.Ipv4 or LinkType.Ipv6:
                if (frame.Length < 1) return FrameError.TruncatedLinkHeader;
                etherType = (frame[0] >> 4) switch { 4 => 0x0800, 6 => 0x86dd, _ => 0 };
                offset = 0;
                break;
            default:
                return FrameError.UnsupportedLinkType;
        }

        // 802.1Q, 802.1ad (QinQ) and the pre-standard 0x9100 tag: the outer VLAN id is the one reported.
        while (etherType is 0x8100 or 0x88a8 or 0x9100)
        {
            if (frame.Length < offset + 4) return FrameError.TruncatedLinkHeader;
            if (!ip.HasVlan)
            {
                ip.Vlan = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]) & 0x0fff);
                ip.HasVlan = true;
            }

            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
            offset += 4;
        }

        ip.IpOffset = offset;
        return etherType switch
        {
            0x0800 => ReadIpv4(frame[offset..], ref ip),
            0x86dd => ReadIpv6(frame[offset..], ref ip),
            _ => FrameError.NotIp,
        };
    }

    private static FrameError ReadIpv4(ReadOnlySpan<byte> s, ref IpFrame ip)
    {
        if (s.Length < 20) return FrameError.TruncatedIpHeader;
        if (s[0] >> 4 != 4) return FrameError.BadIpHeader;
        var headerLength = (s[0] & 0x0f) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(s[2..]);
        // A total length of 0 is TCP segmentation offload on the capturing host: take what was captured.
        if (total == 0) total = s.Length;
        if (headerLength < 20 || total < headerLength) return FrameError.BadIpHeader;
        ip.Cut = total > s.Length;
        var end = Math.Min(total, s.Length);
        if (end < headerLength) return FrameError.TruncatedIpHeader;
        ip.Tos = s[1];
        ip.Protocol = s[9];
        ip.BodyOffset = ip.IpOffset + headerLength;
        ip.BodyEnd = ip.IpOffset + end;
        var flags = BinaryPrimitives.ReadUInt16BigEndian(s[6..]);
        ip.MoreFragments = (flags & 0x2000) != 0;
        ip.FragmentOffset = (flags & 0x1fff) * 8;
        ip.IsFragment = ip.MoreFragments || ip.FragmentOffset != 0;
        ip.FragmentId = BinaryPrimitives.ReadUInt16BigEndian(s[4..]);
        return FrameError.None;
    }

    private static FrameError ReadIpv6(ReadOnlySpan<byte> s, ref IpFrame ip)
    {
        if (s.Length < 40) return FrameError.TruncatedIpHeader;
        if (s[0] >> 4 != 6) return FrameError.BadIpHeader;
        ip.IsIpv6 = true;
        ip.Tos = (byte)((BinaryPrimitives.ReadUInt16BigEndian(s) >> 4) & 0xff);
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(s[4..]);
        // Jumbograms (length 0) do not occur on capture paths that carry SIP; trust the frame then.
        if (payloadLength == 0) payloadLength = s.Length - 40;
        ip.Cut = 40 + payloadLength > s.Length;
        var body = s[40..Math.Min(40 + payloadLength, s.Length)];
        var next = s[6];
        var fragmentHeader = false;
        while (true)
        {
            if (next is 0 or 43 or 60) // hop-by-hop, routing, destination options
            {
                if (body.Length < 8) return FrameError.TruncatedIpHeader;
                var length = (body[1] + 1) * 8;
                if (body.Length < length) return FrameError.TruncatedIpHeader;
                next = body[0];
                body = body[length..];
                continue;
            }

            if (next == 44)
            {
                if (body.Length < 8) return FrameError.TruncatedIpHeader;
                var offsetField = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
                fragmentHeader = true;
                ip.FragmentOffset = (offsetField >> 3) * 8;
                ip.MoreFragments = (offsetField & 1) != 0;
                ip.FragmentId = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                next = body[0];
                body = body[8..];
                continue;
            }

            break;
        }

        ip.Protocol = next;
        ip.IsFragment = fragmentHeader && (ip.FragmentOffset != 0 || ip.MoreFragments);
        ip.BodyEnd = ip.IpOffset + Math.Min(40 + payloadLength, s.Length);
        ip.BodyOffset = ip.BodyEnd - body.Length;
        return FrameError.None;
    }
}
