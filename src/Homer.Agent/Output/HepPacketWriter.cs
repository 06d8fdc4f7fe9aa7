using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using Homer.Agent.Capture;
using Homer.Hep;

namespace Homer.Agent.Output;

/// <summary>
/// Turns captured messages into HEP bytes; one instance per capture thread. Plain HEP3 (the common case) is written
/// straight from the captured frame into a reused buffer, chunk for chunk what <see cref="HepEncoder"/> writes, with no
/// <see cref="HepMessage"/>, <see cref="IPAddress"/> or payload copy in between; HEPv2 and compressed payloads go
/// through <see cref="HepEncoder"/>.
/// </summary>
public sealed class HepPacketWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(2048);
    private byte[] _payload = new byte[2048];
    private readonly AddressCache _addresses = new();
    private byte[] _direct = new byte[4096];
    private readonly byte[]? _authKey;
    private readonly byte[]? _nodeName;
    private readonly bool _fast;

    public HepPacketWriter(HepSettings settings)
    {
        Settings = settings;
        _fast = settings.Version == HepVersion.V3 && !settings.Compress;
        _authKey = settings.AuthKey is null ? null : Encoding.UTF8.GetBytes(settings.AuthKey);
        _nodeName = settings.NodeName is null ? null : Encoding.UTF8.GetBytes(settings.NodeName);
        if (_authKey?.Length > ushort.MaxValue - 6 || _nodeName?.Length > ushort.MaxValue - 6)
            throw new ArgumentException("The auth key or node name does not fit a HEP3 chunk.");
    }

    public HepSettings Settings { get; }

    /// <summary>Encodes one packet; the result is valid until the next call.</summary>
    public ReadOnlySpan<byte> Write(scoped ref L4Packet packet, byte protocolType = HepProtocolType.Sip, string? correlationId = null,
        string? tags = null)
    {
        if (_fast) return WriteHep3(ref packet, protocolType, correlationId, tags);
        if (_payload.Length < packet.Payload.Length)
            _payload = new byte[Math.Max(packet.Payload.Length, _payload.Length * 2)];
        packet.Payload.CopyTo(_payload);
        var message = new HepMessage
        {
            Version = Settings.Version,
            IpFamily = packet.IsIpv6 ? HepAddress.FamilyIPv6 : HepAddress.FamilyIPv4,
            IpProtocol = packet.Protocol,
            SourceAddress = _addresses.Get(packet.Source),
            DestinationAddress = _addresses.Get(packet.Destination),
            SourcePort = packet.SourcePort,
            DestinationPort = packet.DestinationPort,
            Timestamp = DateTimeOffset.UnixEpoch.AddTicks(packet.TimestampMicros * 10),
            ProtocolType = protocolType,
            CaptureId = Settings.CaptureId,
            AuthKey = Settings.AuthKey,
            NodeName = Settings.NodeName,
            CorrelationId = correlationId,
            TagValues = tags,
            Vlan = packet.HasVlan ? packet.Vlan : null,
            Payload = _payload.AsMemory(0, packet.Payload.Length),
        };
        _buffer.ResetWrittenCount();
        HepEncoder.Encode(message, _buffer, Settings.Compress && Settings.Version == HepVersion.V3);
        return _buffer.WrittenSpan;
    }

    private ReadOnlySpan<byte> WriteHep3(scoped ref L4Packet packet, byte protocolType, string? correlationId, string? tags)
    {
        var correlationLength = correlationId is null ? 0 : Encoding.UTF8.GetByteCount(correlationId);
        var tagsLength = tags is null ? 0 : Encoding.UTF8.GetByteCount(tags);
        var addressLength = packet.Source.Length; // 4 or 16, the same for both ends
        var size = HepDecoder.Hep3HeaderLength
            + 7 + 7 + 2 * (6 + addressLength) + 8 + 8 + 10 + 10 + 7 + 10
            + (_authKey is null ? 0 : 6 + _authKey.Length)
            + (correlationId is null ? 0 : 6 + correlationLength)
            + (packet.HasVlan ? 8 : 0)
            + (_nodeName is null ? 0 : 6 + _nodeName.Length)
            + (tags is null ? 0 : 6 + tagsLength)
            + 6 + packet.Payload.Length;
        if (size > ushort.MaxValue)
            throw new ArgumentException($"A HEP3 packet of {size} bytes does not fit HEP3's uint16 length.");
        if (_direct.Length < size) _direct = new byte[Math.Max(size, _direct.Length * 2)];

        var span = _direct.AsSpan(0, size);
        "HEP3"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)size);
        var at = HepDecoder.Hep3HeaderLength;
        var v6 = addressLength == 16;
        at = U8(span, at, HepChunkType.IpFamily, v6 ? HepAddress.FamilyIPv6 : HepAddress.FamilyIPv4);
        at = U8(span, at, HepChunkType.IpProtocol, packet.Protocol);
        at = Bytes(span, at, v6 ? HepChunkType.Ipv6Source : HepChunkType.Ipv4Source, packet.Source);
        at = Bytes(span, at, v6 ? HepChunkType.Ipv6Destination : HepChunkType.Ipv4Destination, packet.Destination);
        at = U16(span, at, HepChunkType.SourcePort, packet.SourcePort);
        at = U16(span, at, HepChunkType.DestinationPort, packet.DestinationPort);
        at = U32(span, at, HepChunkType.TimestampSeconds, (uint)(packet.TimestampMicros / 1_000_000));
        at = U32(span, at, HepChunkType.TimestampMicros, (uint)(packet.TimestampMicros % 1_000_000));
        at = U8(span, at, HepChunkType.ProtocolType, protocolType);
        at = U32(span, at, HepChunkType.CaptureId, Settings.CaptureId);
        if (_authKey is not null) at = Bytes(span, at, HepChunkType.AuthKey, _authKey);
        if (correlationId is not null)
        {
            Header(span, at, HepChunkType.CorrelationId, correlationLength);
            at += 6 + Encoding.UTF8.GetBytes(correlationId, span[(at + 6)..]);
        }

        if (packet.HasVlan) at = U16(span, at, HepChunkType.Vlan, packet.Vlan);
        if (_nodeName is not null) at = Bytes(span, at, HepChunkType.NodeName, _nodeName);
        if (tags is not null)
        {
            Header(span, at, HepChunkType.TagValues, tagsLength);
            at += 6 + Encoding.UTF8.GetBytes(tags, span[(at + 6)..]);
        }

        Bytes(span, at, HepChunkType.Payload, packet.Payload);
        return span;
    }

    private static void Header(Span<byte> span, int at, ushort type, int payloadLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 4)..], (ushort)(6 + payloadLength));
    }

    private static int U8(Span<byte> span, int at, ushort type, byte value)
    {
        Header(span, at, type, 1);
        span[at + 6] = value;
        return at + 7;
    }

    private static int U16(Span<byte> span, int at, ushort type, ushort value)
    {
        Header(span, at, type, 2);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 6)..], value);
        return at + 8;
    }

    private static int U32(Span<byte> span, int at, ushort type, uint value)
    {
        Header(span, at, type, 4);
        BinaryPrimitives.WriteUInt32BigEndian(span[(at + 6)..], value);
        return at + 10;
    }

    private static int Bytes(Span<byte> span, int at, ushort type, ReadOnlySpan<byte> value)
    {
        Header(span, at, type, value.Length);
        value.CopyTo(span[(at + 6)..]);
        return at + 6 + value.Length;
    }

    /// <summary>The few addresses a capture sees over and over are made into <see cref="IPAddress"/> once.</summary>
    private sealed class AddressCache
    {
        private readonly Dictionary<UInt128, IPAddress> _v4 = [];
        private readonly Dictionary<UInt128, IPAddress> _v6 = [];

        public IPAddress Get(ReadOnlySpan<byte> bytes)
        {
            var v6 = bytes.Length == 16;
            var key = v6 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes)
                : System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
            var map = v6 ? _v6 : _v4;
            if (map.TryGetValue(key, out var a)) return a;
            if (map.Count > 100_000) map.Clear();
            a = new IPAddress(bytes);
            map[key] = a;
            return a;
        }
    }
}
