using Npgsql;

namespace Homer.Storage.Stats;

public sealed record KeyCount(string Key, long Count);

/// <summary>The KPIs of one time bucket (or of the whole range, for totals), derived from the raw counters.</summary>
public sealed record StatsPoint
{
    public required DateTimeOffset Bucket { get; init; }
    public IReadOnlyList<KeyCount> Requests { get; init; } = [];
    public IReadOnlyList<KeyCount> Responses { get; init; } = [];
    public long CallAttempts { get; init; }
    public long CallsAnswered { get; init; }
    public long CallsFailed4xx { get; init; }
    public long CallsFailed5xx { get; init; }
    public long CallsFailed6xx { get; init; }
    public long CallsCancelled { get; init; }
    public long CallsRedirected { get; init; }
    public long CallsNoFinal { get; init; }
    public long CallsChallengeOnly { get; init; }
    public long CallsUserEffective { get; init; }
    /// <summary>Percent; null without attempts.</summary>
    public double? Asr => CallAttempts == 0 ? null : 100.0 * CallsAnswered / CallAttempts;
    public double? Ner => CallAttempts == 0 ? null : 100.0 * (CallsAnswered + CallsUserEffective) / CallAttempts;
    public double? PddP50Ms { get; init; }
    public double? PddP95Ms { get; init; }
    public double? PddAvgMs { get; init; }
    public double? SetupP50Ms { get; init; }
    public double? SetupP95Ms { get; init; }
    public double? AcdSeconds { get; init; }
    public IReadOnlyList<KeyCount> Mos { get; init; } = [];
    public double? MosAvg { get; init; }
    public long Registrations { get; init; }
    public long RegistrationFailures { get; init; }
    public long RegistrationChallenges { get; init; }
    public long CallMessages { get; init; }
    public long CallRetransmissions { get; init; }
    /// <summary>Percent of the ended calls' SIP messages that were retransmissions; null without calls.</summary>
    public double? RetransmissionRatio => CallMessages == 0 ? null : 100.0 * CallRetransmissions / CallMessages;
}

public sealed record StatsResult(DateTimeOffset From, DateTimeOffset To, short ResolutionMinutes, IReadOnlyList<StatsPoint> Points,
    StatsPoint Totals, IReadOnlyList<KeyCount> TopSourceIps, IReadOnlyList<KeyCount> TopUserAgents);

/// <summary>Reads <c>stats_counters</c>: the counters of every node and writer are summed at read time (merged cluster-wide).</summary>
/// <param name="options">Where the retention per bucket width comes from (<see cref="StorageOptions.StatsRetention"/>),
/// which decides the finest resolution still kept for a range; the defaults without it.</param>
public sealed class StatsQueries(NpgsqlDataSource dataSource, StorageOptions? options = null)
{
    /// <summary>The most buckets one answer holds: 90 days by the hour (2 160) fit.</summary>
    public const int MaxBuckets = 2_400;
    public const int TopN = 10;

    private readonly IReadOnlyDictionary<short, TimeSpan> _retention = (options ?? StorageOptions.Defaults).StatsRetention;

    /// <summary>
    /// The finest bucket width, no finer than <paramref name="atLeast"/>, whose buckets are still kept for the whole
    /// range (maintenance deletes each width's buckets older than its retention, measured from now, not from when they
    /// were written: minutes of a capture replayed 10 days late are gone at the next run) and that fits in
    /// <see cref="MaxBuckets"/>. The coarsest width when none is kept that far back.
    /// </summary>
    public short FinestKept(DateTimeOffset from, DateTimeOffset to, short atLeast = StatsResolutions.Minute, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        foreach (var resolution in StatsResolutions.All)
        {
            if (resolution < atLeast)
                continue;
            if (_retention.TryGetValue(resolution, out var keep) && from < at - keep)
                continue;
            if ((to.UtcDateTime - StatsResolutions.Truncate(from.UtcDateTime, resolution)).TotalMinutes / resolution > MaxBuckets)
                continue;
            return resolution;
        }
        return StatsResolutions.All[^1];
    }

