using System.Buffers.Binary;
using System.Text;

namespace Homer.Agent.Tests;

/// <summary>
/// The test tool that writes RTP with a known truth: a SIP call (INVITE and 200 OK with SDP, ACK, BYE) and its RTP
/// streams, each with chosen losses (single and in bursts), reordered and duplicated packets, arrival jitter from a
/// seeded generator, a sequence start that wraps, any payload type and clock. <see cref="Truth"/> says, per stream,
/// what was put on the wire, computed from the packet list alone (not by the agent's code).
/// </summary>
public sealed class RtpPcap
{
    public sealed record StreamPlan(string SrcIp, ushort SrcPort, string DstIp, ushort DstPort, uint Ssrc, byte PayloadType, int Clock,
        int Packets, ushort FirstSeq = 1000, double PtimeMs = 20, double JitterMs = 0, int Seed = 1)
    {
        /// <summary>Indices (0-based, in send order) of packets that never arrive.</summary>
        public HashSet<int> Lost { get; init; } = [];
        /// <summary>Indices of packets that arrive just after their successor.</summary>
        public HashSet<int> Late { get; init; } = [];
        /// <summary>Indices of packets that arrive twice (the copy 1 ms after the first).</summary>
        public HashSet<int> Duplicated { get; init; } = [];
        /// <summary>From this index on, the payload type changes to this one (e.g. to DTMF events), if set.</summary>
        public (int From, byte PayloadType)? SwitchPayload { get; init; }
        /// <summary>From this index on, a long pause of this many ms before the packet (silence, a hold).</summary>
        public (int At, double Ms)? Pause { get; init; }
    }

    public sealed record Packet(long Micros, ushort Seq, uint Timestamp, byte PayloadType, StreamPlan Stream);

    public sealed record Truth(StreamPlan Stream, long Packets, long Expected, long Received, long Lost, long Duplicates, long Late,
        double MaxDeltaMs, double JitterMs, double MaxJitterMs, double MeanJitterMs, int PayloadTypeChanges);

    public string CallId { get; init; } = "rtp-call-1@test";
    public string CallerIp { get; init; } = "10.1.0.1";
    public ushort CallerRtpPort { get; init; } = 40_000;
    public string CalleeIp { get; init; } = "10.2.0.2";
    public ushort CalleeRtpPort { get; init; } = 50_000;
    /// <summary>a=rtpmap lines of both SDPs, e.g. "0 PCMU/8000".</summary>
    public List<string> RtpMaps { get; init; } = ["0 PCMU/8000", "101 telephone-event/8000"];
    /// <summary>The answer's a=rtpmap lines when they differ from the offer's (<see cref="RtpMaps"/>).</summary>
    public List<string>? CalleeRtpMaps { get; init; }
    public List<StreamPlan> Streams { get; init; } = [];
    public long StartMicros { get; init; } = 1_700_000_000L * 1_000_000;
    /// <summary>Whether a BYE ends the call (else the streams just stop).</summary>
    public bool Bye { get; init; } = true;

    public List<Packet> RtpPackets { get; } = [];

    /// <summary>Builds the frames (SIP and RTP in arrival order), writes them, and returns the truth per stream.</summary>
    public IReadOnlyList<Truth> Write(string path)
    {
        var frames = new List<Frames.Frame>();
        var t0 = StartMicros;
        frames.Add(Udp(t0, CallerIp, 5060, CalleeIp, 5060, Sip("INVITE sip:bob@example.com SIP/2.0", 1, "INVITE", Sdp(CallerIp, CallerRtpPort))));
        frames.Add(Udp(t0 + 100_000, CalleeIp, 5060, CallerIp, 5060, Sip("SIP/2.0 200 OK", 1, "INVITE", Sdp(CalleeIp, CalleeRtpPort, CalleeRtpMaps))));
        frames.Add(Udp(t0 + 110_000, CallerIp, 5060, CalleeIp, 5060, Sip("ACK sip:bob@10.2.0.2 SIP/2.0", 1, "ACK", "")));
        var mediaStart = t0 + 200_000;
        var end = mediaStart;
        foreach (var s in Streams)
        {
            var random = new Random(s.Seed);
            var samplesPerPacket = (uint)Math.Round(s.Clock * s.PtimeMs / 1000);
            var arrivals = new List<Packet>();
            double pause = 0;
            for (var i = 0; i < s.Packets; i++)
            {
                if (s.Pause is { } p && i == p.At) pause += p.Ms;
                var nominal = mediaStart + (long)Math.Round((i * s.PtimeMs + pause) * 1000);
                // One-sided network delay in [0, JitterMs): never early, so arrival order follows send order unless told.
                var arrival = nominal + (long)(random.NextDouble() * s.JitterMs * 1000);
                var pt = s.SwitchPayload is { } sw && i >= sw.From ? sw.PayloadType : s.PayloadType;
                var ts = unchecked((uint)(0x10000000u + i * samplesPerPacket + (uint)Math.Round(pause * s.Clock / 1000)));
                arrivals.Add(new Packet(arrival, unchecked((ushort)(s.FirstSeq + i)), ts, pt, s));
            }

            // Late packets arrive 0.5 ms after their successor; the rest keeps its time.
            for (var i = 0; i < arrivals.Count - 1; i++)
                if (s.Late.Contains(i))
                    arrivals[i] = arrivals[i] with { Micros = Math.Max(arrivals[i].Micros, arrivals[i + 1].Micros) + 500 };
            var onWire = new List<Packet>();
            for (var i = 0; i < arrivals.Count; i++)
            {
                if (s.Lost.Contains(i)) continue;
                onWire.Add(arrivals[i]);
                if (s.Duplicated.Contains(i)) onWire.Add(arrivals[i] with { Micros = arrivals[i].Micros + 1000 });
            }

            RtpPackets.AddRange(onWire);
            end = Math.Max(end, onWire.Max(p => p.Micros));
        }

        foreach (var p in RtpPackets)
            frames.Add(Udp(p.Micros, p.Stream.SrcIp, p.Stream.SrcPort, p.Stream.DstIp, p.Stream.DstPort, Rtp(p)));
        if (Bye)
        {
            frames.Add(Udp(end + 50_000, CallerIp, 5060, CalleeIp, 5060, Sip("BYE sip:bob@10.2.0.2 SIP/2.0", 2, "BYE", "")));
            frames.Add(Udp(end + 60_000, CalleeIp, 5060, CallerIp, 5060, Sip("SIP/2.0 200 OK", 2, "BYE", "")));
        }

        // Stable sort: a duplicate and the packet it copies keep their order when times tie.
        Frames.WritePcap(path, frames.Select((f, i) => (f, i)).OrderBy(x => x.f.Micros).ThenBy(x => x.i).Select(x => x.f));
        return Streams.Select(TruthOf).ToList();
    }

