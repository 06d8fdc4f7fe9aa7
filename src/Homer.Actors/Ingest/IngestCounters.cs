namespace Homer.Actors.Ingest;

/// <summary>Why an ingested packet did not become a stored message. Every drop has one of these reasons.</summary>
public enum DropReason
{
    /// <summary>Not a HEP packet (or a broken one): nothing in it can be trusted to be a message.</summary>
    DecodeError,
    /// <summary>The listener requires an auth key and the packet carried none or another.</summary>
    Auth,
    /// <summary>The UDP edge buffer was full: the graph was behind.</summary>
    BufferFull,
    /// <summary>
    /// Lost on the way to PostgreSQL: it was unreachable for every attempt and the spool could not take the batch, or it
    /// refused the message for good and the quarantine could not take it either.
    /// </summary>
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
    private long _connections;
    private long _spooled;
    private long _replayed;
    private long _quarantined;
    private long _streamBytesSkipped;
    private long _streamFramesTimedOut;
    private readonly long[] _dropped = new long[Enum.GetValues<DropReason>().Length];

    public long Received => Interlocked.Read(ref _received);
    public long Decoded => Interlocked.Read(ref _decoded);
    /// <summary>HEP packets whose payload did not parse as its type says; they are stored raw all the same.</summary>
    public long UnparsedKept => Interlocked.Read(ref _unparsedKept);
    public long Stored => Interlocked.Read(ref _stored);
    public long RoutedToDialogs => Interlocked.Read(ref _routed);
    /// <summary>Messages written to the disk spool because PostgreSQL did not take them.</summary>
    public long Spooled => Interlocked.Read(ref _spooled);
    /// <summary>Spooled messages stored since.</summary>
    public long Replayed => Interlocked.Read(ref _replayed);
    /// <summary>Messages PostgreSQL refused for good, isolated from their batch and kept in the quarantine table.</summary>
    public long Quarantined => Interlocked.Read(ref _quarantined);
    /// <summary>Open TCP/TLS connections right now.</summary>
    public long Connections => Interlocked.Read(ref _connections);
    /// <summary>Bytes of TCP/TLS streams skipped to find the next HEP3 packet.</summary>
    public long StreamBytesSkipped => Interlocked.Read(ref _streamBytesSkipped);
    /// <summary>TCP/TLS connections closed because a packet did not arrive whole within the frame deadline.</summary>
    public long StreamFramesTimedOut => Interlocked.Read(ref _streamFramesTimedOut);
    public long Dropped(DropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);
    public long DroppedTotal => Enum.GetValues<DropReason>().Sum(Dropped);

    public void OnReceived() => Interlocked.Increment(ref _received);
    public void OnDecoded() => Interlocked.Increment(ref _decoded);
    public void OnUnparsedKept() => Interlocked.Increment(ref _unparsedKept);
    public void OnStored(long count) => Interlocked.Add(ref _stored, count);
    public void OnRouted() => Interlocked.Increment(ref _routed);
    public void OnSpooled(long count) => Interlocked.Add(ref _spooled, count);
    public void OnReplayed(long count) => Interlocked.Add(ref _replayed, count);
    public void OnQuarantined(long count) => Interlocked.Add(ref _quarantined, count);
    public void OnConnectionOpened() => Interlocked.Increment(ref _connections);
    public void OnConnectionClosed() => Interlocked.Decrement(ref _connections);
    public void OnStreamBytesSkipped(long count) => Interlocked.Add(ref _streamBytesSkipped, count);
    public void OnStreamFrameTimedOut() => Interlocked.Increment(ref _streamFramesTimedOut);
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
            ["spooled"] = Spooled,
            ["replayed"] = Replayed,
            ["quarantined"] = Quarantined,
            ["connections"] = Connections,
            ["streamBytesSkipped"] = StreamBytesSkipped,
            ["streamFramesTimedOut"] = StreamFramesTimedOut,
        };
        foreach (var reason in Enum.GetValues<DropReason>())
            result["dropped." + reason] = Dropped(reason);
        return result;
    }
}