    /// <summary><see cref="QueryAsync"/> at <see cref="FinestKept"/>; the answer says which width it used.</summary>
    public Task<StatsResult> QueryFinestAsync(DateTimeOffset from, DateTimeOffset to, short atLeast, string? node, long? captureId,
        CancellationToken ct = default)
    {
        if (to <= from)
            throw new ArgumentException("to must be after from");
        if (!StatsResolutions.All.Contains(atLeast))
            throw new ArgumentException($"resolution must be one of {string.Join(", ", StatsResolutions.All)} minutes");
        return QueryAsync(from, to, FinestKept(from, to, atLeast), node, captureId, ct);
    }

    public async Task<StatsResult> QueryAsync(DateTimeOffset from, DateTimeOffset to, short resolution, string? node, long? captureId,
        CancellationToken ct = default)
    {
        if (to <= from)
            throw new ArgumentException("to must be after from");
        if (!StatsResolutions.All.Contains(resolution))
            throw new ArgumentException($"resolution must be one of {string.Join(", ", StatsResolutions.All)} minutes");
        var start = StatsResolutions.Truncate(from.UtcDateTime, resolution);
        if ((to.UtcDateTime - start).TotalMinutes / resolution > MaxBuckets)
            throw new ArgumentException($"The range holds more than {MaxBuckets} buckets of {resolution} min: choose a larger bucket.");

        var rows = new List<(DateTime Bucket, string Metric, string Key, long Count, double Total)>();
        // The top lists are summed and ranked in the database: over a day their rows are many and only ten are shown.
        await using (var cmd = dataSource.CreateCommand("""
            SELECT bucket, metric, key, sum(count)::bigint, sum(total)
            FROM stats_counters
            WHERE resolution = $1 AND bucket >= $2 AND bucket < $3
              AND ($4::text IS NULL OR node = $4) AND ($5::bigint IS NULL OR capture_id = $5)
              AND metric <> ALL ($6)
            GROUP BY bucket, metric, key
            """))
        {
            AddRange(cmd, resolution, start, to, node, captureId);
            cmd.Parameters.Add(new NpgsqlParameter { Value = TopListMetrics, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                rows.Add((r.GetFieldValue<DateTime>(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetDouble(4)));
        }
        var top = new Dictionary<string, List<KeyCount>> { [StatsMetrics.SourceIp] = [], [StatsMetrics.UserAgent] = [] };
        await using (var cmd = dataSource.CreateCommand("""
            SELECT metric, key, n FROM (
                SELECT metric, key, sum(count)::bigint AS n,
                       row_number() OVER (PARTITION BY metric ORDER BY sum(count) DESC, key COLLATE "C") AS rank
                FROM stats_counters
                WHERE resolution = $1 AND bucket >= $2 AND bucket < $3
                  AND ($4::text IS NULL OR node = $4) AND ($5::bigint IS NULL OR capture_id = $5)
                  AND metric = ANY ($6)
                GROUP BY metric, key) ranked
            WHERE rank <= $7
            ORDER BY metric, rank
            """))
        {
            AddRange(cmd, resolution, start, to, node, captureId);
            cmd.Parameters.Add(new NpgsqlParameter { Value = TopListMetrics, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            cmd.Parameters.AddWithValue(TopN);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                top[r.GetString(0)].Add(new KeyCount(r.GetString(1), r.GetInt64(2)));
        }

        var points = rows.GroupBy(x => x.Bucket).OrderBy(g => g.Key)
            .Select(g => Build(new DateTimeOffset(g.Key, TimeSpan.Zero), g.Select(x => (x.Metric, x.Key, x.Count, x.Total))))
            .ToArray();
        var totals = Build(new DateTimeOffset(start, TimeSpan.Zero), rows.Select(x => (x.Metric, x.Key, x.Count, x.Total)));
        return new StatsResult(from, to, resolution, points, totals, top[StatsMetrics.SourceIp], top[StatsMetrics.UserAgent]);
    }

    private static readonly string[] TopListMetrics = [StatsMetrics.SourceIp, StatsMetrics.UserAgent];

    private static void AddRange(NpgsqlCommand cmd, short resolution, DateTime start, DateTimeOffset to, string? node, long? captureId)
    {
        cmd.Parameters.AddWithValue(resolution);
        cmd.Parameters.AddWithValue(start);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)node ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)captureId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
    }

    private static StatsPoint Build(DateTimeOffset bucket, IEnumerable<(string Metric, string Key, long Count, double Total)> counters)
    {
        var byMetric = counters.GroupBy(c => c.Metric).ToDictionary(
            g => g.Key,
            g => g.GroupBy(c => c.Key).ToDictionary(k => k.Key, k => (Count: k.Sum(c => c.Count), Total: k.Sum(c => c.Total))));
        Dictionary<string, (long Count, double Total)> Of(string metric) => byMetric.GetValueOrDefault(metric) ?? [];
        long Get(string metric, string key) => Of(metric).GetValueOrDefault(key).Count;
        IReadOnlyList<KeyCount> Sorted(string metric) =>
            Of(metric).Select(kv => new KeyCount(kv.Key, kv.Value.Count)).OrderByDescending(k => k.Count).ThenBy(k => k.Key, StringComparer.Ordinal).ToArray();
        IReadOnlyDictionary<string, (long Count, double Total)> Histogram(string metric) => Of(metric);
        double? Average(string metric)
        {
            var all = Of(metric).Values;
            var n = all.Sum(v => v.Count);
            return n == 0 ? null : all.Sum(v => v.Total) / n;
        }

        var pdd = Histogram(StatsMetrics.PddHistogram);
        var setup = Histogram(StatsMetrics.SetupHistogram);
        var duration = Of(StatsMetrics.Duration).GetValueOrDefault("");
        var mos = Of(StatsMetrics.Mos);
        return new StatsPoint
        {
            Bucket = bucket,
            Requests = Sorted(StatsMetrics.Request),
            Responses = Sorted(StatsMetrics.Response),
            CallAttempts = Get(StatsMetrics.Call, CallOutcomes.Attempt),
            CallsAnswered = Get(StatsMetrics.Call, CallOutcomes.Answered),
            CallsFailed4xx = Get(StatsMetrics.Call, CallOutcomes.Failed4xx),
            CallsFailed5xx = Get(StatsMetrics.Call, CallOutcomes.Failed5xx),
            CallsFailed6xx = Get(StatsMetrics.Call, CallOutcomes.Failed6xx),
            CallsCancelled = Get(StatsMetrics.Call, CallOutcomes.Cancelled),
            CallsRedirected = Get(StatsMetrics.Call, CallOutcomes.Redirected),
            CallsNoFinal = Get(StatsMetrics.Call, CallOutcomes.NoFinal),
            CallsChallengeOnly = Get(StatsMetrics.Call, CallOutcomes.ChallengeOnly),
            CallsUserEffective = Get(StatsMetrics.Call, CallOutcomes.UserEffective),
            PddP50Ms = StatsHistogram.Quantile(pdd, 0.5),
            PddP95Ms = StatsHistogram.Quantile(pdd, 0.95),
            PddAvgMs = Average(StatsMetrics.PddHistogram),
            SetupP50Ms = StatsHistogram.Quantile(setup, 0.5),
            SetupP95Ms = StatsHistogram.Quantile(setup, 0.95),
            AcdSeconds = duration.Count == 0 ? null : duration.Total / duration.Count,
            Mos = StatsHistogram.MosKeys.Select(k => new KeyCount(k, mos.GetValueOrDefault(k).Count)).ToArray(),
            MosAvg = Average(StatsMetrics.Mos),
            Registrations = Get(StatsMetrics.Registration, "success"),
            RegistrationFailures = Get(StatsMetrics.Registration, "failure"),
            RegistrationChallenges = Get(StatsMetrics.Registration, "challenge"),
            CallMessages = Get(StatsMetrics.Retransmissions, "messages"),
            CallRetransmissions = Get(StatsMetrics.Retransmissions, "retransmissions"),
        };
    }

    /// <summary>Deletes buckets older than each resolution's retention; returns the rows deleted.</summary>
    public async Task<long> DeleteExpiredAsync(IReadOnlyDictionary<short, TimeSpan> retention, CancellationToken ct = default)
    {
        long deleted = 0;
        foreach (var (resolution, keep) in retention)
        {
            await using var cmd = dataSource.CreateCommand("DELETE FROM stats_counters WHERE resolution = $1 AND bucket < $2");
            cmd.Parameters.AddWithValue(resolution);
            cmd.Parameters.AddWithValue(DateTime.UtcNow - keep);
            deleted += await cmd.ExecuteNonQueryAsync(ct);
        }
        return deleted;
    }
}
