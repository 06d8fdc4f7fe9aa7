using System.Buffers.Binary;

namespace Homer.Agent.Capture;

/// <summary>One SCTP DATA chunk (RFC 9260 §3.3.1); <see cref="Data"/> points into the frame.</summary>
public ref struct SctpDataChunk
{
    public byte Flags;
    public uint Tsn;
    public ushort StreamId;
    public uint Ppid;
    public ReadOnlySpan<byte> Data;
    public readonly bool Begin => (Flags & 0x02) != 0;
    public readonly bool End => (Flags & 0x01) != 0;
    public readonly bool Unordered => (Flags & 0x04) != 0;
}

/// <summary>
/// SIP over SCTP (RFC 4168) from captured packets: walks the chunks of each SCTP packet, keeps the DATA chunks (ordered
/// or unordered, any PPID: SIP has none assigned and senders use 0), drops the DATA chunks that SCTP retransmitted
/// (their TSN was seen on that direction of the association) and puts fragmented user messages back together from
/// their B…E run of consecutive TSNs, which RFC 9260 §6.9 makes contiguous. Control chunks (INIT, SACK, HEARTBEAT…)
/// are skipped. Bounded: per direction <see cref="MaxPendingBytes"/> of fragments and <see cref="SeenWindow"/> TSNs
/// remembered; at most <see cref="MaxFlows"/> directions. Single-threaded, like the rest of a capture pipeline.
/// Not covered: I-DATA chunks (RFC 8260 interleaving, type 64) and SCTP over UDP encapsulation (RFC 6951).
/// </summary>
public sealed class SctpReassembler
{
    public const int CommonHeaderLength = 12;
    public const int DataHeaderLength = 16;
    public const int MaxPendingBytes = 256 * 1024;
    public const int SeenWindow = 4096;
    public const int MaxFlows = 20_000;

    private readonly Dictionary<FlowKey, Flow> _flows = [];
    private byte[] _message = new byte[4096];
    private int _messageLength;

    /// <summary>The user message the last <see cref="Add"/> put back together from fragments.</summary>
    public ReadOnlySpan<byte> Message => _message.AsSpan(0, _messageLength);

    public int FlowCount => _flows.Count;
    /// <summary>User messages put back together from several DATA chunks.</summary>
    public long Reassembled { get; private set; }

    /// <summary>
    /// The next DATA chunk of an SCTP packet's chunk area (after the 12-byte common header) from
    /// <paramref name="offset"/> on, which it advances. False at the end, or when a chunk's length is impossible
    /// (<paramref name="malformed"/>).
    /// </summary>
    public static bool TryNextData(ReadOnlySpan<byte> area, scoped ref int offset, out SctpDataChunk chunk, out bool malformed)
    {
        chunk = default;
        malformed = false;
        while (area.Length - offset >= 4)
        {
            var chunks = area[offset..];
            var type = chunks[0];
            int length = BinaryPrimitives.ReadUInt16BigEndian(chunks[2..]);
            if (length < 4 || length > chunks.Length)
            {
                malformed = true;
                offset = area.Length;
                return false;
            }

            var body = chunks[..length];
            // Chunks are padded to 4 bytes; the last chunk's padding may be missing from a short capture.
            offset += Math.Min(chunks.Length, (length + 3) & ~3);
            if (type != 0) continue;
            if (length < DataHeaderLength)
            {
                malformed = true;
                offset = area.Length;
                return false;
            }

            chunk.Flags = body[1];
            chunk.Tsn = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
            chunk.StreamId = BinaryPrimitives.ReadUInt16BigEndian(body[8..]);
            chunk.Ppid = BinaryPrimitives.ReadUInt32BigEndian(body[12..]);
            chunk.Data = body[DataHeaderLength..];
            return true;
        }

        return false;
    }

