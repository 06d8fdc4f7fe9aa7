using System.Net;
using System.Text;
using FsCheck.Xunit;

namespace Homer.Hep.Tests;

public class HepPropertyTests
{
    private static string? Clean(string? s) =>
        s is null ? null : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s)) == s ? s : "x";

    private static IPAddress Address(bool v6, int seed)
    {
        var bytes = new byte[v6 ? 16 : 4];
        new Random(seed).NextBytes(bytes);
        return new IPAddress(bytes);
    }

    [Property(MaxTest = 500)]
    public bool Hep3_encode_then_decode_is_identity(bool v6, int srcSeed, int dstSeed, ushort sport, ushort dport, byte proto,
        byte ptype, uint captureId, uint seconds, int micros, byte[]? payload, string? authKey, string? correlation,
        string? node, ushort? vlan, ushort? mos, bool compress)
    {
        var message = new HepMessage
        {
            IpProtocol = proto,
            SourceAddress = Address(v6, srcSeed),
            DestinationAddress = Address(v6, dstSeed),
            SourcePort = sport,
            DestinationPort = dport,
            Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks((Math.Abs(micros % 1_000_000)) * 10L),
            ProtocolType = ptype,
            CaptureId = captureId,
            Payload = payload ?? [],
            AuthKey = Clean(authKey),
            CorrelationId = Clean(correlation),
            NodeName = Clean(node),
            Vlan = vlan,
            Mos = mos,
            VendorChunks = [new HepVendorChunk(3, 1, payload ?? [])],
        };
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        HepEncoder.Encode(message, writer, compress);
        var bytes = writer.WrittenSpan.ToArray();

        if (!HepDecoder.TryDecode(bytes, out var p, out _, out _))
            return false;
        var back = p.ToMessage(bytes);
        return p.Length == bytes.Length
            && back.IpFamily == (v6 ? 10 : 2)
            && back.IpProtocol == proto
            && Equals(back.SourceAddress, message.SourceAddress)
            && Equals(back.DestinationAddress, message.DestinationAddress)
            && back.SourcePort == sport && back.DestinationPort == dport
            && back.Timestamp == message.Timestamp
            && back.ProtocolType == ptype && back.CaptureId == captureId
            && back.Payload.Span.SequenceEqual(message.Payload.Span)
            && back.AuthKey == message.AuthKey && back.CorrelationId == message.CorrelationId
            && back.NodeName == message.NodeName && back.Vlan == vlan && back.Mos == mos
            && back.VendorChunks.Count == 1 && back.VendorChunks[0].Value.Span.SequenceEqual(message.Payload.Span);
    }

    [Property(MaxTest = 300)]
    public bool Hep2_encode_then_decode_is_identity(bool v6, int srcSeed, int dstSeed, ushort sport, ushort dport,
        ushort captureId, int secondsOffset, int micros, byte[]? payload)
    {
        // v2 timestamps must pass the sanity check: keep them between 2001 and today.
        var seconds = 1_000_000_000L + Math.Abs(secondsOffset % 700_000_000);
        var message = new HepMessage
        {
            Version = HepVersion.V2,
            SourceAddress = Address(v6, srcSeed),
            DestinationAddress = Address(v6, dstSeed),
            SourcePort = sport,
            DestinationPort = dport,
            Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(Math.Abs(micros % 1_000_000) * 10L),
            CaptureId = captureId,
            // A payload starting with two NULs would be indistinguishable from struct padding; SIP never does.
            Payload = Encoding.ASCII.GetBytes("SIP ").Concat(payload ?? []).ToArray(),
        };
        var bytes = HepEncoder.Encode(message);
        if (!HepDecoder.TryDecode(bytes, out var p, out _, out _))
            return false;
        var back = p.ToMessage(bytes);
        return p.Warnings == HepWarnings.None
            && Equals(back.SourceAddress, message.SourceAddress)
            && Equals(back.DestinationAddress, message.DestinationAddress)
            && back.SourcePort == sport && back.DestinationPort == dport
            && back.Timestamp == message.Timestamp && back.CaptureId == captureId
            && back.Payload.Span.SequenceEqual(message.Payload.Span);
    }
}
