namespace Homer.Agent.Capture;

public sealed class CaptureOptions
{
    public PortSet SipPorts { get; init; } = PortSet.Parse(["5060-5061"]);
    /// <summary>Look at traffic on any port and keep what starts like SIP.</summary>
    public bool Sniff { get; init; } = true;
    /// <summary>Learn media ports from SDP and send RTCP seen on them as HEP type 5 with the call's Call-ID.</summary>
    public bool Rtcp { get; init; } = true;
    /// <summary>TCP ports on which SIP is carried over WebSocket (RFC 7118); none by default.</summary>
    public PortSet WebSocketPorts { get; init; } = new();
    /// <summary>
    /// Seconds of capture time between the RTP quality reports of a stream (HEP type 34); 0 turns the RTP analysis off.
    /// Needs <see cref="Rtcp"/> (the SDP learning it shares).
    /// </summary>
    public int RtpReportSeconds { get; init; } = 10;
}

/// <summary>Frame in, SIP messages out: decode, reassemble, detect. Single-threaded by design (one per capture source).</summary>
public sealed class CapturePipeline
{
    private readonly CaptureOptions options;
    private readonly IPacketSink sink;
    private readonly CountingSink _tcpSink;
    private readonly CountingSink _wsSink;

    public CapturePipeline(CaptureOptions options, IPacketSink sink)
    {
        this.options = options;
        this.sink = sink;
        _tcpSink = new CountingSink(sink, Stats, options.Rtcp ? Media : null, webSocket: false);
        _wsSink = new CountingSink(sink, Stats, options.Rtcp ? Media : null, webSocket: true);
        Tcp = new TcpReassembler { Stats = Stats };
        if (options.Rtcp && options.RtpReportSeconds > 0)
        {
            Rtp = new Rtp.RtpTracker(OnRtpReport) { ReportIntervalMicros = options.RtpReportSeconds * 1_000_000L };
            Media.Rtp = Rtp;
        }
    }

    /// <summary>The RTP analysis; null when it is off.</summary>
    public Rtp.RtpTracker? Rtp { get; }

    public FrameDecoder Decoder { get; } = new();
    public TcpReassembler Tcp { get; }
    public CaptureStats Stats { get; } = new();
    public MediaIndex Media { get; } = new();
    private readonly System.Buffers.ArrayBufferWriter<byte> _json = new(1024);
    private readonly System.Text.Json.Utf8JsonWriter _jsonWriter = new(System.IO.Stream.Null);

    public void OnFrame(int linkType, ReadOnlySpan<byte> frame, long timestampMicros)
    {
        Stats.Frames++;
        Stats.Bytes += frame.Length;
        // Any frame moves capture time on, so a stream that went quiet ends even when only SIP is still flowing.
        Rtp?.Tick(timestampMicros);
        var result = Decoder.Decode(linkType, frame, timestampMicros, out var packet);
        if (result != DropReason.None)
        {
            Stats.Drop(result);
            return;
        }

        var onPort = options.SipPorts.Contains(packet.SourcePort) || options.SipPorts.Contains(packet.DestinationPort);
        if (packet.Protocol == FrameDecoder.Sctp)
        {
            OnSctp(ref packet, onPort);
            return;
        }

        if (packet.Protocol == FrameDecoder.Udp)
        {
            if ((onPort || options.Sniff) && SipFraming.LooksLikeSip(packet.Payload))
            {
                Stats.SipUdp++;
                if (options.Rtcp) Media.Learn(packet.Payload, packet.TimestampMicros);
                if (Rtp is not null && Rtp.StreamCount > 0 && Capture.Rtp.RtpTracker.TryByeCallId(packet.Payload, out var byeCallId))
                    Rtp.CallEnded(byeCallId, packet.TimestampMicros);
                sink.OnSip(ref packet);
            }
            else if (options.Rtcp && Media.Count > 0 && MediaIndex.LooksLikeRtcp(packet.Payload)
                     && (Media.TryFind(packet.Destination, packet.DestinationPort, packet.TimestampMicros, out var callId)
                         || Media.TryFind(packet.Source, packet.SourcePort, packet.TimestampMicros, out callId)))
            {
                _json.ResetWrittenCount();
                _jsonWriter.Reset(_json);
                if (RtcpJson.TryWrite(packet.Payload, _jsonWriter))
                {
                    Stats.Rtcp++;
                    sink.OnRtcp(ref packet, _json.WrittenSpan, callId);
                }
                else
                {
                    Stats.Drop(DropReason.BadRtcp);
                }
            }
            else if (Rtp is not null && Rtp.TryTrack(ref packet))
            {
                Stats.Rtp++;
            }
            else
            {
                Stats.Drop(packet.Payload.IsEmpty ? DropReason.EmptyPayload : DropReason.NotSip);
            }

            return;
        }

        var webSocket = options.WebSocketPorts.Contains(packet.SourcePort) || options.WebSocketPorts.Contains(packet.DestinationPort);
        if (!onPort && !options.Sniff && !webSocket)
        {
            Stats.Drop(DropReason.NotSip);
            return;
        }

        var tcpResult = Tcp.Add(ref packet, webSocket ? _wsSink : _tcpSink, webSocket);
        if (tcpResult != DropReason.None && tcpResult != DropReason.EmptyPayload)
            Stats.Drop(tcpResult);
    }

