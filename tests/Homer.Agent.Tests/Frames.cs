using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Homer.Agent.Tests;

/// <summary>Frames built with PacketDotNet (and by hand where it has no builder: SLL2, QinQ), written with SharpPcap.</summary>
public static class Frames
{
    public static readonly PhysicalAddress MacA = PhysicalAddress.Parse("02-00-00-00-00-01");
    public static readonly PhysicalAddress MacB = PhysicalAddress.Parse("02-00-00-00-00-02");

    public sealed record Frame(long Micros, byte[] Bytes, int LinkType = 1);

    public static string Sip(string method, string callId, int cseq, string body = "")
    {
        var sb = new StringBuilder();
        sb.Append($"{method} sip:bob@example.com SIP/2.0\r\n");
        sb.Append($"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-{callId}-{cseq}\r\n");
        sb.Append("From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n");
        sb.Append($"Call-ID: {callId}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n");
        sb.Append($"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        return sb.ToString();
    }

    public static IPv4Packet Ipv4Udp(string src, ushort sport, string dst, ushort dport, byte[] payload)
    {
        var udp = new UdpPacket(sport, dport) { PayloadData = payload };
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = udp };
        udp.UpdateCalculatedValues();
        ip.UpdateCalculatedValues();
        udp.UpdateUdpChecksum();
        ip.UpdateIPChecksum();
        return ip;
    }

    public static IPv6Packet Ipv6Udp(string src, ushort sport, string dst, ushort dport, byte[] payload)
    {
        var udp = new UdpPacket(sport, dport) { PayloadData = payload };
        var ip = new IPv6Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = udp };
        udp.UpdateCalculatedValues();
        ip.UpdateCalculatedValues();
        udp.UpdateUdpChecksum();
        return ip;
    }

    public static IPv4Packet Ipv4Tcp(string src, ushort sport, string dst, ushort dport, uint seq, byte[] payload,
        bool syn = false, bool fin = false)
    {
        var tcp = new TcpPacket(sport, dport)
        {
            SequenceNumber = seq,
            Acknowledgment = true,
            Push = payload.Length > 0,
            Synchronize = syn,
            Finished = fin,
            WindowSize = 65_535,
            PayloadData = payload,
        };
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = tcp };
        tcp.UpdateCalculatedValues();
        ip.UpdateCalculatedValues();
        tcp.UpdateTcpChecksum();
        ip.UpdateIPChecksum();
        return ip;
    }

    public static byte[] Ethernet(Packet ip) =>
        new EthernetPacket(MacA, MacB, ip is IPv6Packet ? EthernetType.IPv6 : EthernetType.IPv4) { PayloadPacket = ip }.Bytes;

    /// <summary>One 802.1Q tag; PacketDotNet's Ieee8021QPacket cannot be built from scratch, so the tag is written by hand.</summary>
    public static byte[] Vlan(Packet ip, ushort vlan)
    {
        var ipBytes = ip.Bytes;
        var frame = new byte[14 + 4 + ipBytes.Length];
        MacB.GetAddressBytes().CopyTo(frame, 0);
        MacA.GetAddressBytes().CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), (ushort)(0x2000 | vlan)); // priority 1
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), ip is IPv6Packet ? (ushort)0x86dd : (ushort)0x0800);
        ipBytes.CopyTo(frame, 18);
        return frame;
    }

    /// <summary>802.1ad outer tag (0x88a8) around an 802.1Q inner tag.</summary>
    public static byte[] QinQ(Packet ip, ushort outer, ushort inner)
    {
        var ipBytes = ip.Bytes;
        var frame = new byte[14 + 8 + ipBytes.Length];
        MacB.GetAddressBytes().CopyTo(frame, 0);
        MacA.GetAddressBytes().CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x88a8);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), outer);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(18), inner);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(20), ip is IPv6Packet ? (ushort)0x86dd : (ushort)0x0800);
        ipBytes.CopyTo(frame, 22);
        return frame;
    }

    public static byte[] Sll(Packet ip)
    {
        var ipBytes = ip.Bytes;
        var frame = new byte[16 + ipBytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(0), 0); // to us
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), 1); // ARPHRD_ETHER
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), 6);
        MacA.GetAddressBytes().CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), ip is IPv6Packet ? (ushort)0x86dd : (ushort)0x0800);
        ipBytes.CopyTo(frame, 16);
        return frame;
    }

    public static byte[] Sll2(Packet ip)
    {
        var ipBytes = ip.Bytes;
        var frame = new byte[20 + ipBytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(0), ip is IPv6Packet ? (ushort)0x86dd : (ushort)0x0800);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), 2); // ifindex
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(8), 1);
        frame[11] = 6;
        MacA.GetAddressBytes().CopyTo(frame, 12);
        ipBytes.CopyTo(frame, 20);
        return frame;
    }

    /// <summary>Splits an IPv4 datagram into fragments carrying at most <paramref name="size"/> bytes (a multiple of 8).</summary>
    public static List<byte[]> Fragment(IPv4Packet whole, int size, ushort id)
    {
        var transport = whole.PayloadPacket.Bytes;
        var result = new List<byte[]>();
        for (var offset = 0; offset < transport.Length; offset += size)
        {
            var part = transport.AsSpan(offset, Math.Min(size, transport.Length - offset)).ToArray();
            var ip = new IPv4Packet(whole.SourceAddress, whole.DestinationAddress)
            {
                Protocol = whole.Protocol,
                Id = id,
                FragmentOffset = offset / 8,
                FragmentFlags = (byte)(offset + size < transport.Length ? 0x1 : 0x0),
                PayloadData = part,
            };
            ip.UpdateCalculatedValues();
            ip.UpdateIPChecksum();
            result.Add(ip.Bytes);
        }

        return result;
    }

    public static byte[] EthernetRaw(byte[] ipBytes, ushort etherType = 0x0800)
    {
        var frame = new byte[14 + ipBytes.Length];
        MacB.GetAddressBytes().CopyTo(frame, 0);
        MacA.GetAddressBytes().CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
        ipBytes.CopyTo(frame, 14);
        return frame;
    }

    public static string WritePcap(string path, IEnumerable<Frame> frames, int linkType = 1)
    {
        using var writer = new CaptureFileWriterDevice(path);
        writer.Open(new DeviceConfiguration { LinkLayerType = (LinkLayers)linkType });
        foreach (var f in frames)
            writer.Write(new RawCapture((LinkLayers)linkType, new PosixTimeval((ulong)(f.Micros / 1_000_000), (ulong)(f.Micros % 1_000_000)), f.Bytes));
        return path;
    }
}
