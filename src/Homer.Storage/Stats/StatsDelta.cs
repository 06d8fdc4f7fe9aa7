using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage.Stats;

/// <summary>Bucket widths kept in <c>stats_counters</c>, in minutes.</summary>
public static class StatsResolutions
{
    public const short Minute = 1;
    public const short FiveMinutes = 5;
    public const short Hour = 60;
    public static readonly short[] All = [Minute, FiveMinutes, Hour];

    public static DateTime Truncate(DateTime utc, short minutes)
    {
        var ticks = TimeSpan.TicksPerMinute * minutes;
        return new DateTime(utc.Ticks - utc.Ticks % ticks, DateTimeKind.Utc);
    }
}

/// <summary>Metric names of <c>stats_counters</c>; keys are documented next to each.</summary>
public static class StatsMetrics
{
    /// <summary>SIP requests; key = method.</summary>
    public const string Request = "request";
    /// <summary>SIP responses; key = "status method" (e.g. "486 INVITE").</summary>
    public const string Response = "response";
    /// <summary>SIP messages by source address; key = ip.</summary>
    public const string SourceIp = "src_ip";
    /// <summary>SIP requests by User-Agent; key = the header.</summary>
    public const string UserAgent = "user_agent";
    /// <summary>REGISTER outcomes from responses; keys success, failure, challenge.</summary>
    public const string Registration = "registration";
    /// <summary>Ended calls; keys <see cref="CallOutcomes"/>.</summary>
    public const string Call = "call";
    /// <summary>Histograms: key = upper bound ("le:500", "le:inf"); total = sum of the values.</summary>
    public const string PddHistogram = "pdd_ms";
    public const string SetupHistogram = "setup_ms";
    /// <summary>Answered calls with a duration: count and total seconds (ACD = total / count).</summary>
    public const string Duration = "duration_s";
    /// <summary>Per-call average MOS histogram; keys "1-2", "2-3", "3-3.5", "3.5-4", "4-4.5", "4.5-5"; total = sum of MOS.</summary>
    public const string Mos = "mos";
    /// <summary>Messages and retransmissions of ended calls; keys messages, retransmissions.</summary>
    public const string Retransmissions = "retransmissions";
}

public static class CallOutcomes
{
    /// <summary>Counted in ASR/NER: every call except one that only got a 401/407 and one redirected (RFC 6076).</summary>
    public const string Attempt = "attempt";
    public const string Answered = "answered";
    /// <summary>NER numerator besides answered: 480, 486, 600, 603 (RFC 6076 SEER).</summary>
    public const string UserEffective = "user_effective";
    public const string Failed4xx = "failed_4xx";
    public const string Failed5xx = "failed_5xx";
    public const string Failed6xx = "failed_6xx";
    public const string Cancelled = "cancelled";
    public const string Redirected = "redirected";
    /// <summary>Ended by the idle timeout with no final answer.</summary>
    public const string NoFinal = "no_final";
    /// <summary>Ended on an unanswered 401/407: an auth challenge, not an attempt.</summary>
    public const string ChallengeOnly = "challenge_only";
}

/// <summary>Fixed histogram bounds (milliseconds) for PDD and setup time: percentiles are interpolated within them.</summary>
public static class StatsHistogram
{
    public static readonly long[] BoundsMs = [50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 30000, 60000];

    public static string KeyOf(long valueMs)
    {
        foreach (var bound in BoundsMs)
            if (valueMs <= bound)
                return "le:" + bound.ToString(CultureInfo.InvariantCulture);
        return "le:inf";
    }

    /// <summary>Upper bound of a key; <see cref="double.PositiveInfinity"/> for le:inf.</summary>
    public static double UpperOf(string key) =>
        key == "le:inf" ? double.PositiveInfinity : double.Parse(key.AsSpan(3), CultureInfo.InvariantCulture);

    /// <summary>The q-quantile (0..1) of a histogram, interpolated linearly within the bucket it falls in.</summary>
    public static double? Quantile(IReadOnlyDictionary<string, long> buckets, double q) =>
        Quantile(buckets.ToDictionary(b => b.Key, b => (b.Value, double.NaN)), q);

    /// <summary>
    /// The q-quantile (0..1) of a histogram whose buckets also carry the sum of their values. Within the bucket the
    /// quantile falls in, values are taken as spread evenly over the part of the bucket whose mean is the bucket's
    /// (lower bound to twice the mean, or twice the mean to the upper bound): calls of 0-3 ms in the 0-50 ms bucket
    /// give a median near 1.5 ms, not 25 ms. Without a sum (NaN) the whole bucket is used.
    /// </summary>
    public static double? Quantile(IReadOnlyDictionary<string, (long Count, double Total)> buckets, double q)
    {
        var ordered = buckets.Where(b => b.Value.Count > 0).Select(b => (Upper: UpperOf(b.Key), b.Value.Count, b.Value.Total))
            .OrderBy(b => b.Upper).ToArray();
        var total = ordered.Sum(b => b.Count);
        if (total == 0)
            return null;
        var rank = q * total;
        long seen = 0;
        foreach (var (upper, count, sum) in ordered)
        {
            if (seen + count >= rank)
            {
                var (low, high) = Spread(LowerOf(upper), upper, double.IsNaN(sum) ? double.NaN : sum / count);
                if (double.IsPositiveInfinity(high))
                    return low;
                return low + (high - low) * ((rank - seen) / count);
            }
            seen += count;
        }
        return ordered[^1].Upper;
    }

