using System.Buffers.Binary;
using System.Net;
using System.Text;
using Homer.Actors.Contracts;
using Homer.Hep;

namespace Homer.Api.Import;

/// <summary>What one import did; every packet that was not imported is counted under the reason.</summary>
public sealed class ImportSummary
{
    public string Format { get; set; } = "";
    public long Packets { get; set; }
    public long Bytes { get; set; }
    /// <summary>SIP messages found over UDP or TCP, sent into ingest as HEP.</summary>
    public long SipMessages { get; set; }
    /// <summary>HEP packets found inside the capture (a capture of HEP traffic), sent into ingest with the chosen capture id.</summary>
    public long HepPackets { get; set; }
    public long CaptureId { get; set; }
    public DateTimeOffset? First { get; set; }
    public DateTimeOffset? Last { get; set; }
    public Dictionary<string, long> Skipped { get; } = new(StringComparer.Ordinal);

    public long Imported => SipMessages + HepPackets;

    /// <summary>UDP or TCP datagrams put back together from IP fragments (each counted once, as its last fragment).</summary>
    public long IpDatagramsReassembled { get; set; }

    public void Skip(string reason, long count = 1)
    {
        if (count > 0)
            Skipped[reason] = Skipped.GetValueOrDefault(reason) + count;
    }
}

/// <summary>
/// Reads a capture frame by frame and sends what it holds into the node's HEP ingest (<see cref="IHepIngestSink"/>),
/// the path live HEP takes: SIP over UDP, SIP over TCP (streams put back together per flow, in order), and HEP packets
/// (a capture of what an agent sent), each as a HEP3 packet with the chosen capture id and the time it was captured.
/// </summary>
public sealed class PcapImporter(IHepIngestSink sink, uint captureId, string? nodeName, IPEndPoint uploader)
{
    /// <summary>Bytes a TCP flow may hold while a message is incomplete; more means it is not SIP.</summary>
    private const int MaxFlowBuffer = 256 * 1024;
    /// <summary>Flows held at once; beyond this the oldest are dropped (their incomplete messages counted).</summary>
    private const int MaxFlows = 16_384;
    /// <summary>Bytes all flows may hold together, so a hostile capture cannot make the import hold flows × buffer.</summary>
    private const long MaxBufferedBytes = 32L << 20;

    private long _buffered;

    private readonly FrameDissector _dissector = new();

    private readonly Dictionary<(IPAddress, int, IPAddress, int), Flow> _flows = [];

    private sealed class Flow
    {
        public uint? Next;
        public readonly List<byte> Buffer = [];
        public long LastFrame;
    }

    public async Task<ImportSummary> RunAsync(PcapReader reader, CancellationToken ct)
    {
        var summary = new ImportSummary { CaptureId = captureId };
        await reader.ReadHeaderAsync(ct);
        summary.Format = reader.Format;
        while (await reader.NextAsync(ct) is { } frame)
        {
            summary.Packets++;
            summary.First ??= frame.Timestamp;
            summary.Last = frame.Timestamp;
            var skip = _dissector.TryDissect(frame.LinkType, frame.Data, (frame.Timestamp - DateTimeOffset.UnixEpoch).Ticks / 10, out var segment);
            if (skip == FrameSkip.FragmentPending)
                continue;
            if (skip != FrameSkip.None)
            {
                summary.Skip(skip switch
                {
                    FrameSkip.LinkType => "link type " + frame.LinkType,
                    FrameSkip.NotIp => "not IP",
                    FrameSkip.BadFragment => "IP fragment that fits no datagram",
                    FrameSkip.NotUdpOrTcp => "not UDP or TCP",
                    FrameSkip.Empty => "empty",
                    _ => "truncated",
                });
                continue;
            }
            if (segment.IpProtocol == 17)
                await DatagramAsync(segment, frame.Timestamp, summary, ct);
            else
                await SegmentAsync(segment, frame, summary, ct);
        }
        summary.Bytes = reader.BytesRead;
        summary.IpDatagramsReassembled = _dissector.Reassembler.Completed;
        // Datagrams whose other fragments never came (or came too late): their fragments did not count as skipped yet.
        summary.Skip("IP datagram with fragments missing", _dissector.Reassembler.Expired + _dissector.Reassembler.PendingCount);
        foreach (var flow in _flows.Values)
            if (flow.Buffer.Count > 0)
                summary.Skip("TCP stream cut mid-message");
        return summary;
    }

