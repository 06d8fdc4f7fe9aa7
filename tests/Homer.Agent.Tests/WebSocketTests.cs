using System.Buffers.Binary;
using System.Text;
using Homer.Hep;

namespace Homer.Agent.Tests;

/// <summary>SIP over WebSocket (RFC 7118): frames built by hand inside TCP segments built with PacketDotNet, replayed, the HEP checked.</summary>
public sealed class WebSocketTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const long T0 = 1_700_000_000_000_000;
    private const string Client = "192.0.2.30";
    private const string Server = "192.0.2.40";
    private const ushort ClientPort = 51000;
    private const ushort WsPort = 8080;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-ws").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Bytes(string s) => Encoding.ASCII.GetBytes(s);

    /// <summary>One RFC 6455 frame; client frames are masked with <paramref name="mask"/>.</summary>
    private static byte[] Frame(byte[] payload, int opcode, bool fin = true, uint? mask = null, bool rsv1 = false)
    {
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode) };
        var maskBit = mask is null ? 0 : 0x80;
        if (payload.Length < 126)
        {
            header.Add((byte)(maskBit | payload.Length));
        }
        else
        {
            header.Add((byte)(maskBit | 126));
            header.Add((byte)(payload.Length >> 8));
            header.Add((byte)payload.Length);
        }

        var body = payload.ToArray();
        if (mask is { } m)
        {
            var key = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(key, m);
            header.AddRange(key);
            for (var i = 0; i < body.Length; i++) body[i] ^= key[i % 4];
        }

        return [.. header, .. body];
    }

    private sealed class Direction(string src, ushort sport, string dst, ushort dport, uint isn)
    {
        private uint _seq = isn + 1;
        public Frames.Frame Syn(long t) => new(T0 + t, Frames.Ethernet(Frames.Ipv4Tcp(src, sport, dst, dport, _seq - 1, [], syn: true)));

        public Frames.Frame Segment(long t, byte[] payload)
        {
            var frame = new Frames.Frame(T0 + t, Frames.Ethernet(Frames.Ipv4Tcp(src, sport, dst, dport, _seq, payload)));
            _seq += (uint)payload.Length;
            return frame;
        }
    }

    private async Task<(AgentRun Run, List<HepMessage> Messages)> Replay(IEnumerable<Frames.Frame> frames, int expected, params string[] extra)
    {
        var pcap = Frames.WritePcap(Path.Combine(_dir, $"{Guid.NewGuid():N}.pcap"), frames);
        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--summary", "json",
            "--ws-port", WsPort.ToString(), .. extra]);
        Assert.True(run.ExitCode == 0, run.ToString());
        await receiver.WaitForAsync(expected, Wait);
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(150));
        Assert.Equal(expected, receiver.Messages.Count);
        return (run, receiver.Messages.ToList());
    }

    private static string WsSip(string method, string callId, int cseq, string body = "") =>
        Frames.Sip(method, callId, cseq, body).Replace("SIP/2.0/UDP 10.0.0.1:5060", "SIP/2.0/WS df7jal23ls0d.invalid");

    [Fact]
    public async Task Handshake_masked_and_unmasked_fragmented_several_per_segment_and_split_messages_each_give_one_hep_packet()
    {
        var register = Bytes(WsSip("REGISTER", "ws-reg@test", 1));
        var invite = Bytes(WsSip("INVITE", "ws-inv@test", 1, "v=0\r\no=- 1 1 IN IP4 192.0.2.30\r\ns=-\r\nc=IN IP4 192.0.2.30\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"));
        var ack = Bytes(WsSip("ACK", "ws-inv@test", 1));
        var bye = Bytes(WsSip("BYE", "ws-inv@test", 2));
        var message = Bytes(WsSip("MESSAGE", "ws-msg@test", 1, new string('m', 700)));
        var ok = Bytes("SIP/2.0 200 OK\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK-ws-reg@test-1\r\n"
            + "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\nCall-ID: ws-reg@test\r\nCSeq: 1 REGISTER\r\n"
            + "Content-Length: 0\r\n\r\n");

        var up = new Direction(Client, ClientPort, Server, WsPort, 7_000);
        var down = new Direction(Server, WsPort, Client, ClientPort, 90_000);
        var messageFrame = Frame(message, 1, mask: 0x0badf00d);
        var frames = new List<Frames.Frame>
        {
            up.Syn(0),
            down.Syn(1),
            up.Segment(2, Bytes("GET / HTTP/1.1\r\nHost: 192.0.2.40:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n")),
            down.Segment(3, Bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n")),
            // A masked text frame, whole.
            up.Segment(10, Frame(register, 1, mask: 0x11223344)),
            // The server's answer: unmasked, with a ping before it in the same segment.
            down.Segment(20, [.. Frame(Bytes("hb"), 9), .. Frame(ok, 1)]),
            // A binary message in three fragments, each with its own mask, a ping between the first two.
            up.Segment(30, [.. Frame(invite[..100], 2, fin: false, mask: 0xa1b2c3d4), .. Frame([], 9, mask: 0x01020304),
                .. Frame(invite[100..250], 0, fin: false, mask: 0x55667788)]),
            up.Segment(40, Frame(invite[250..], 0, fin: true, mask: 0x99aabbcc)),
            // Two messages in one segment.
            up.Segment(50, [.. Frame(ack, 1, mask: 0xdeadbeef), .. Frame(bye, 1, mask: 0xcafebabe)]),
            // One message over three segments, cut inside the header and inside the payload.
            up.Segment(60, messageFrame[..3]),
            up.Segment(70, messageFrame[3..400]),
            up.Segment(80, messageFrame[400..]),
            // Close from the client: skipped.
            up.Segment(90, Frame([0x03, 0xe8], 8, mask: 0x10203040)),
        };

        var (run, messages) = await Replay(frames, 6);
        var byKey = messages.ToDictionary(m => Encoding.ASCII.GetString(m.Payload.Span).Split("\r\n")[0] + " " + SipRows.Of(m).CallId);
        Assert.Equal(register, byKey["REGISTER sip:bob@example.com SIP/2.0 ws-reg@test"].Payload.ToArray());
        Assert.Equal(ok, byKey["SIP/2.0 200 OK ws-reg@test"].Payload.ToArray());
        Assert.Equal(invite, byKey["INVITE sip:bob@example.com SIP/2.0 ws-inv@test"].Payload.ToArray());
        Assert.Equal(ack, byKey["ACK sip:bob@example.com SIP/2.0 ws-inv@test"].Payload.ToArray());
        Assert.Equal(bye, byKey["BYE sip:bob@example.com SIP/2.0 ws-inv@test"].Payload.ToArray());
        Assert.Equal(message, byKey["MESSAGE sip:bob@example.com SIP/2.0 ws-msg@test"].Payload.ToArray());

        // Stamped with the segment that carried the message's first frame.
        Assert.Equal(T0 + 10, byKey["REGISTER sip:bob@example.com SIP/2.0 ws-reg@test"].TimestampUnixMicros);
        Assert.Equal(T0 + 20, byKey["SIP/2.0 200 OK ws-reg@test"].TimestampUnixMicros);
        Assert.Equal(T0 + 30, byKey["INVITE sip:bob@example.com SIP/2.0 ws-inv@test"].TimestampUnixMicros);
        Assert.Equal(T0 + 50, byKey["BYE sip:bob@example.com SIP/2.0 ws-inv@test"].TimestampUnixMicros);
        Assert.Equal(T0 + 60, byKey["MESSAGE sip:bob@example.com SIP/2.0 ws-msg@test"].TimestampUnixMicros);

        // WebSocket has no HEP transport value of its own: the IP protocol is TCP, the Via says WS.
        Assert.All(messages, m => Assert.Equal(6, m.IpProtocol));
        Assert.All(messages, m => Assert.Equal(HepProtocolType.Sip, m.ProtocolType));
        var fromServer = byKey["SIP/2.0 200 OK ws-reg@test"];
        Assert.Equal(Server, fromServer.SourceAddress!.ToString());
        Assert.Equal(WsPort, fromServer.SourcePort);
        Assert.Equal(ClientPort, fromServer.DestinationPort);
        Assert.All(messages.Where(m => m != fromServer), m =>
        {
            Assert.Equal(Client, m.SourceAddress!.ToString());
            Assert.Equal(ClientPort, m.SourcePort);
            Assert.Equal(WsPort, m.DestinationPort);
        });

        Assert.Equal(6, run.Summary.GetProperty("sipWs").GetInt64());
        Assert.Equal(0, run.Summary.GetProperty("sipTcp").GetInt64());
        Assert.DoesNotContain(run.Summary.GetProperty("dropped").EnumerateObject(), p => p.Name.StartsWith("Ws") || p.Name == "TcpDesync");
    }

    [Fact]
    public async Task Compressed_and_broken_frames_are_counted_and_the_stream_resumes_at_the_next_frame()
    {
        var first = Bytes(WsSip("OPTIONS", "ws-1@test", 1));
        var second = Bytes(WsSip("OPTIONS", "ws-2@test", 2));
        var third = Bytes(WsSip("OPTIONS", "ws-3@test", 3));
        var up = new Direction(Client, ClientPort, Server, WsPort, 1);
        var frames = new List<Frames.Frame>
        {
            up.Syn(0),
            up.Segment(10, Frame(first, 1, mask: 0x01010101)),
            // permessage-deflate (RSV1): cannot be inflated from a capture, counted and skipped.
            up.Segment(20, Frame([0xf2, 0x0c, 0x0e], 1, mask: 0x02020202, rsv1: true)),
            up.Segment(30, Frame(second, 1, mask: 0x03030303)),
            // Not a frame (reserved opcode 3): the stream is given up until a segment starts a frame again.
            up.Segment(40, [0x83, 0x05, 1, 2, 3, 4, 5]),
            up.Segment(50, Frame(third, 1, mask: 0x04040404)),
            // A text message that is not SIP.
            up.Segment(60, Frame(Bytes("hello, this is not a SIP message at all"), 1, mask: 0x05050505)),
        };

        var (run, messages) = await Replay(frames, 3);
        Assert.Equal(["ws-1@test", "ws-2@test", "ws-3@test"], messages.Select(m => SipRows.Of(m).CallId).Order().ToArray());
        Assert.Equal(third, messages.Single(m => SipRows.Of(m).CallId == "ws-3@test").Payload.ToArray());
        Assert.Equal(1, run.Dropped("WsCompressed"));
        Assert.Equal(1, run.Dropped("WsDesync"));
        Assert.Equal(1, run.Dropped("NotSip"));
    }

    [Fact]
    public async Task A_connection_already_open_when_the_capture_started_is_picked_up_at_a_frame_that_starts_a_sip_message()
    {
        var invite = Bytes(WsSip("INVITE", "ws-mid@test", 1));
        var up = new Direction(Client, ClientPort, Server, WsPort, 5_000);
        var frame = Frame(invite, 1, mask: 0x0f0e0d0c);
        var frames = new List<Frames.Frame>
        {
            // The tail of a message whose start was before the capture: not a place to start.
            up.Segment(10, Frame(Bytes("tail of something"), 0, mask: 0x01020304)),
            up.Segment(20, frame[..60]),
            up.Segment(30, frame[60..]),
        };

        var (_, messages) = await Replay(frames, 1);
        Assert.Equal(invite, messages.Single().Payload.ToArray());
        Assert.Equal(T0 + 20, messages.Single().TimestampUnixMicros);
    }

    [Fact]
    public async Task Without_ws_ports_websocket_traffic_is_not_mistaken_for_sip()
    {
        var up = new Direction(Client, ClientPort, Server, WsPort, 1);
        var frames = new List<Frames.Frame>
        {
            up.Syn(0),
            up.Segment(10, Frame(Bytes(WsSip("OPTIONS", "ws-none@test", 1)), 1, mask: 0x01010101)),
        };
        var pcap = Frames.WritePcap(Path.Combine(_dir, "plain.pcap"), frames);
        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--summary", "json"]);
        Assert.Equal(0, run.ExitCode);
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(300));
        Assert.Empty(receiver.Messages);
        Assert.Equal(0, run.Summary.GetProperty("sipWs").GetInt64());
    }

    [Fact]
    public async Task The_configuration_file_names_websocket_ports_per_input()
    {
        var invite = Bytes(WsSip("INVITE", "ws-config@test", 1));
        var up = new Direction(Client, ClientPort, Server, WsPort, 1);
        var pcap = Frames.WritePcap(Path.Combine(_dir, "config.pcap"), [up.Syn(0), up.Segment(10, Frame(invite, 1, mask: 0x0a0b0c0d))]);
        await using var receiver = HepReceiver.Udp();
        var config = Path.Combine(_dir, "agent.yaml");
        await File.WriteAllTextAsync(config, $"""
            outputs:
              homer:
                to: ["{receiver.Target}"]
            inputs:
              - name: ws
                pcap: {pcap}
                wsPorts: ["8080-8081"]
            """);
        var run = await AgentRun.RunAsync(["--config", config, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await receiver.WaitForAsync(1, Wait));
        Assert.Equal(invite, Assert.Single(receiver.Messages).Payload.ToArray());
        Assert.Equal(1, run.Summary.GetProperty("sipWs").GetInt64());

        await File.WriteAllTextAsync(config, $"""
            outputs:
              homer:
                to: ["{receiver.Target}"]
            inputs:
              - name: ws
                pcap: {pcap}
                wsPorts: ["80000"]
            """);
        run = await AgentRun.RunAsync(["--config", config]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("wsPorts", run.Stderr);
    }
}