    /// <summary>The narrowest part of [lower, upper] centred so that an even spread over it has the given mean.</summary>
    private static (double Low, double High) Spread(double lower, double upper, double mean)
    {
        if (double.IsNaN(mean) || mean < lower || mean > upper)
            return (lower, upper);
        if (double.IsPositiveInfinity(upper) || mean - lower <= upper - mean)
            return (lower, 2 * mean - lower);
        return (2 * mean - upper, upper);
    }

    private static double LowerOf(double upper)
    {
        double lower = 0;
        foreach (var bound in BoundsMs)
        {
            if (bound >= upper)
                break;
            lower = bound;
        }
        return lower;
    }

    public static string MosKeyOf(double mos) => mos switch
    {
        < 2 => "1-2",
        < 3 => "2-3",
        < 3.5 => "3-3.5",
        < 4 => "3.5-4",
        < 4.5 => "4-4.5",
        _ => "4.5-5",
    };

    public static readonly string[] MosKeys = ["1-2", "2-3", "3-3.5", "3.5-4", "4-4.5", "4.5-5"];
}

/// <summary>
/// Increments gathered from one batch, keyed by minute; written with <see cref="WriteAsync"/> in the caller's
/// transaction so a counter moves exactly when what it counts is stored.
/// </summary>
public sealed class StatsDelta
{
    private readonly record struct Key(DateTime Minute, string Metric, string Name, string Node, long CaptureId);

    private readonly Dictionary<Key, (long Count, double Total)> _counts = [];

    /// <summary>Longest key kept: user agents and such are cut, not rejected.</summary>
    public const int MaxKeyLength = 200;

    public int Count => _counts.Count;

    public void Add(long timestampMicros, string metric, string key, string? node, long captureId, long count = 1, double total = 0) =>
        Add(DateTime.UnixEpoch.AddTicks(timestampMicros * 10), metric, key, node, captureId, count, total);

    public void Add(DateTime utc, string metric, string key, string? node, long captureId, long count = 1, double total = 0)
    {
        // Keys and node names come from the wire: cut, so no sender can make a counter row too big for its index
        // (which would fail the whole batch it is counted with).
        if (key.Length > MaxKeyLength)
            key = key[..MaxKeyLength];
        if (node is { Length: > MaxKeyLength })
            node = node[..MaxKeyLength];
        var k = new Key(StatsResolutions.Truncate(utc, StatsResolutions.Minute), metric, key, node ?? "", captureId);
        _counts.TryGetValue(k, out var v);
        _counts[k] = (v.Count + count, v.Total + total);
    }

    // Rows are sent sorted so two writers touching the same counters lock them in the same order (no deadlock).
    private const string UpsertSql = """
        INSERT INTO stats_counters AS s (resolution, bucket, metric, key, node, capture_id, count, total)
        SELECT * FROM unnest($1::smallint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::float8[])
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (resolution, bucket, metric, key, node, capture_id)
        DO UPDATE SET count = s.count + EXCLUDED.count, total = s.total + EXCLUDED.total
        """;

    public async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        if (_counts.Count == 0)
            return;
        var rolled = new Dictionary<(short, DateTime, string, string, string, long), (long Count, double Total)>();
        foreach (var (k, v) in _counts)
        {
            foreach (var resolution in StatsResolutions.All)
            {
                var rk = (resolution, StatsResolutions.Truncate(k.Minute, resolution), k.Metric, k.Name, k.Node, k.CaptureId);
                rolled.TryGetValue(rk, out var acc);
                rolled[rk] = (acc.Count + v.Count, acc.Total + v.Total);
            }
        }
        var n = rolled.Count;
        var res = new short[n];
        var buckets = new DateTime[n];
        var metrics = new string[n];
        var keys = new string[n];
        var nodes = new string[n];
        var captures = new long[n];
        var counts = new long[n];
        var totals = new double[n];
        var i = 0;
        foreach (var ((r, b, m, k, node, c), v) in rolled)
        {
            res[i] = r; buckets[i] = b; metrics[i] = m; keys[i] = Clean(k); nodes[i] = Clean(node); captures[i] = c;
            counts[i] = v.Count; totals[i] = v.Total;
            i++;
        }
        await using var cmd = new NpgsqlCommand(UpsertSql, connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = res, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = buckets, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = metrics, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = nodes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = captures, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = counts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = totals, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // PostgreSQL text cannot hold NUL; a header with one is still counted.
    private static string Clean(string s) => StorableText.Clean(s)!;
}