    private async Task DatagramAsync(TransportSegment segment, DateTimeOffset at, ImportSummary summary, CancellationToken ct)
    {
        var payload = segment.Payload;
        if (IsHep3(payload.Span))
        {
            // A datagram holds one HEP packet; a TCP stream of them is split by the same length field.
            await HepAsync(payload, summary, ct);
            return;
        }
        if (payload.Span[0] is 1 or 2 && HepDecoder.TryDecode(payload.Span, out _, out _, out _))
        {
            await HepAsync(payload, summary, ct);
            return;
        }
        if (payload.Span.TrimStart("\r\n"u8).IsEmpty)
        {
            summary.Skip("keep-alive");
            return;
        }
        if (!LooksLikeSip(payload.Span))
        {
            summary.Skip("UDP, not SIP or HEP");
            return;
        }
        await SipAsync(segment, payload.ToArray(), at, summary, ct);
    }

    private async Task SegmentAsync(TransportSegment segment, PcapFrame frame, ImportSummary summary, CancellationToken ct)
    {
        var key = (segment.Source, segment.SourcePort, segment.Destination, segment.DestinationPort);
        if (!_flows.TryGetValue(key, out var flow))
        {
            if (segment.Payload.IsEmpty && !segment.Syn)
                return;
            if (_flows.Count >= MaxFlows)
                Evict(summary);
            _flows[key] = flow = new Flow();
        }
        flow.LastFrame = frame.Number;
        if (segment.Syn)
        {
            flow.Next = segment.Sequence + 1;
            Drop(flow);
            return;
        }
        var data = segment.Payload.Span;
        if (flow.Next is { } next && !data.IsEmpty)
        {
            var ahead = (int)(segment.Sequence - next);
            if (ahead < 0)
            {
                // A retransmission, or partly: keep only bytes not seen yet.
                if (-ahead >= data.Length)
                    return;
                data = data[-ahead..];
            }
            else if (ahead > 0)
            {
                // Bytes missing from the capture: what was being put together cannot be completed.
                if (flow.Buffer.Count > 0)
                    summary.Skip("TCP gap in the capture");
                Drop(flow);
            }
        }
        if (!data.IsEmpty)
        {
            flow.Next = segment.Sequence + (uint)segment.Payload.Length;
            flow.Buffer.AddRange(data);
            _buffered += data.Length;
        }
        await DrainAsync(segment, flow, frame.Timestamp, summary, ct);
        if (segment.Fin && flow.Buffer.Count == 0)
            _flows.Remove(key);
        if (_buffered > MaxBufferedBytes)
            Evict(summary);
    }

    /// <summary>Sends every complete message the flow's buffer holds; keeps an incomplete tail.</summary>
    private async Task DrainAsync(TransportSegment segment, Flow flow, DateTimeOffset at, ImportSummary summary, CancellationToken ct)
    {
        while (flow.Buffer.Count > 0)
        {
            var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(flow.Buffer);
            var skipped = bytes.Length - bytes.TrimStart("\r\n"u8).Length;
            if (skipped > 0)
            {
                Take(flow, skipped);
                continue;
            }
            int length;
            var hep = IsHep3(bytes);
            if (hep)
            {
                if (bytes.Length < 6)
                    return;
                length = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
                if (length < 6)
                {
                    summary.Skip("TCP, not SIP or HEP");
                    Drop(flow);
                    return;
                }
            }
            else if (!LooksLikeSip(bytes))
            {
                summary.Skip("TCP, not SIP or HEP");
                Drop(flow);
                return;
            }
            else
            {
                length = SipMessageLength(bytes);
            }
            if (length <= 0 || length > bytes.Length)
            {
                if (bytes.Length > MaxFlowBuffer)
                {
                    summary.Skip("TCP message too large");
                    Drop(flow);
                }
                return;
            }
            var message = bytes[..length].ToArray();
            Take(flow, length);
            if (hep)
                await HepAsync(message, summary, ct);
            else
                await SipAsync(segment, message, at, summary, ct);
        }
    }

