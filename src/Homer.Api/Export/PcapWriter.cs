using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using Homer.Storage;
using PacketDotNet;

namespace Homer.Api.Export;

/// <summary>
/// A classic pcap (microsecond timestamps, Ethernet link type) whose frames rebuild Ethernet, IPv4 or IPv6, and UDP
/// or TCP headers around each stored payload, stamped with the capture time, so Wireshark dissects them as if
/// captured on the wire. TCP segments get per-flow sequence numbers so the streams read as continuous.
/// </summary>
public sealed class PcapWriter(Stream output)
{
    private const uint MagicMicroseconds = 0xa1b2c3d4;
    private const int SnapLength = 262_144;
    private const uint LinkTypeEthernet = 1;
    private const byte IpProtocolTcp = 6;

    private readonly Dictionary<(IPAddress, int, IPAddress, int), uint> _tcpSequence = [];

    public async Task WriteHeaderAsync(CancellationToken ct)
    {
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), LinkTypeEthernet);
        await output.WriteAsync(header, ct);
    }

    public async Task WriteAsync(ExportedMessage message, CancellationToken ct)
    {
        var frame = Frame(message);
        var record = new byte[16];
        var micros = (message.Timestamp - DateTimeOffset.UnixEpoch).Ticks / 10;
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(micros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), (uint)(micros % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), (uint)frame.Length);
        await output.WriteAsync(record, ct);
        await output.WriteAsync(frame, ct);
    }

    private byte[] Frame(ExportedMessage m)
    {
        var (source, destination) = SameFamily(m.SourceIp, m.DestinationIp);
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        var ethernet = new EthernetPacket(MacOf(source), MacOf(destination), v6 ? EthernetType.IPv6 : EthernetType.IPv4);
        IPPacket ip = v6 ? new IPv6Packet(source, destination) : new IPv4Packet(source, destination);
        ip.TimeToLive = 64;

        TransportPacket transport;
        if (m.IpProtocol == IpProtocolTcp)
        {
            var flow = (source, m.SourcePort, destination, m.DestinationPort);
            var sequence = _tcpSequence.GetValueOrDefault(flow, 1u);
            _tcpSequence[flow] = sequence + (uint)m.Payload.Length;
            var reverse = (destination, m.DestinationPort, source, m.SourcePort);
            transport = new TcpPacket((ushort)m.SourcePort, (ushort)m.DestinationPort)
            {
                SequenceNumber = sequence,
                AcknowledgmentNumber = _tcpSequence.GetValueOrDefault(reverse, 1u),
                Acknowledgment = true,
                Push = true,
                WindowSize = 65_535,
                DataOffset = 5,
                PayloadData = m.Payload,
            };
        }
        else
        {
            transport = new UdpPacket((ushort)m.SourcePort, (ushort)m.DestinationPort) { PayloadData = m.Payload };
        }

        ip.PayloadPacket = transport;
        ethernet.PayloadPacket = ip;
        ip.UpdateCalculatedValues();
        transport.UpdateCalculatedValues();
        if (transport is UdpPacket udp)
            udp.UpdateUdpChecksum();
        else if (transport is TcpPacket tcp)
            tcp.UpdateTcpChecksum();
        if (ip is IPv4Packet v4)
            v4.UpdateIPChecksum();
        return ethernet.Bytes;
    }

    /// <summary>A stored pair of mixed families (a dual-stack agent's quirk) is written as IPv6, the IPv4 side mapped.</summary>
    private static (IPAddress, IPAddress) SameFamily(IPAddress source, IPAddress destination) =>
        source.AddressFamily == destination.AddressFamily ? (source, destination) : (source.MapToIPv6(), destination.MapToIPv6());

    /// <summary>A stable, locally administered MAC per address, so each host keeps one MAC across the file.</summary>
    private static PhysicalAddress MacOf(IPAddress address)
    {
        var hash = SHA256.HashData(address.GetAddressBytes());
        hash[0] = (byte)((hash[0] & 0xfc) | 0x02);
        return new PhysicalAddress(hash[..6]);
    }
}
