using System.Buffers.Binary;

namespace Homer.Agent.Capture;

/// <summary>
/// Per-direction TCP byte streams cut into SIP messages by Content-Length. Handles several messages per segment, one
/// message over several segments, retransmissions and overlaps (trimmed), and a bounded amount of reordering. A stream
/// we cannot follow (a gap that never fills, bytes that are not SIP) is dropped and picked up again at the next segment
/// that starts a SIP message.
/// </summary>
public sealed class TcpReassembler
{
    public int MaxFlows { get; init; } = 65_536;
    public int MaxOutOfOrderSegments { get; init; } = 64;
    public long IdleTimeoutMicros { get; init; } = 300_000_000;
    /// <summary>Where per-message drops inside a stream (WebSocket) are counted.</summary>
    public CaptureStats? Stats { get; init; }

    private readonly Dictionary<FlowKey, Flow> _flows = [];
    private long _lastSweep;

    public int FlowCount => _flows.Count;
    public long Desyncs { get; private set; }
    public long GapsAbandoned { get; private set; }
    public long BufferedBytes { get; private set; }

    private readonly record struct FlowKey(UInt128 Source, UInt128 Destination, ushort SourcePort, ushort DestinationPort);

    private sealed class Flow
    {
        public uint NextSeq;
        public byte[] Buffer = new byte[4096];
        public int Length;
        public long StartTimestamp;
        public long LastSeen;
        public bool Resync;
        public SortedDictionary<uint, (byte[] Data, long Timestamp)>? Pending;
        /// <summary>Set on WebSocket ports: the stream is cut into WebSocket frames instead of by Content-Length.</summary>
        public WebSocketStream? Ws;
    }

    /// <summary>
    /// Feeds one segment; emits complete messages to <paramref name="sink"/>. Returns the reason when the segment was
    /// not used. <paramref name="webSocket"/>: the connection carries SIP over WebSocket (RFC 7118).
    /// </summary>
    public DropReason Add(ref L4Packet packet, IPacketSink sink, bool webSocket = false)
    {
        var now = packet.TimestampMicros;
        Sweep(now);
        var key = new FlowKey(Key(packet.Source), Key(packet.Destination), packet.SourcePort, packet.DestinationPort);
        var syn = (packet.TcpFlags & 0x02) != 0;
        var finOrRst = (packet.TcpFlags & 0x05) != 0;
        _flows.TryGetValue(key, out var flow);

        if (syn)
        {
            if (flow is null)
            {
                if (_flows.Count >= MaxFlows) return DropReason.TcpFlowLimit;
                flow = new Flow();
                _flows[key] = flow;
            }

            flow.Ws = webSocket ? flow.Ws ?? new WebSocketStream() : null;
            Reset(flow);
            flow.NextSeq = packet.TcpSequence + 1;
            flow.LastSeen = now;
            return DropReason.EmptyPayload;
        }

        var payload = packet.Payload;
        if (flow is null)
        {
            if (payload.IsEmpty) return DropReason.EmptyPayload;
            // Joining mid-stream: only at a segment that starts a message, so framing starts on a boundary.
            if (!StartsMessage(webSocket, payload)) return DropReason.NotSip;
            if (_flows.Count >= MaxFlows) return DropReason.TcpFlowLimit;
            flow = new Flow { NextSeq = packet.TcpSequence, Ws = webSocket ? new WebSocketStream() : null };
            _flows[key] = flow;
        }

        flow.LastSeen = now;
        var result = DropReason.EmptyPayload;
        if (!payload.IsEmpty)
            result = Accept(flow, packet.TcpSequence, payload, now, ref packet, sink);

        if (finOrRst)
        {
            BufferedBytes -= flow.Length;
            _flows.Remove(key);
        }

        return result;
    }

    private DropReason Accept(Flow flow, uint seq, ReadOnlySpan<byte> payload, long now, ref L4Packet packet, IPacketSink sink)
    {
        var diff = (int)(seq - flow.NextSeq);
        if (diff > 0)
        {
            flow.Pending ??= [];
            if (flow.Pending.Count >= MaxOutOfOrderSegments)
            {
                // The gap is not going to fill: give up on it and restart at this segment if it starts a message.
                GapsAbandoned++;
                Reset(flow);
                flow.Resync = true;
                flow.NextSeq = seq;
                return Append(flow, payload, now, ref packet, sink) ? DropReason.None : DropReason.TcpOutOfWindow;
            }

            flow.Pending[seq] = (payload.ToArray(), now);
            return DropReason.None;
        }

        if (diff < 0)
        {
            if (-diff >= payload.Length) return DropReason.None; // pure retransmission
            payload = payload[-diff..];
        }

        var used = Append(flow, payload, now, ref packet, sink);
        while (flow.Pending is { Count: > 0 })
        {
            var (first, segment) = Next(flow.Pending, flow.NextSeq);
            var d = (int)(first - flow.NextSeq);
            if (d > 0) break;
            flow.Pending.Remove(first);
            if (-d < segment.Data.Length)
                Append(flow, segment.Data.AsSpan(-d), segment.Timestamp, ref packet, sink);
        }

        return used ? DropReason.None : flow.Ws is null ? DropReason.TcpDesync : DropReason.WsDesync;
    }

    /// <summary>The held segment closest after (or overlapping) the next expected byte, in sequence space that wraps.</summary>
    private static (uint, (byte[] Data, long Timestamp)) Next(SortedDictionary<uint, (byte[] Data, long Timestamp)> pending, uint nextSeq)
    {
        var best = default(KeyValuePair<uint, (byte[] Data, long Timestamp)>);
        var bestDistance = int.MaxValue;
        foreach (var kv in pending)
        {
            var distance = (int)(kv.Key - nextSeq);
            if (distance < bestDistance)
            {
                best = kv;
                bestDistance = distance;
            }
        }

        return (best.Key, best.Value);
    }

