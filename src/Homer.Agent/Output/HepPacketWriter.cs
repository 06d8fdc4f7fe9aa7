using System.Buffers;
using System.Net;
using Homer.Agent.Capture;
using Homer.Hep;

namespace Homer.Agent.Output;

/// <summary>Turns captured messages into HEP bytes with <see cref="HepEncoder"/>; one instance per capture thread.</summary>
public sealed class HepPacketWriter(HepSettings settings)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(2048);
    private byte[] _payload = new byte[2048];
    private readonly AddressCache _addresses = new();

    public HepSettings Settings { get; } = settings;

    /// <summary>Encodes one packet; the result is valid until the next call.</summary>
    public ReadOnlySpan<byte> Write(scoped ref L4Packet packet, byte protocolType = HepProtocolType.Sip, string? correlationId = null)
    {
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
            Vlan = packet.HasVlan ? packet.Vlan : null,
            Payload = _payload.AsMemory(0, packet.Payload.Length),
        };
        _buffer.ResetWrittenCount();
        HepEncoder.Encode(message, _buffer, Settings.Compress && Settings.Version == HepVersion.V3);
        return _buffer.WrittenSpan;
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