    /// <summary>Drops the least recently seen quarter of the flows (their incomplete messages are counted as skipped).</summary>
    private void Evict(ImportSummary summary)
    {
        foreach (var (key, flow) in _flows.OrderBy(f => f.Value.LastFrame).Take(Math.Max(1, _flows.Count / 4)).ToList())
        {
            if (flow.Buffer.Count > 0)
                summary.Skip("TCP stream dropped: too many open flows");
            Drop(flow);
            _flows.Remove(key);
        }
    }

    private void Take(Flow flow, int count)
    {
        flow.Buffer.RemoveRange(0, count);
        _buffered -= count;
    }

    private void Drop(Flow flow)
    {
        _buffered -= flow.Buffer.Count;
        flow.Buffer.Clear();
    }

    private async Task SipAsync(TransportSegment segment, byte[] payload, DateTimeOffset at, ImportSummary summary, CancellationToken ct)
    {
        var hep = HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = (byte)(segment.Source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 10 : 2),
            IpProtocol = segment.IpProtocol,
            SourceAddress = segment.Source,
            DestinationAddress = segment.Destination,
            SourcePort = (ushort)segment.SourcePort,
            DestinationPort = (ushort)segment.DestinationPort,
            Timestamp = at,
            ProtocolType = HepProtocolType.Sip,
            CaptureId = captureId,
            NodeName = nodeName,
            Payload = payload,
        });
        await sink.SubmitAsync(hep, uploader, ct);
        summary.SipMessages++;
    }

    /// <summary>A captured HEP packet, re-encoded as HEP3 with the chosen capture id; its own time and addresses kept.</summary>
    private async Task HepAsync(ReadOnlyMemory<byte> data, ImportSummary summary, CancellationToken ct)
    {
        if (!HepDecoder.TryDecode(data.Span, out var packet, out var error, out _))
        {
            summary.Skip("HEP that does not decode (" + error + ")");
            return;
        }
        var hep = HepEncoder.Encode(packet.ToMessage(data.Span).ToHep3(captureId, nodeName));
        await sink.SubmitAsync(hep, uploader, ct);
        summary.HepPackets++;
    }

    private static bool IsHep3(ReadOnlySpan<byte> data) => data.StartsWith("HEP3"u8) || data.StartsWith("EEP3"u8);

    /// <summary>A SIP start line: "SIP/2.0 …" or "METHOD uri SIP/2.0" within the first line.</summary>
    public static bool LooksLikeSip(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("SIP/2.0 "u8))
            return true;
        var lineEnd = data.IndexOf((byte)'\n');
        var line = lineEnd < 0 ? data[..Math.Min(data.Length, 512)] : data[..lineEnd];
        var space = line.IndexOf((byte)' ');
        return space > 0 && line[..space].IndexOfAnyExceptInRange((byte)'A', (byte)'Z') < 0 && line.TrimEnd("\r"u8).EndsWith(" SIP/2.0"u8);
    }

    /// <summary>Header block plus Content-Length (long or compact form, 0 when absent); 0 while the headers are incomplete.</summary>
    public static int SipMessageLength(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf("\r\n\r\n"u8);
        var separator = 4;
        if (end < 0)
        {
            end = data.IndexOf("\n\n"u8);
            separator = 2;
            if (end < 0)
                return 0;
        }
        var contentLength = 0;
        foreach (var raw in Encoding.ASCII.GetString(data[..end]).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            var name = line[..colon].Trim();
            if ((name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("l", StringComparison.OrdinalIgnoreCase))
                && int.TryParse(line[(colon + 1)..].Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
                contentLength = n;
        }
        return end + separator + contentLength;
    }
}
