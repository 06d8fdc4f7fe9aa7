using Homer.Hep;
using Npgsql;

namespace Homer.Storage.Stats;

/// <summary>What a batch of captured messages adds to the statistics: SIP methods, responses and REGISTER outcomes
/// (exact, see <see cref="Count"/>), sources and user agents (heavy hitters, see <see cref="MessageTopKeys"/>). Counted as
/// stored (a message captured by two agents counts twice, as HOMER counts it).</summary>
public static class MessageStats
{

    public static StatsDelta Count(IReadOnlyList<CapturedMessage> batch)
    {
        var delta = new StatsDelta();
        foreach (var m in batch)
            Add(delta, m);
        return delta;
    }

    public static void Add(StatsDelta delta, CapturedMessage m)
    {
        if (!Counts(m))
            return;
        var ts = m.TimestampMicros;
        var node = m.NodeName;
        var capture = m.CaptureId;
        if (m.Method is { } method)
        {
            delta.Add(ts, StatsMetrics.Request, method, node, capture);
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
    }

    /// <summary>Whether a message counts in the statistics at all: SIP that parsed.</summary>
    public static bool Counts(CapturedMessage m) => m.ProtocolType == HepProtocolType.Sip && m.ParseError is null;

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

/// <summary>
/// The top lists of the statistics (messages by source address, requests by User-Agent), counted by every batch once it
/// is stored and written every <c>flush interval</c> instead of in the batch's transaction: with a distinct address per
/// phone, one exact row per address, minute and bucket width was nine statistics rows in ten. Bounded by
/// <see cref="TopKeyCounter{TKey}"/>; what a node holds between two flushes is lost if it dies (a graceful stop flushes).
/// </summary>
public sealed class MessageTopKeys(int capacity)
{
    private readonly Lock _lock = new();
    private readonly TopKeyCounter<System.Net.IPAddress> _sources = new(capacity);
    private readonly TopKeyCounter<string> _agents = new(capacity);

    public int Capacity => capacity;

    public void Add(IReadOnlyList<CapturedMessage> batch)
    {
        lock (_lock)
        {
            foreach (var m in batch)
            {
                if (!MessageStats.Counts(m))
                    continue;
                _sources.Add(m.TimestampMicros, m.NodeName, m.CaptureId, m.SourceIp);
                if (m.Method is not null && m.UserAgent is { Length: > 0 } ua)
                {
                    // Cut here already, so a sender's huge headers cannot make the counter hold megabytes.
                    _agents.Add(m.TimestampMicros, m.NodeName, m.CaptureId, ua.Length > StatsDelta.MaxKeyLength ? ua[..StatsDelta.MaxKeyLength] : ua);
                }
            }
        }
    }

    /// <summary>
    /// Adds what was counted since the last flush to <c>stats_counters</c>; on a transient failure keeps it for the next
    /// one. Rows PostgreSQL refuses for good are isolated (bisecting), the others written, and the refused ones put in
    /// the quarantine (kind <c>toplist</c>) and returned; they are not kept, so one bad key never blocks the lists.
    /// </summary>
    public async Task<IReadOnlyList<RefusedRow<TopKeyRow>>> FlushAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        IReadOnlyList<(long MinuteMicros, string Node, long CaptureId, System.Net.IPAddress Key, long Count)> sources;
        IReadOnlyList<(long MinuteMicros, string Node, long CaptureId, string Key, long Count)> agents;
        lock (_lock)
        {
            if (_sources.IsEmpty && _agents.IsEmpty)
                return [];
            sources = _sources.Take();
            agents = _agents.Take();
        }
        var rows = sources.Select(s => new TopKeyRow(StatsMetrics.SourceIp, s.MinuteMicros, s.Key.ToString(), s.Node, s.CaptureId, s.Count, s.Key))
            .Concat(agents.Select(a => new TopKeyRow(StatsMetrics.UserAgent, a.MinuteMicros, a.Key, a.Node, a.CaptureId, a.Count, null)))
            .ToList();
        var result = await BatchIsolation.WriteAsync(rows, async (batch, token) =>
        {
            var delta = new StatsDelta();
            foreach (var r in batch)
                delta.Add(r.MinuteMicros, r.Metric, r.Key, r.Node, r.CaptureId, r.Count);
            await using var connection = await dataSource.OpenConnectionAsync(token);
            await delta.WriteAsync(connection, null, token);
            return batch.Count;
        }, ct);
        var keep = result.Unwritten.ToList();
        if (result.Refused.Count > 0)
        {
            try
            {
                await new QuarantineStore(dataSource).AddAsync(result.Refused
                    .Select(r => QuarantineEntry.ForRow(QuarantineKind.TopList, "stats_counters", r,
                        DateTimeOffset.UnixEpoch.AddTicks(r.Row.MinuteMicros * 10), r.Row.Node)).ToList(), ct);
            }
            catch (Exception e) when (!StorageErrors.IsPermanent(e))
            {
                keep.AddRange(result.Refused.Select(r => r.Row));
                result = result with { Refused = [] };
            }
        }
        if (keep.Count > 0)
        {
            lock (_lock)
            {
                _sources.Restore(keep.Where(r => r.Source is not null).Select(r => (r.MinuteMicros, r.Node, r.CaptureId, r.Source!, r.Count)));
                _agents.Restore(keep.Where(r => r.Source is null).Select(r => (r.MinuteMicros, r.Node, r.CaptureId, r.Key, r.Count)));
            }
        }
        if (result.TransientError is { } error)
            throw new NpgsqlException("Writing the top lists failed; kept for the next flush", error);
        return result.Refused;
    }
}

/// <summary>Writes top-list rows as a flush does (a quarantined one replayed).</summary>
public static class TopKeyRows
{
    public static async Task WriteAsync(NpgsqlDataSource dataSource, IEnumerable<TopKeyRow> rows, CancellationToken ct = default)
    {
        var delta = new StatsDelta();
        foreach (var r in rows)
            delta.Add(r.MinuteMicros, r.Metric, r.Key, r.Node, r.CaptureId, r.Count);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await delta.WriteAsync(connection, null, ct);
    }

    /// <summary>A row from its quarantined JSON.</summary>
    public static TopKeyRow FromJson(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var r = document.RootElement;
        return new TopKeyRow(r.GetProperty("metric").GetString()!, r.GetProperty("minuteMicros").GetInt64(), r.GetProperty("key").GetString()!,
            r.GetProperty("node").GetString()!, r.GetProperty("captureId").GetInt64(), r.GetProperty("count").GetInt64(), null);
    }
}

/// <summary>One counted top-list key of one minute, as <c>stats_counters</c> takes it.</summary>
public sealed record TopKeyRow(string Metric, long MinuteMicros, string Key, string Node, long CaptureId, long Count,
    [property: System.Text.Json.Serialization.JsonIgnore] System.Net.IPAddress? Source);
