namespace Homer.Actors.Ingest;

/// <summary>
/// The bytes of HEP packets waiting in the edge buffer, bounded: the buffer's packet count alone would let 100 000
/// packets of 64 KiB (6.4 GB) wait. UDP drops a packet that does not fit (counted <c>BufferFull</c>), TCP/TLS waits
/// for room; the graph gives the bytes back as it decodes. Sized from the node's heap limit (docs/operations.md,
/// "Memory envelope"). Thread-safe.
/// </summary>
public sealed class EdgeBytes(long limit)
{
    private long _held;

    /// <summary>At most this many bytes wait; 0 or less: no bound.</summary>
    public long Limit { get; } = limit;

    public long Held => Interlocked.Read(ref _held);

    /// <summary>Takes room for <paramref name="bytes"/>, or false when the buffer holds too much already.</summary>
    public bool TryReserve(int bytes)
    {
        var after = Interlocked.Add(ref _held, bytes);
        if (Limit <= 0 || after <= Limit || after == bytes)
            return true;
        Interlocked.Add(ref _held, -bytes);
        return false;
    }

    /// <summary>Waits until <paramref name="bytes"/> fit (a packet larger than the whole limit gets in when the buffer is empty).</summary>
    public async ValueTask ReserveAsync(int bytes, CancellationToken ct)
    {
        var wait = 1;
        while (!TryReserve(bytes))
        {
            await Task.Delay(wait, ct);
            wait = Math.Min(wait * 2, 50);
        }
    }

    public void Release(int bytes) => Interlocked.Add(ref _held, -bytes);
}
