namespace Homer.Storage.Stats;

/// <summary>
/// Heavy-hitter counts of keys that come from the wire in unbounded variety (source addresses, user agents), per
/// capture minute, HEP node and capture id, for the "top" lists of the statistics.
/// <para>
/// Counting every distinct key exactly cost one counter row per key, minute and bucket width: with a phone per call
/// that was most of the statistics' rows, and a scanner spraying from spoofed addresses could grow the table without
/// bound. Here each group holds fewer than twice <see cref="Capacity"/> keys; when it reaches that, the Misra–Gries step
/// takes the (capacity+1)-th largest count off every key and forgets the ones left at zero, which leaves at most
/// capacity. So a group is exact while fewer than 2 × capacity distinct keys come between two takes; past that, every
/// key seen more than N / (capacity + 1) times of the group's N is kept, and each kept count is low by at most that much.
/// </para>
/// Not thread-safe: <see cref="MessageTopKeys"/> locks around it.
/// </summary>
public sealed class TopKeyCounter<TKey>(int capacity) where TKey : notnull
{
    private readonly record struct Group(long Minute, string Node, long CaptureId);

    private Dictionary<Group, Dictionary<TKey, long>> _groups = [];

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public bool IsEmpty => _groups.Count == 0;

    public void Add(long timestampMicros, string? node, long captureId, TKey key, long count = 1)
    {
        var group = new Group(timestampMicros - timestampMicros % (60L * 1_000_000), node ?? "", captureId);
        if (!_groups.TryGetValue(group, out var keys))
            _groups[group] = keys = [];
        keys.TryGetValue(key, out var n);
        keys[key] = n + count;
        if (keys.Count >= 2 * Capacity)
            Prune(keys, Capacity);
    }

    /// <summary>Everything counted since the last take (fewer than twice <see cref="Capacity"/> keys per group), and starts afresh.</summary>
    public IReadOnlyList<(long MinuteMicros, string Node, long CaptureId, TKey Key, long Count)> Take()
    {
        var groups = _groups;
        _groups = [];
        var rows = new List<(long, string, long, TKey, long)>();
        foreach (var (group, keys) in groups)
        {
            foreach (var (key, count) in keys)
                rows.Add((group.Minute, group.Node, group.CaptureId, key, count));
        }
        return rows;
    }

    /// <summary>Puts back what a failed write took, so the next flush writes it.</summary>
    public void Restore(IEnumerable<(long MinuteMicros, string Node, long CaptureId, TKey Key, long Count)> rows)
    {
        foreach (var row in rows)
            Add(row.MinuteMicros, row.Node, row.CaptureId, row.Key, row.Count);
    }

    private static void Prune(Dictionary<TKey, long> keys, int capacity)
    {
        var counts = new long[keys.Count];
        keys.Values.CopyTo(counts, 0);
        Array.Sort(counts);
        // The (capacity+1)-th largest: taking it off every key leaves at most `capacity` keys above zero.
        var cut = counts[^(capacity + 1)];
        var survivors = new List<KeyValuePair<TKey, long>>(capacity);
        foreach (var entry in keys)
        {
            if (entry.Value > cut)
                survivors.Add(new(entry.Key, entry.Value - cut));
        }
        keys.Clear();
        foreach (var (key, count) in survivors)
            keys[key] = count;
    }
}
