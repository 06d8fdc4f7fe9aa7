namespace Homer.Actors.Ingest;

/// <summary>Why an ingested packet did not become a stored message. Every drop has one of these reasons.</summary>
public enum DropReason
{
    DecodeError,
    BufferFull,
    StorageFailure,
}

/// <summary>
/// Process-wide ingest counters, updated lock-free from the receive loop and the graph; read by health, metrics
/// and the API. Nothing is dropped without one of these moving.
/// </summary>
public sealed class IngestCounters
{
    private long _received;
    private long _decoded;
    private long _unparsedKept;
    private long _stored;
    private long _routed;
    private readonly long[] _dropped = new long[Enum.GetValues<DropReason>().Length];

    public long Received => Interlocked.Read(ref _received);
    public long Decoded => Interlocked.Read(ref _decoded);
    /// <summary>HEP packets whose payload did not parse as its type says; they are stored raw all the same.</summary>
    public long UnparsedKept => Interlocked.Read(ref _unparsedKept);
    public long Stored => Interlocked.Read(ref _stored);
    public long RoutedToDialogs => Interlocked.Read(ref _routed);
    public long Dropped(DropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);
    public long DroppedTotal => Enum.GetValues<DropReason>().Sum(Dropped);

    public void OnReceived() => Interlocked.Increment(ref _received);
    public void OnDecoded() => Interlocked.Increment(ref _decoded);
    public void OnUnparsedKept() => Interlocked.Increment(ref _unparsedKept);
    public void OnStored(long count) => Interlocked.Add(ref _stored, count);
    public void OnRouted() => Interlocked.Increment(ref _routed);
    public void OnDropped(DropReason reason, long count = 1) => Interlocked.Add(ref _dropped[(int)reason], count);

    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var result = new Dictionary<string, long>
        {
            ["received"] = Received,
            ["decoded"] = Decoded,
            ["unparsedKept"] = UnparsedKept,
            ["stored"] = Stored,
            ["routedToDialogs"] = RoutedToDialogs,
        };
        foreach (var reason in Enum.GetValues<DropReason>())
            result["dropped." + reason] = Dropped(reason);
        return result;
    }
}
