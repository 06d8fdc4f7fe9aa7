using Homer.Storage.Stats;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>
/// The KPIs the <c>stats</c> query answers, checked against the calls they summarise, and the bucket width it answers
/// from when none is asked for.
/// </summary>
public sealed class StatsKpiTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 0, 21, 0, TimeSpan.Zero);
    private StoreDatabase _db = null!;
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync();
        _dataSource = _db.DataSource;
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private sealed record Call(string Outcome, long PddMs, long? SetupMs, long? DurationMs, int FinalStatus);

    private static DialogRow Row(int i, Call c)
    {
        var started = Start.AddSeconds(i);
        var answered = c.Outcome == "answered";
        var ended = started.AddMilliseconds((c.SetupMs ?? c.PddMs) + (c.DurationMs ?? 0) + 10);
        return new DialogRow
        {
            CallId = $"kpi-{i}@test",
            Kind = "CALL",
            State = c.Outcome switch { "answered" => "COMPLETED", "cancelled" => "CANCELLED", _ => "FAILED" },
            StartedAt = started,
            AnsweredAt = answered ? started.AddMilliseconds(c.SetupMs!.Value) : null,
            EndedAt = ended,
            LastSeen = ended,
            PddMs = c.PddMs,
            SetupMs = c.SetupMs,
            DurationMs = c.DurationMs,
            FinalStatus = c.FinalStatus,
            MessageCount = 6,
            Node = "edge1",
        };
    }

    private static double Percentile(IReadOnlyList<long> values, double q)
    {
        var sorted = values.Order().ToArray();
        var rank = q * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    [Fact]
    public async Task Every_KPI_agrees_with_the_calls_it_summarises()
    {
        // 90 calls in two minutes, as in a replayed capture on a LAN: PDD of 0-3 ms, setup of a few ms, talk of
        // 0.2-1.5 s; a quarter busy (486) and a few cancelled.
        var random = new Random(25);
        var calls = new List<Call>();
        for (var i = 0; i < 90; i++)
        {
            var pdd = random.Next(0, 4);
            calls.Add((i % 9) switch
            {
                0 => new Call("cancelled", pdd, null, null, 487),
                1 or 2 => new Call("busy", pdd, null, null, 486),
                _ => new Call("answered", pdd, pdd + random.Next(2, 40), random.Next(200, 1501), 200),
            });
        }
        var store = new DialogStore(_dataSource);
        var written = await store.UpsertAndCountAsync(calls.Select((c, i) => Row(i, c)).ToArray());
        Assert.Equal(90, written.Calls.Count);

        var stats = await new StatsQueries(_dataSource).QueryAsync(Start, Start.AddMinutes(2), StatsResolutions.Minute, null, null);
        var t = stats.Totals;
        var answered = calls.Where(c => c.Outcome == "answered").ToArray();
        Assert.Equal(90, t.CallAttempts);
        Assert.Equal(answered.Length, t.CallsAnswered);
        Assert.Equal(calls.Count(c => c.Outcome == "busy"), t.CallsFailed4xx);
        Assert.Equal(calls.Count(c => c.Outcome == "cancelled"), t.CallsCancelled);
        Assert.Equal(100.0 * answered.Length / 90, t.Asr!.Value, 9);
        Assert.Equal(100.0 * (answered.Length + calls.Count(c => c.Outcome == "busy")) / 90, t.Ner!.Value, 9);
        // Averages are exact: ACD in seconds of the answered calls' durations (0.2-1.5 s, not 0), PDD in ms.
        Assert.Equal(answered.Average(c => c.DurationMs!.Value) / 1000.0, t.AcdSeconds!.Value, 9);
        Assert.InRange(t.AcdSeconds!.Value, 0.2, 1.5);
        Assert.Equal(calls.Average(c => c.PddMs), t.PddAvgMs!.Value, 9);
        // Percentiles come from a histogram whose first bucket is 0-50 ms: they must stay with the calls (0-3 ms),
        // not in the middle of the bucket (25 ms).
        var pdds = calls.Select(c => c.PddMs).ToArray();
        Assert.InRange(t.PddP50Ms!.Value, Percentile(pdds, 0.5) - 1.5, Percentile(pdds, 0.5) + 1.5);
        Assert.InRange(t.PddP95Ms!.Value, pdds.Min(), pdds.Max() + 1);
        var setups = answered.Select(c => c.SetupMs!.Value).ToArray();
        Assert.InRange(t.SetupP50Ms!.Value, Percentile(setups, 0.5) - 10, Percentile(setups, 0.5) + 10);
        Assert.InRange(t.SetupP95Ms!.Value, setups.Min(), 50);
        Assert.Equal(90 * 6, t.CallMessages);

        // The per-minute points add up to the totals, and every call is in the minute it started in.
        Assert.Equal(2, stats.Points.Count);
        Assert.Equal(60, stats.Points[0].CallsAnswered + stats.Points[0].CallsFailed4xx + stats.Points[0].CallsCancelled);
        Assert.Equal(90, stats.Points.Sum(p => p.CallAttempts));
    }

    [Fact]
    public void Quantiles_stay_within_the_spread_the_bucket_sums_allow()
    {
        // Four calls of 0-3 ms in the 0-50 ms bucket: their mean (1.5 ms) bounds the spread, so the median is 1.5 ms.
        var low = new Dictionary<string, (long, double)> { ["le:50"] = (4, 0 + 1 + 2 + 3) };
        Assert.Equal(1.5, StatsHistogram.Quantile(low, 0.5)!.Value, 9);
        Assert.InRange(StatsHistogram.Quantile(low, 0.95)!.Value, 2.5, 3);
        // Values at the top of a bucket: the spread is [2 * mean - upper, upper].
        var high = new Dictionary<string, (long, double)> { ["le:1000"] = (2, 980 + 990) };
        Assert.InRange(StatsHistogram.Quantile(high, 0.5)!.Value, 970, 990);
        // Beyond the last bound: around the mean, not the bound.
        var beyond = new Dictionary<string, (long, double)> { ["le:inf"] = (1, 90_000) };
        Assert.InRange(StatsHistogram.Quantile(beyond, 0.5)!.Value, 60_000, 90_000);
    }

    private async Task CountInvites(DateTimeOffset at, int n)
    {
        var delta = new StatsDelta();
        delta.Add(at.UtcDateTime, StatsMetrics.Request, "INVITE", "edge1", 0, n);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await delta.WriteAsync(connection, null, CancellationToken.None);
    }

    [Fact]
    public async Task Without_a_bucket_the_answer_comes_from_the_finest_width_still_kept_for_the_range()
    {
        // Captures replayed now that are ten days old: their minute buckets are deleted by the next maintenance run.
        var now = DateTimeOffset.UtcNow;
        var old = StatsResolutionsTruncate(now.AddDays(-10).AddMinutes(21), 1);
        var recent = StatsResolutionsTruncate(now.AddHours(-1), 1);
        await CountInvites(old.AddSeconds(30), 90);
        await CountInvites(recent.AddSeconds(30), 7);
        var queries = new StatsQueries(_dataSource);
        await queries.DeleteExpiredAsync(StorageOptions.Defaults.StatsRetention);

        // What the page asked for before: minute buckets of a 2-minute range, which are gone.
        Assert.Empty((await queries.QueryAsync(old, old.AddMinutes(2), StatsResolutions.Minute, null, null)).Points);

        var oldRange = await queries.QueryFinestAsync(old, old.AddMinutes(2), StatsResolutions.Minute, null, null);
        Assert.Equal(StatsResolutions.FiveMinutes, oldRange.ResolutionMinutes);
        Assert.Equal(90, oldRange.Totals.Requests.Single().Count);

        var recentRange = await queries.QueryFinestAsync(recent, recent.AddMinutes(2), StatsResolutions.Minute, null, null);
        Assert.Equal(StatsResolutions.Minute, recentRange.ResolutionMinutes);
        Assert.Equal(7, recentRange.Totals.Requests.Single().Count);

        // A range reaching back past the minutes' retention is answered from five minutes for all of it.
        var both = await queries.QueryFinestAsync(old, now, StatsResolutions.Minute, null, null);
        Assert.Equal(StatsResolutions.Hour, both.ResolutionMinutes); // ten days by five minutes are more than 2400 buckets
        Assert.Equal(97, both.Totals.Requests.Single().Count);

        // No finer than asked; older than the five minutes' 35 days: hours.
        Assert.Equal(StatsResolutions.FiveMinutes, queries.FinestKept(recent, recent.AddMinutes(2), StatsResolutions.FiveMinutes, now));
        Assert.Equal(StatsResolutions.Hour, queries.FinestKept(now.AddDays(-40), now.AddDays(-40).AddMinutes(2), StatsResolutions.Minute, now));
        Assert.Equal(StatsResolutions.FiveMinutes, queries.FinestKept(now.AddDays(-6), now, StatsResolutions.Minute, now));
        // Retention as configured, not as defaulted.
        var longMinutes = new StatsQueries(_dataSource, StorageOptions.Defaults with
        {
            StatsRetention = new Dictionary<short, TimeSpan> { [1] = TimeSpan.FromDays(30), [5] = TimeSpan.FromDays(35), [60] = TimeSpan.FromDays(400) },
        });
        Assert.Equal(StatsResolutions.Minute, longMinutes.FinestKept(old, old.AddMinutes(2), StatsResolutions.Minute, now));
    }

    private static DateTimeOffset StatsResolutionsTruncate(DateTimeOffset at, short minutes) =>
        new(StatsResolutions.Truncate(at.UtcDateTime, minutes), TimeSpan.Zero);
}
