namespace Homer.Agent.Capture;

public sealed class CaptureOptions
{
    public PortSet SipPorts { get; init; } = PortSet.Parse(["5060-5061"]);
    /// <summary>Look at traffic on any port and keep what starts like SIP.</summary>
    public bool Sniff { get; init; } = true;
}

/// <summary>Frame in, SIP messages out: decode, reassemble, detect. Single-threaded by design (one per capture source).</summary>
public sealed class CapturePipeline
{
    private readonly CaptureOptions options;
    private readonly IPacketSink sink;
    private readonly CountingSink _tcpSink;

    public CapturePipeline(CaptureOptions options, IPacketSink sink)
    {
        this.options = options;
        this.sink = sink;
        _tcpSink = new CountingSink(sink, Stats);
    }

    public FrameDecoder Decoder { get; } = new();
    public TcpReassembler Tcp { get; } = new();
    public CaptureStats Stats { get; } = new();

    public void OnFrame(int linkType, ReadOnlySpan<byte> frame, long timestampMicros)
    {
        Stats.Frames++;
        Stats.Bytes += frame.Length;
        var result = Decoder.Decode(linkType, frame, timestampMicros, out var packet);
        if (result != DropReason.None)
        {
            Stats.Drop(result);
            return;
        }

        var onPort = options.SipPorts.Contains(packet.SourcePort) || options.SipPorts.Contains(packet.DestinationPort);
        if (packet.Protocol == FrameDecoder.Udp)
        {
            if ((onPort || options.Sniff) && SipFraming.LooksLikeSip(packet.Payload))
            {
                Stats.SipUdp++;
                sink.OnSip(ref packet);
            }
            else
            {
                Stats.Drop(packet.Payload.IsEmpty ? DropReason.EmptyPayload : DropReason.NotSip);
            }

            return;
        }

        if (!onPort && !options.Sniff)
        {
            Stats.Drop(DropReason.NotSip);
            return;
        }

        var tcpResult = Tcp.Add(ref packet, _tcpSink);
        if (tcpResult != DropReason.None && tcpResult != DropReason.EmptyPayload)
            Stats.Drop(tcpResult);
    }

    private sealed class CountingSink(IPacketSink inner, CaptureStats stats) : IPacketSink
    {
        public void OnSip(ref L4Packet packet)
        {
            stats.SipTcp++;
            inner.OnSip(ref packet);
        }
    }
}
