using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Homer.Sip;
using Homer.Sip.Sdp;

namespace Homer.Agent.Capture.Rtp;

/// <summary>
/// Follows the RTP streams that SDP announced and reports their quality (<see cref="RtpStreamStats"/>) as JSON
/// (<see cref="RtpReportJson"/>) every <see cref="ReportIntervalMicros"/> of capture time and when a stream ends: at
/// its call's BYE (after a short linger for the last packets), after <see cref="IdleMicros"/> without packets, or at
/// the end of the input. Time is the capture's (packet timestamps), so a pcap replay reports the same at any speed;
/// live capture also advances it on idle reads. Single-threaded: one per capture pipeline.
/// </summary>
public sealed class RtpTracker
{
    public long ReportIntervalMicros { get; init; } = 10_000_000;
    public long IdleMicros { get; init; } = 15_000_000;
    /// <summary>After the BYE, how long late packets still count before the final report.</summary>
    public long ByeLingerMicros { get; init; } = 2_000_000;
    public int MaxAnnounced { get; init; } = 200_000;
    public int MaxStreams { get; init; } = 100_000;
    public long AnnouncedTtlMicros { get; init; } = 4L * 3600 * 1_000_000;

    /// <summary>Called with each report: the stream (its addresses and Call-ID are the report's), the JSON, the capture time.</summary>
    public delegate void ReportHandler(RtpStream stream, ReadOnlySpan<byte> json, long reportMicros, bool final);

