namespace Homer.Agent.Capture;

/// <summary>Counters of the capture path. Written by the capture thread only; readers see eventually consistent values.</summary>
public sealed class CaptureStats
{
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];

    public long Frames;
    public long Bytes;
    public long SipUdp;
    public long SipTcp;
    public long Rtcp;

    public long SipMessages => SipUdp + SipTcp;

    public void Drop(DropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    public long Dropped(DropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    public IReadOnlyDictionary<string, long> DropsByReason()
    {
        var result = new SortedDictionary<string, long>();
        foreach (var r in Enum.GetValues<DropReason>())
            if (r != DropReason.None && Dropped(r) > 0)
                result[r.ToString()] = Dropped(r);
        return result;
    }
}
