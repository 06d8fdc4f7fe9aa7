using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Homer.Agent.Capture;
using Homer.Agent.Cli;
using Homer.Agent.Config;
using Homer.Agent.Output;
using Homer.Capture;
using Homer.Hep;

namespace Homer.Benchmarks;

/// <summary>
/// homer-agent's per-frame path: Ethernet/IPv4/UDP decode, SIP detection, SDP scan, capture plan and HEP3 encode (what
/// a <c>--dry-run</c> replay does per frame), and the HEP3 encoding alone, direct versus through <see cref="HepMessage"/>.
/// </summary>
[MemoryDiagnoser]
public class AgentBenchmarks
{
    private readonly byte[][] _frames = new byte[7][];
    private readonly byte[] _payload = Samples.Invite;
    private readonly byte[] _source = [10, 0, 0, 1];
    private readonly byte[] _destination = [10, 0, 0, 2];
    private readonly HepPacketWriter _writer = new(new HepSettings { NodeName = "edge-1" });
    private readonly ArrayBufferWriter<byte> _buffer = new(2048);
    private readonly Dictionary<uint, IPAddress> _addresses = [];
    private CapturePipeline _pipeline = null!;
    private int _next;
    private long _time = 1_700_000_000_000_000;

    [GlobalSetup]
    public void Setup()
    {
        var text = Encoding.ASCII.GetString(Samples.Invite);
        string[] starts = ["INVITE sip:bob@example.com SIP/2.0", "SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 200 OK",
            "ACK sip:bob@10.0.0.2 SIP/2.0", "BYE sip:bob@10.0.0.2 SIP/2.0", "SIP/2.0 200 OK"];
        var firstLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
        for (var i = 0; i < starts.Length; i++)
        {
            // INVITE and the 200 carry the sample's SDP; the others only its headers.
            var message = text.Replace(firstLine, starts[i]);
            if (i is not (0 or 3))
            {
                var headers = message[..(message.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
                message = System.Text.RegularExpressions.Regex.Replace(headers, "Content-Length: *\\d+", "Content-Length: 0");
            }

            _frames[i] = EthernetUdp(Encoding.ASCII.GetBytes(message));
        }

        var outputs = new Outputs();
        _pipeline = new CapturePipeline(new CaptureOptions(),
            new PlanSink(CapturePlan.SendAll("default"), new HepPacketWriter(new HepSettings { NodeName = "edge-1" }), outputs, dryRun: true));
    }

    private static byte[] EthernetUdp(byte[] payload)
    {
        var frame = new byte[14 + 20 + 8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        var ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload.Length));
        ip[8] = 64;
        ip[9] = 17;
        ((ReadOnlySpan<byte>)[10, 0, 0, 1, 10, 0, 0, 2]).CopyTo(ip[12..]);
        var udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 5060);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 5060);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        payload.CopyTo(udp[8..]);
        return frame;
    }

    [Benchmark(Description = "agent: frame → SIP → plan → HEP3 (dry run, 1 frame of a 7-message call)")]
    public long FrameToHep()
    {
        var frame = _frames[_next];
        _next = _next == 6 ? 0 : _next + 1;
        _pipeline.OnFrame(LinkType.Ethernet, frame, _time += 10);
        return _pipeline.Stats.Frames;
    }

    private L4Packet Packet() => new()
    {
        Protocol = 17,
        Source = _source,
        Destination = _destination,
        SourcePort = 5060,
        DestinationPort = 5060,
        Payload = _payload,
        TimestampMicros = 1_700_000_000_123_456,
    };

    [Benchmark(Description = "agent: HEP3 written straight from the frame (INVITE)")]
    public int DirectHep3()
    {
        var packet = Packet();
        return _writer.Write(ref packet).Length;
    }

    /// <summary>What the agent did before: a <see cref="HepMessage"/> per packet, cached addresses, a payload copy.</summary>
    [Benchmark(Description = "agent: HEP3 through HepMessage + HepEncoder (INVITE, the former path)")]
    public int MessageHep3()
    {
        var packet = Packet();
        var payload = packet.Payload.ToArray();
        var message = new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = HepAddress.FamilyIPv4,
            IpProtocol = packet.Protocol,
            SourceAddress = Address(packet.Source),
            DestinationAddress = Address(packet.Destination),
            SourcePort = packet.SourcePort,
            DestinationPort = packet.DestinationPort,
            Timestamp = DateTimeOffset.UnixEpoch.AddTicks(packet.TimestampMicros * 10),
            ProtocolType = HepProtocolType.Sip,
            CaptureId = 2001,
            NodeName = "edge-1",
            Payload = payload,
        };
        _buffer.ResetWrittenCount();
        HepEncoder.Encode(message, _buffer);
        return _buffer.WrittenCount;
    }

    private IPAddress Address(ReadOnlySpan<byte> bytes)
    {
        var key = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (!_addresses.TryGetValue(key, out var a)) _addresses[key] = a = new IPAddress(bytes);
        return a;
    }
}