    private Truth TruthOf(StreamPlan s)
    {
        var packets = RtpPackets.Where(p => p.Stream == s).OrderBy(p => p.Micros).ToList();
        var distinct = packets.Select(p => p.Seq).Distinct().Count();
        var expected = s.Packets - TrailingLost(s) - LeadingLost(s);
        long late = 0;
        var highest = -1L;
        var seen = new HashSet<ushort>();
        foreach (var p in packets)
        {
            var index = (long)(ushort)(p.Seq - s.FirstSeq);
            if (!seen.Add(p.Seq)) continue;
            if (index < highest) late++;
            highest = Math.Max(highest, index);
        }

        // RFC 3550 6.4.1, written out again here from the packet list.
        double j = 0, maxJ = 0, sumJ = 0, maxDelta = 0;
        var n = 0;
        Packet? previous = null;
        var changes = 0;
        Packet? last = null;
        var seenForJitter = new HashSet<ushort>();
        foreach (var p in packets)
        {
            if (last is not null)
            {
                maxDelta = Math.Max(maxDelta, (p.Micros - last.Micros) / 1000.0);
                if (p.PayloadType != last.PayloadType) changes++;
            }

            last = p;
            if (!seenForJitter.Add(p.Seq)) continue;
            if (previous is not null)
            {
                var d = (p.Micros - previous.Micros) * s.Clock / 1e6 - (int)(p.Timestamp - previous.Timestamp);
                j += (Math.Abs(d) - j) / 16;
                var ms = j * 1000 / s.Clock;
                maxJ = Math.Max(maxJ, ms);
                sumJ += ms;
                n++;
            }

            previous = p;
        }

        return new Truth(s, packets.Count, expected, distinct, expected - distinct, packets.Count - distinct, late, maxDelta,
            j * 1000 / s.Clock, maxJ, n == 0 ? 0 : sumJ / n, changes);
    }

    private static int TrailingLost(StreamPlan s)
    {
        var n = 0;
        for (var i = s.Packets - 1; i >= 0 && s.Lost.Contains(i); i--) n++;
        return n;
    }

    private static int LeadingLost(StreamPlan s)
    {
        var n = 0;
        for (var i = 0; i < s.Packets && s.Lost.Contains(i); i++) n++;
        return n;
    }

    private static byte[] Rtp(Packet p)
    {
        var bytes = new byte[12 + 160];
        bytes[0] = 0x80;
        bytes[1] = p.PayloadType;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), p.Seq);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), p.Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), p.Stream.Ssrc);
        bytes.AsSpan(12).Fill(0xff); // PCMU silence; no audio is needed
        return bytes;
    }

    private string Sdp(string ip, ushort port, List<string>? rtpMaps = null)
    {
        rtpMaps ??= RtpMaps;
        var pts = string.Join(" ", rtpMaps.Select(m => m.Split(' ')[0]));
        var sb = new StringBuilder();
        sb.Append($"v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP {pts}\r\n");
        foreach (var m in rtpMaps) sb.Append($"a=rtpmap:{m}\r\n");
        sb.Append("a=ptime:20\r\na=sendrecv\r\n");
        return sb.ToString();
    }

    private string Sip(string startLine, int cseq, string method, string sdp)
    {
        var sb = new StringBuilder();
        sb.Append($"{startLine}\r\nVia: SIP/2.0/UDP {CallerIp}:5060;branch=z9hG4bK-{cseq}-{method}\r\n");
        sb.Append($"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\nCall-ID: {CallId}\r\n");
        sb.Append($"CSeq: {cseq} {method}\r\nContact: <sip:alice@{CallerIp}:5060>\r\nMax-Forwards: 70\r\n");
        if (sdp.Length > 0) sb.Append("Content-Type: application/sdp\r\n");
        sb.Append($"Content-Length: {Encoding.ASCII.GetByteCount(sdp)}\r\n\r\n{sdp}");
        return sb.ToString();
    }

    private static Frames.Frame Udp(long micros, string src, ushort sport, string dst, ushort dport, string payload) =>
        Udp(micros, src, sport, dst, dport, Encoding.ASCII.GetBytes(payload));

    private static Frames.Frame Udp(long micros, string src, ushort sport, string dst, ushort dport, byte[] payload) =>
        new(micros, Frames.Ethernet(Frames.Ipv4Udp(src, sport, dst, dport, payload)));
}
