using System.Buffers.Binary;

namespace Homer.Capture;

/// <summary>What one fragment did to its datagram.</summary>
public enum FragmentResult
{
    /// <summary>The datagram is whole: the payload is its transport header and data.</summary>
    Complete,
    /// <summary>Kept until the rest arrives (or the datagram expires).</summary>
    Pending,
    /// <summary>Beyond 64 KiB, a non-final fragment whose length is no multiple of 8, or too many datagrams pending.</summary>
    Invalid,
}

/// <summary>
/// Reassembles IPv4 and IPv6 fragments into the original transport payload. Memory is bounded by
/// <see cref="MaxPending"/> datagrams and <see cref="MaxDatagram"/> bytes each; datagrams that stay incomplete longer
/// than <see cref="TimeoutMicros"/> (capture time, so file replay behaves like live capture) are dropped and counted.
/// The agent's live capture and the server's PCAP import use the same one, so a fragmented INVITE reads the same in both.
/// </summary>
public sealed class IpReassembler
{
    public const int MaxDatagram = 65_535;
    public int MaxPending { get; init; } = 4096;
    public long TimeoutMicros { get; init; } = 30_000_000;

    private readonly Dictionary<Key, Pending> _pending = [];
    private long _lastSweep;

    public long Expired { get; private set; }
    public long Overflowed { get; private set; }
    public long Completed { get; private set; }
    public int PendingCount => _pending.Count;

    private readonly record struct Key(UInt128 Source, UInt128 Destination, uint Id, byte Protocol);

    private sealed class Pending
    {
        public readonly List<(int Offset, byte[] Data)> Parts = [];
        public int TotalLength = -1;
        public long FirstSeen;
    }

    /// <summary>
    /// Adds one fragment. <see cref="FragmentResult.Complete"/> with the whole payload (a new array) once every byte
    /// from 0 to the end announced by the last fragment has arrived.
    /// </summary>
    public FragmentResult Add(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, uint id, byte protocol, int offset,
        bool moreFragments, ReadOnlySpan<byte> data, long nowMicros, out byte[] payload)
    {
        payload = [];
        Sweep(nowMicros);
        if (offset + data.Length > MaxDatagram || (moreFragments && data.Length % 8 != 0 && data.Length > 0))
            return FragmentResult.Invalid;

        var key = new Key(ToUInt128(source), ToUInt128(destination), id, protocol);
        if (!_pending.TryGetValue(key, out var p))
        {
            if (_pending.Count >= MaxPending)
            {
                Overflowed++;
                return FragmentResult.Invalid;
            }

            p = new Pending { FirstSeen = nowMicros };
            _pending[key] = p;
        }

        p.Parts.Add((offset, data.ToArray()));
        if (!moreFragments)
            p.TotalLength = offset + data.Length;
        if (p.TotalLength < 0)
            return FragmentResult.Pending;

        p.Parts.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
        var covered = 0;
        foreach (var (o, d) in p.Parts)
        {
            if (o > covered)
                return FragmentResult.Pending;
            covered = Math.Max(covered, o + d.Length);
        }

        if (covered < p.TotalLength)
            return FragmentResult.Pending;

        var whole = new byte[p.TotalLength];
        // Later copies win on overlap, as Linux does for the non-malicious overlaps seen on real networks.
        foreach (var (o, d) in p.Parts)
        {
            // A part that starts past the end the final fragment announced is not part of this datagram.
            if (o < p.TotalLength)
                d.AsSpan(0, Math.Min(d.Length, p.TotalLength - o)).CopyTo(whole.AsSpan(o));
        }
        _pending.Remove(key);
        Completed++;
        payload = whole;
        return FragmentResult.Complete;
    }

    private void Sweep(long now)
    {
        if (now - _lastSweep < 1_000_000 || _pending.Count == 0)
        {
            if (_lastSweep == 0) _lastSweep = now;
            return;
        }

        _lastSweep = now;
        List<Key>? stale = null;
        foreach (var (k, p) in _pending)
            if (now - p.FirstSeen > TimeoutMicros)
                (stale ??= []).Add(k);
        if (stale is null) return;
        foreach (var k in stale)
            _pending.Remove(k);
        Expired += stale.Count;
    }

    private static UInt128 ToUInt128(ReadOnlySpan<byte> address) =>
        address.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(address)
        : BinaryPrimitives.ReadUInt32BigEndian(address);
}