    /// <summary>SCTP reassembly (chunks, retransmissions, fragmented user messages) for SIP over SCTP.</summary>
    public SctpReassembler Sctp { get; } = new();

    private void OnSctp(ref L4Packet packet, bool onPort)
    {
        var offset = 0;
        var data = false;
        bool malformed;
        while (SctpReassembler.TryNextData(packet.Payload, ref offset, out var chunk, out malformed))
        {
            data = true;
            if (!Sctp.Add(in packet, in chunk, out var reason))
            {
                // A fragment waiting for the rest is not lost; only say so when it is a real drop.
                if (reason != DropReason.FragmentPending) Stats.Drop(reason);
                continue;
            }

            var message = chunk.Begin && chunk.End ? chunk.Data : Sctp.Message;
            var sip = packet;
            sip.Payload = message;
            if ((onPort || options.Sniff) && SipFraming.LooksLikeSip(message))
            {
                Stats.SipSctp++;
                if (options.Rtcp) Media.Learn(message, sip.TimestampMicros);
                if (Rtp is not null && Rtp.StreamCount > 0 && Capture.Rtp.RtpTracker.TryByeCallId(message, out var byeCallId))
                    Rtp.CallEnded(byeCallId, sip.TimestampMicros);
                sink.OnSip(ref sip);
            }
            else
            {
                Stats.Drop(message.IsEmpty ? DropReason.EmptyPayload : DropReason.NotSip);
            }
        }

        if (malformed) Stats.Drop(DropReason.SctpMalformed);
        else if (!data) Stats.Drop(DropReason.SctpControl);
    }

    /// <summary>Capture time passed without a frame (a live capture's idle read): RTP streams may end or be due a report.</summary>
    public void OnIdle(long nowMicros) => Rtp?.Tick(nowMicros);

    /// <summary>The input ended (file read, or capture stopped): every RTP stream sends its final report.</summary>
    public void Finish() => Rtp?.Flush();

    private void OnRtpReport(Rtp.RtpStream stream, ReadOnlySpan<byte> json, long reportMicros, bool final)
    {
        Stats.RtpReports++;
        var packet = new L4Packet
        {
            IsIpv6 = stream.IsIpv6,
            Protocol = FrameDecoder.Udp,
            Source = stream.Source,
            Destination = stream.Destination,
            SourcePort = stream.SourcePort,
            DestinationPort = stream.DestinationPort,
            Vlan = stream.Vlan,
            HasVlan = stream.HasVlan,
            Payload = json,
            TimestampMicros = reportMicros,
        };
        sink.OnRtpReport(ref packet, json, stream.Announced.CallId);
    }

    private sealed class CountingSink(IPacketSink inner, CaptureStats stats, MediaIndex? media, bool webSocket) : IPacketSink
    {
        public void OnSip(ref L4Packet packet)
        {
            if (webSocket) stats.SipWs++;
            else stats.SipTcp++;
            media?.Learn(packet.Payload, packet.TimestampMicros);
            if (media?.Rtp is { StreamCount: > 0 } rtp && Capture.Rtp.RtpTracker.TryByeCallId(packet.Payload, out var callId))
                rtp.CallEnded(callId, packet.TimestampMicros);
            inner.OnSip(ref packet);
        }

        public void OnRtcp(ref L4Packet packet, ReadOnlySpan<byte> json, string correlationId) =>
            inner.OnRtcp(ref packet, json, correlationId);

        public void OnRtpReport(ref L4Packet packet, ReadOnlySpan<byte> json, string correlationId) =>
            inner.OnRtpReport(ref packet, json, correlationId);
    }
}
