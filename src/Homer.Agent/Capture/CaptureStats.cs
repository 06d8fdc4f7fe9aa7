using System.Text.Json;

namespace Homer.Agent.Capture;

/// <summary>Counters of the capture path. Written by the capture thread only; readers see eventually consistent values.</summary>
public sealed class CaptureStats
{
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];

    public long Frames;
    public long Bytes;
    public long SipUdp;
    public long SipTcp;
    /// <summary>SIP messages taken from WebSocket frames (also TCP, counted apart).</summary>
    public long SipWs;
    /// <summary>SIP messages taken from SCTP DATA chunks (RFC 4168).</summary>
    public long SipSctp;
    public long Rtcp;
    /// <summary>RTP packets of SDP-announced streams that the RTP analysis measured.</summary>
    public long Rtp;
    /// <summary>RTP stream reports sent (interim and final).</summary>
    public long RtpReports;

    public long SipMessages => SipUdp + SipTcp + SipWs + SipSctp;

    public void Drop(DropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    public long Dropped(DropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    /// <summary>Totals over several inputs.</summary>
    public static CaptureStats Sum(IEnumerable<CaptureStats> all)
    {
        var total = new CaptureStats();
        foreach (var s in all)
        {
            total.Frames += s.Frames;
            total.Bytes += s.Bytes;
            total.SipUdp += s.SipUdp;
            total.SipTcp += s.SipTcp;
            total.SipWs += s.SipWs;
            total.SipSctp += s.SipSctp;
            total.Rtcp += s.Rtcp;
            total.Rtp += s.Rtp;
            total.RtpReports += s.RtpReports;
            for (var i = 0; i < total._drops.Length; i++) total._drops[i] += s._drops[i];
        }

        return total;
    }

    /// <summary>The counters as JSON properties, for the end-of-run summary and the live API's stats.</summary>
    public void WriteCounters(Utf8JsonWriter w)
    {
        w.WriteNumber("frames", Interlocked.Read(ref Frames));
        w.WriteNumber("bytes", Interlocked.Read(ref Bytes));
        w.WriteNumber("sipUdp", Interlocked.Read(ref SipUdp));
        w.WriteNumber("sipTcp", Interlocked.Read(ref SipTcp));
        w.WriteNumber("sipWs", Interlocked.Read(ref SipWs));
        w.WriteNumber("sipSctp", Interlocked.Read(ref SipSctp));
        w.WriteNumber("rtcp", Interlocked.Read(ref Rtcp));
        w.WriteNumber("rtp", Interlocked.Read(ref Rtp));
        w.WriteNumber("rtpReports", Interlocked.Read(ref RtpReports));
    }

    /// <summary>The drops by reason as a JSON object named "dropped".</summary>
    public void WriteDrops(Utf8JsonWriter w)
    {
        w.WriteStartObject("dropped");
        foreach (var (k, v) in DropsByReason()) w.WriteNumber(k, v);
        w.WriteEndObject();
    }

    public IReadOnlyDictionary<string, long> DropsByReason()
    {
        var result = new SortedDictionary<string, long>();
        foreach (var r in Enum.GetValues<DropReason>())
            if (r != DropReason.None && Dropped(r) > 0)
                result[r.ToString()] = Dropped(r);
        return result;
    }
}
