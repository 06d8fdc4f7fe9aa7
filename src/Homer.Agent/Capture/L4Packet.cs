namespace Homer.Agent.Capture;

/// <summary>
/// One transport-layer payload with its addressing, as found in a frame (or a reassembled IP datagram).
/// Addresses are 16-byte buffers (IPv4 in the first 4 bytes) so a packet costs no allocation until it is sent.
/// </summary>
public ref struct L4Packet
{
    public bool IsIpv6;
    public byte Protocol;
    public ReadOnlySpan<byte> Source;
    public ReadOnlySpan<byte> Destination;
    public ushort SourcePort;
    public ushort DestinationPort;
    public uint TcpSequence;
    public byte TcpFlags;
    public ushort Vlan;
    public bool HasVlan;
    public byte Tos;
    public ReadOnlySpan<byte> Payload;
    public long TimestampMicros;
}