    /// <summary>
    /// Takes one DATA chunk of the direction <paramref name="packet"/> describes. True when this chunk completes a user
    /// message: the chunk's own <see cref="SctpDataChunk.Data"/> when it is whole (B and E set), else
    /// <see cref="Message"/> (valid until the next call). False with
    /// <paramref name="reason"/>: <see cref="DropReason.SctpDuplicate"/> for a retransmission,
    /// <see cref="DropReason.FragmentPending"/> while fragments are missing, <see cref="DropReason.FragmentError"/>
    /// when a direction's pending fragments passed the limit and were given up.
    /// </summary>
    public bool Add(scoped in L4Packet packet, scoped in SctpDataChunk chunk, out DropReason reason)
    {
        reason = DropReason.None;
        var key = FlowKey.Of(in packet);
        if (!_flows.TryGetValue(key, out var flow))
        {
            // A capture that sees endless associations (scans, restarts) must not grow without bound.
            if (_flows.Count >= MaxFlows) _flows.Clear();
            _flows[key] = flow = new Flow();
        }

        if (!flow.Seen.Add(chunk.Tsn))
        {
            reason = DropReason.SctpDuplicate;
            return false;
        }

        flow.SeenOrder.Enqueue(chunk.Tsn);
        if (flow.SeenOrder.Count > SeenWindow) flow.Seen.Remove(flow.SeenOrder.Dequeue());

        if (chunk.Begin && chunk.End) return true;

        if (flow.PendingBytes + chunk.Data.Length > MaxPendingBytes)
        {
            flow.Pending.Clear();
            flow.PendingBytes = 0;
            reason = DropReason.FragmentError;
            return false;
        }

        flow.Pending[chunk.Tsn] = new Fragment(chunk.Flags, chunk.Data.ToArray());
        flow.PendingBytes += chunk.Data.Length;

        // Walk back to the run's first fragment and forward to its last; TSNs are serial numbers (wrap at 2^32).
        var first = chunk.Tsn;
        var steps = 0;
        while (!flow.Pending[first].Begin)
        {
            if (!flow.Pending.ContainsKey(first - 1) || ++steps > flow.Pending.Count)
            {
                reason = DropReason.FragmentPending;
                return false;
            }

            first--;
        }

        var last = chunk.Tsn;
        while (!flow.Pending[last].End)
        {
            if (!flow.Pending.ContainsKey(last + 1) || ++steps > flow.Pending.Count)
            {
                reason = DropReason.FragmentPending;
                return false;
            }

            last++;
        }

        var length = 0;
        for (var t = first; ; t++)
        {
            length += flow.Pending[t].Data.Length;
            if (t == last) break;
        }

        if (_message.Length < length) _message = new byte[Math.Max(length, _message.Length * 2)];
        var at = 0;
        for (var t = first; ; t++)
        {
            var f = flow.Pending[t];
            f.Data.CopyTo(_message, at);
            at += f.Data.Length;
            flow.Pending.Remove(t);
            flow.PendingBytes -= f.Data.Length;
            if (t == last) break;
        }

        Reassembled++;
        _messageLength = length;
        return true;
    }

    private readonly record struct Fragment(byte Flags, byte[] Data)
    {
        public bool Begin => (Flags & 0x02) != 0;
        public bool End => (Flags & 0x01) != 0;
    }

    private sealed class Flow
    {
        public readonly HashSet<uint> Seen = [];
        public readonly Queue<uint> SeenOrder = new();
        public readonly Dictionary<uint, Fragment> Pending = [];
        public int PendingBytes;
    }

    /// <summary>One direction of an association: addresses (IPv4 in the low bytes) and ports.</summary>
    private readonly record struct FlowKey(UInt128 Source, UInt128 Destination, uint Ports)
    {
        public static FlowKey Of(scoped in L4Packet p) => new(Address(p.Source), Address(p.Destination),
            (uint)p.SourcePort << 16 | p.DestinationPort);

        private static UInt128 Address(ReadOnlySpan<byte> a) =>
            a.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(a) : BinaryPrimitives.ReadUInt32BigEndian(a);
    }
}