    private bool Append(Flow flow, ReadOnlySpan<byte> data, long timestamp, ref L4Packet packet, IPacketSink sink)
    {
        flow.NextSeq += (uint)data.Length;
        if (flow.Resync)
        {
            if (!StartsMessage(flow.Ws is not null, data)) return false;
            flow.Resync = false;
        }

        if (flow.Ws is not null) return AppendWebSocket(flow, data, timestamp, ref packet, sink);

        if (flow.Length == 0)
        {
            // Fast path: whole messages in one segment need no copy.
            var offset = 0;
            while (offset < data.Length)
            {
                var rest = SipFraming.SkipCrLf(data[offset..], out var skipped);
                offset += skipped;
                if (rest.IsEmpty) return true;
                if (!SipFraming.LooksLikeSip(rest) && rest.Length >= 64)
                    return Desync(flow);
                var status = SipFraming.TryFrame(rest, out var length);
                if (status == SipFraming.FrameStatus.Invalid) return Desync(flow);
                if (status == SipFraming.FrameStatus.NeedMore) break;
                Emit(rest[..length], timestamp, ref packet, sink);
                offset += length;
            }

            if (offset < data.Length)
            {
                Store(flow, data[offset..]);
                flow.StartTimestamp = timestamp;
            }

            return true;
        }

        Store(flow, data);
        var consumed = 0;
        while (consumed < flow.Length)
        {
            var rest = SipFraming.SkipCrLf(flow.Buffer.AsSpan(consumed, flow.Length - consumed), out var skipped);
            consumed += skipped;
            if (rest.IsEmpty) break;
            if (!SipFraming.LooksLikeSip(rest) && rest.Length >= 64)
                return Desync(flow);
            var status = SipFraming.TryFrame(rest, out var length);
            if (status == SipFraming.FrameStatus.Invalid) return Desync(flow);
            if (status == SipFraming.FrameStatus.NeedMore) break;
            Emit(rest[..length], flow.StartTimestamp, ref packet, sink);
            consumed += length;
            // What follows arrived with this segment.
            flow.StartTimestamp = timestamp;
        }

        if (consumed > 0)
        {
            flow.Buffer.AsSpan(consumed, flow.Length - consumed).CopyTo(flow.Buffer);
            flow.Length -= consumed;
            BufferedBytes -= consumed;
        }

        return true;
    }

    private bool AppendWebSocket(Flow flow, ReadOnlySpan<byte> data, long timestamp, ref L4Packet packet, IPacketSink sink)
    {
        var ws = flow.Ws!;
        if (flow.Length == 0)
        {
            // Fast path: whole frames in one segment need no copy into the flow's buffer.
            if (ws.Consume(data, timestamp, timestamp, ref packet, sink, Stats, out var used) == WebSocketStream.Status.Invalid)
                return Desync(flow);
            if (used < data.Length)
            {
                Store(flow, data[used..]);
                flow.StartTimestamp = timestamp;
            }

            return true;
        }

        Store(flow, data);
        if (ws.Consume(flow.Buffer.AsSpan(0, flow.Length), flow.StartTimestamp, timestamp, ref packet, sink, Stats, out var consumed)
            == WebSocketStream.Status.Invalid)
            return Desync(flow);
        if (consumed > 0)
        {
            flow.Buffer.AsSpan(consumed, flow.Length - consumed).CopyTo(flow.Buffer);
            flow.Length -= consumed;
            BufferedBytes -= consumed;
            flow.StartTimestamp = timestamp;
        }

        return true;
    }

    private static bool StartsMessage(bool webSocket, ReadOnlySpan<byte> data) =>
        webSocket ? WebSocketStream.LooksLikeStart(data) : SipFraming.LooksLikeSip(data);

    private static void Emit(ReadOnlySpan<byte> message, long timestamp, ref L4Packet packet, IPacketSink sink)
    {
        var copy = packet;
        copy.Payload = message;
        copy.TimestampMicros = timestamp;
        sink.OnSip(ref copy);
    }

    private void Store(Flow flow, ReadOnlySpan<byte> data)
    {
        if (flow.Length + data.Length > flow.Buffer.Length)
            Array.Resize(ref flow.Buffer, Math.Max(flow.Buffer.Length * 2, flow.Length + data.Length));
        data.CopyTo(flow.Buffer.AsSpan(flow.Length));
        flow.Length += data.Length;
        BufferedBytes += data.Length;
    }

    private bool Desync(Flow flow)
    {
        Desyncs++;
        var next = flow.NextSeq;
        Reset(flow);
        flow.NextSeq = next;
        flow.Resync = true;
        return false;
    }

    private void Reset(Flow flow)
    {
        BufferedBytes -= flow.Length;
        flow.Length = 0;
        flow.Pending = null;
        flow.Resync = false;
        flow.Ws?.Reset();
        if (flow.Buffer.Length > 65_536) flow.Buffer = new byte[4096];
    }

    private void Sweep(long now)
    {
        if (now - _lastSweep < 10_000_000)
        {
            if (_lastSweep == 0) _lastSweep = now;
            return;
        }

        _lastSweep = now;
        List<FlowKey>? idle = null;
        foreach (var (k, f) in _flows)
            if (now - f.LastSeen > IdleTimeoutMicros)
                (idle ??= []).Add(k);
        if (idle is null) return;
        foreach (var k in idle)
        {
            BufferedBytes -= _flows[k].Length;
            _flows.Remove(k);
        }
    }

    private static UInt128 Key(ReadOnlySpan<byte> address) =>
        address.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(address) : BinaryPrimitives.ReadUInt32BigEndian(address);
}
