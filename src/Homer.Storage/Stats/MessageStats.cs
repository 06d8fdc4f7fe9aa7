namespace Homer.Storage.Stats;

/// <summary>What a batch of captured messages adds to the statistics: SIP methods, responses, sources, user agents and
/// REGISTER outcomes. Counted as stored (a message captured by two agents counts twice, as HOMER counts it).</summary>
public static class MessageStats
{
    private const byte SipProtocolType = 1;

    public static StatsDelta Count(IReadOnlyList<CapturedMessage> batch)
    {
        var delta = new StatsDelta();
        foreach (var m in batch)
            Add(delta, m);
        return delta;
    }

    public static void Add(StatsDelta delta, CapturedMessage m)
    {
        if (m.ProtocolType != SipProtocolType || m.ParseError is not null)
            return;
        var ts = m.TimestampMicros;
        var node = m.NodeName;
        var capture = m.CaptureId;
        if (m.Method is { } method)
        {
            delta.Add(ts, StatsMetrics.Request, method, node, capture);
            if (m.UserAgent is { Length: > 0 } ua)
                delta.Add(ts, StatsMetrics.UserAgent, ua, node, capture);
        }
        else if (m.StatusCode is { } status)
        {
            var cseqMethod = m.CSeqMethod ?? "";
            delta.Add(ts, StatsMetrics.Response, ResponseKey(status, cseqMethod), node, capture);
            if (cseqMethod == "REGISTER" && status >= 200)
                delta.Add(ts, StatsMetrics.Registration, status switch
                {
                    < 300 => "success",
                    401 or 407 => "challenge",
                    _ => "failure",
                }, node, capture);
        }
        delta.Add(ts, StatsMetrics.SourceIp, m.SourceIp.ToString(), node, capture);
    }

    // "486 INVITE" for every response would allocate per message; the set of status/method pairs seen is small.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, string), string> ResponseKeys = new();

    private static string ResponseKey(int status, string method)
    {
        if (ResponseKeys.TryGetValue((status, method), out var key))
            return key;
        key = status.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + method;
        // Junk methods from a fuzzer must not grow the cache without bound.
        if (ResponseKeys.Count < 10_000)
            ResponseKeys.TryAdd((status, method), key);
        return key;
    }
}