    private readonly ReportHandler _report;
    private readonly Dictionary<(UInt128 Address, ushort Port), Announced> _announced = [];
    private readonly Dictionary<StreamKey, RtpStream> _streams = [];
    private readonly Dictionary<string, long> _byes = [];
    private readonly ArrayBufferWriter<byte> _json = new(2048);
    // Relaxed escaping: Call-IDs and the model text stay readable ('+', '<', '&' unescaped); still valid JSON.
    private readonly Utf8JsonWriter _writer = new(Stream.Null, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    private long _nextSweep;
    private readonly List<RtpStream> _ending = [];

    public RtpTracker(ReportHandler report) => _report = report;

    public int AnnouncedCount => _announced.Count;
    public int StreamCount => _streams.Count;
    public long Packets;
    public long Reports;

    /// <summary>What an SDP said about one media address: the call, and each payload type's codec and clock.</summary>
    public sealed class Announced(string callId, Dictionary<byte, (string Name, int Clock)> codecs, long expires)
    {
        public string CallId { get; } = callId;
        public Dictionary<byte, (string Name, int Clock)> Codecs { get; } = codecs;
        public long Expires { get; set; } = expires;
    }

    private readonly record struct StreamKey(UInt128 Source, UInt128 Destination, ushort SourcePort, ushort DestinationPort);

    /// <summary>One media section of an SDP: RTP is expected at this address and port for this call.</summary>
    public void Announce(ReadOnlySpan<byte> address, int port, string callId, in SdpMedia media, ReadOnlySpan<byte> sipPayload, long now)
    {
        if (port is <= 0 or > 65_535) return;
        var codecs = new Dictionary<byte, (string, int)>();
        for (var i = 0; i < media.CodecCount && i < SdpMedia.MaxCodecs; i++)
        {
            var c = media.Codecs[i];
            if (c.PayloadType is < 0 or > 127) continue;
            var name = c.Name(sipPayload);
            codecs[(byte)c.PayloadType] = (name, c.ClockRate > 0 ? c.ClockRate : SdpParser.StaticClockRate(c.PayloadType));
        }

        if (_announced.Count >= MaxAnnounced) ExpireAnnounced(now);
        _announced[(Key(address), (ushort)port)] = new Announced(callId, codecs, now + AnnouncedTtlMicros);
    }

    /// <summary>A BYE of this call was seen: its streams end after the linger.</summary>
    public void CallEnded(string callId, long now)
    {
        _byes[callId] = now + ByeLingerMicros;
        if (_byes.Count > MaxStreams) _byes.Clear();
    }

    /// <summary>
    /// Takes a UDP payload that is not SIP or RTCP. True when it is RTP of an announced stream (counted and measured).
    /// </summary>
    public bool TryTrack(ref L4Packet packet)
    {
        var p = packet.Payload;
        // Version 2, a full fixed header; payload types 72-76 with the marker set are RTCP's 200-204 (RFC 5761).
        if (p.Length < 12 || (p[0] >> 6) != 2 || p[1] is >= 200 and <= 207) return false;
        var now = packet.TimestampMicros;
        var key = new StreamKey(Key(packet.Source), Key(packet.Destination), packet.SourcePort, packet.DestinationPort);
        if (!_streams.TryGetValue(key, out var stream))
        {
            if (_announced.Count == 0) return false;
            // The SDP names where its sender wants to receive; symmetric RTP also sends from there.
            var toAnnounced = _announced.TryGetValue((key.Destination, packet.DestinationPort), out var to) && to.Expires >= now;
            var fromAnnounced = _announced.TryGetValue((key.Source, packet.SourcePort), out var from) && from.Expires >= now;
            if (!toAnnounced && !fromAnnounced) return false;
            var announced = toAnnounced ? to! : from!;
            // The receiver's SDP names the payload types it is sent; the other side's fills the gaps (an answer that
            // lists fewer codecs than the sender then uses, DTMF events announced on one side only).
            if (toAnnounced && fromAnnounced && to!.CallId == from!.CallId)
                foreach (var (pt, other) in from.Codecs)
                    announced.Codecs.TryAdd(pt, other);
            if (_streams.Count >= MaxStreams) return false;
            stream = new RtpStream(announced, packet.Source.ToArray(), packet.Destination.ToArray(), packet.SourcePort,
                packet.DestinationPort, packet.IsIpv6, packet.Vlan, packet.HasVlan, now + ReportIntervalMicros);
            _streams[key] = stream;
        }

        var payloadType = (byte)(p[1] & 0x7f);
        var clock = stream.Announced.Codecs.TryGetValue(payloadType, out var codec) ? codec.Clock : SdpParser.StaticClockRate(payloadType);
        stream.Stats.Add(BinaryPrimitives.ReadUInt16BigEndian(p[2..]), BinaryPrimitives.ReadUInt32BigEndian(p[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[8..]), payloadType, clock, now);
        Packets++;
        Tick(now);
        return true;
    }

    /// <summary>Capture time moved on (a packet, or an idle read of a live capture): interim reports and ended streams.</summary>
    public void Tick(long now)
    {
        if (now < _nextSweep) return;
        _nextSweep = now + 1_000_000;
        _ending.Clear();
        foreach (var stream in _streams.Values)
        {
            var ended = now - stream.Stats.LastMicros > IdleMicros
                || _byes.TryGetValue(stream.Announced.CallId, out var byeAt) && now >= byeAt;
            if (ended)
                _ending.Add(stream);
            else if (now >= stream.NextReport)
            {
                // A silent stream (hold, silence suppression) has nothing new to say until it speaks again or ends.
                if (stream.Stats.LastMicros > stream.IntervalStartMicros)
                    Emit(stream, now, final: false);
                stream.NextReport = now + ReportIntervalMicros;
            }
        }

        foreach (var stream in _ending)
            End(stream, Math.Min(now, stream.Stats.LastMicros));
        if (_byes.Count > 0)
            foreach (var (callId, at) in _byes)
                if (at < now - IdleMicros)
                    _byes.Remove(callId);
    }

    /// <summary>End of input or of the run: every stream's final report.</summary>
    public void Flush()
    {
        foreach (var stream in _streams.Values.ToList())
            End(stream, stream.Stats.LastMicros);
        _byes.Clear();
    }

    private void End(RtpStream stream, long now)
    {
        stream.Stats.Finish();
        Emit(stream, now, final: true);
        _streams.Remove(new StreamKey(Key(stream.Source), Key(stream.Destination), stream.SourcePort, stream.DestinationPort));
        // Packets after the end (the far end still sending after BYE) must not open a new stream of the same call.
        if (_byes.ContainsKey(stream.Announced.CallId))
            stream.Announced.Expires = 0;
    }

    private void Emit(RtpStream stream, long now, bool final)
    {
        _json.ResetWrittenCount();
        _writer.Reset(_json);
        RtpReportJson.Write(_writer, stream, now, final);
        stream.MarkReported();
        Reports++;
        _report(stream, _json.WrittenSpan, now, final);
    }

    private void ExpireAnnounced(long now)
    {
        foreach (var k in _announced.Where(kv => kv.Value.Expires < now).Select(kv => kv.Key).ToList())
            _announced.Remove(k);
        if (_announced.Count >= MaxAnnounced)
            foreach (var k in _announced.OrderBy(kv => kv.Value.Expires).Take(_announced.Count / 2).Select(kv => kv.Key).ToList())
                _announced.Remove(k);
    }

    private static UInt128 Key(ReadOnlySpan<byte> a) =>
        a.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(a) : BinaryPrimitives.ReadUInt32BigEndian(a);

    /// <summary>A BYE's Call-ID, cheaply: most SIP is not a BYE request.</summary>
    public static bool TryByeCallId(ReadOnlySpan<byte> sip, out string callId)
    {
        callId = "";
        if (!sip.StartsWith("BYE "u8) || !SipParser.TryParse(sip, out var message, out _) || message.CallId.IsEmpty) return false;
        callId = message.CallId.ToString(sip);
        return true;
    }
}

/// <summary>One direction of one RTP stream: its addresses, the call it belongs to, and its figures.</summary>
public sealed class RtpStream(RtpTracker.Announced announced, byte[] source, byte[] destination, ushort sourcePort,
    ushort destinationPort, bool isIpv6, ushort vlan, bool hasVlan, long nextReport)
{
    public RtpTracker.Announced Announced { get; } = announced;
    public byte[] Source { get; } = source;
    public byte[] Destination { get; } = destination;
    public ushort SourcePort { get; } = sourcePort;
    public ushort DestinationPort { get; } = destinationPort;
    public bool IsIpv6 { get; } = isIpv6;
    public ushort Vlan { get; } = vlan;
    public bool HasVlan { get; } = hasVlan;
    public long NextReport { get; set; } = nextReport;
    public RtpStreamStats Stats { get; } = new();
    public int ReportCount { get; private set; }

    // Counters at the previous report, for the interval figures (RFC 3550 A.3's expected_prior / received_prior).
    public long ExpectedPrior { get; private set; }
    public long ReceivedPrior { get; private set; }
    public long BurstsPrior { get; private set; }
    public long BurstLostPrior { get; private set; }
    public long IntervalStartMicros { get; private set; } = -1;

    public string? CodecName => Announced.Codecs.TryGetValue(Stats.PayloadType, out var c) ? c.Name : SdpParser.StaticPayloadName(Stats.PayloadType);

    internal void MarkReported()
    {
        ReportCount++;
        ExpectedPrior = Stats.Expected;
        ReceivedPrior = Stats.Received;
        BurstsPrior = Stats.LossBursts;
        BurstLostPrior = Stats.BurstLost;
        IntervalStartMicros = Stats.LastMicros;
    }
}
