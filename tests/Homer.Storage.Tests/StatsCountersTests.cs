using System.Net;
using System.Text;
using Homer.Storage.Stats;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>Message counters written with their batch, at three bucket widths, and read back merged.</summary>
public sealed class StatsCountersTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
    private StoreDatabase _db = null!;
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync(partitionsFor: Day);
        _dataSource = _db.DataSource;
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
    }

    private static CapturedMessage Sip(DateTimeOffset ts, string? method, int? status, string cseqMethod, string src = "10.0.0.1",
        string? ua = "Phone/1", string? node = "edge1", long captureId = 7) => new()
    {
        TimestampMicros = (ts - DateTimeOffset.UnixEpoch).Ticks / 10,
        Profile = MessageProfile.Call,
        ProtocolType = 1,
        SourceIp = IPAddress.Parse(src),
        SourcePort = 5060,
        DestinationIp = IPAddress.Parse("10.0.0.2"),
        DestinationPort = 5060,
        CaptureId = captureId,
        NodeName = node,
        CallId = "c",
        Method = method,
        StatusCode = status,
        CSeqMethod = cseqMethod,
        UserAgent = ua,
        Payload = Encoding.UTF8.GetBytes("x"),
    };

    [Fact]
    public async Task A_batch_counts_methods_responses_sources_agents_and_registrations_at_every_bucket_width()
    {
        var t = Day.AddHours(10).AddMinutes(7).AddSeconds(30);
        var writer = new MessageStoreWriter(_dataSource);
        await writer.WriteAsync(
        [
            Sip(t, "INVITE", null, "INVITE"),
            Sip(t.AddSeconds(1), null, 180, "INVITE", src: "10.0.0.2"),
            Sip(t.AddSeconds(40), "REGISTER", null, "REGISTER"), // next minute, same 5-minute bucket
            Sip(t.AddSeconds(41), null, 401, "REGISTER", src: "10.0.0.2"),
            Sip(t.AddMinutes(3), null, 200, "REGISTER", src: "10.0.0.2", captureId: 8), // next 5-minute bucket
            // Not SIP: not counted.
            Sip(t, null, null, "", ua: null) with { ProtocolType = 100 },
        ]);
        // The top lists are written by the flush the node runs every few seconds, not with the batch.
        await writer.FlushTopKeysAsync();

        var queries = new StatsQueries(_dataSource);
        var minute = await queries.QueryAsync(t.AddMinutes(-10), t.AddMinutes(10), StatsResolutions.Minute, null, null);
        Assert.Equal(3, minute.Points.Count);
        Assert.Equal(2, minute.Points[0].Requests.Concat(minute.Points[0].Responses).Sum(k => k.Count));
        var totals = minute.Totals;
        Assert.Equal([new KeyCount("INVITE", 1), new KeyCount("REGISTER", 1)], totals.Requests);
        Assert.Equal([new KeyCount("180 INVITE", 1), new KeyCount("200 REGISTER", 1), new KeyCount("401 REGISTER", 1)], totals.Responses);
        Assert.Equal(1, totals.Registrations);
        Assert.Equal(1, totals.RegistrationChallenges);
        Assert.Equal([new KeyCount("10.0.0.2", 3), new KeyCount("10.0.0.1", 2)], minute.TopSourceIps);
        Assert.Equal([new KeyCount("Phone/1", 2)], minute.TopUserAgents);

        var five = await queries.QueryAsync(t.AddMinutes(-10), t.AddMinutes(10), StatsResolutions.FiveMinutes, null, null);
        Assert.Equal(2, five.Points.Count);
        var hour = await queries.QueryAsync(t.AddHours(-1), t.AddHours(1), StatsResolutions.Hour, null, null);
        Assert.Equal(5, Assert.Single(hour.Points).Requests.Concat(hour.Points[0].Responses).Sum(k => k.Count));

        var capture8 = await queries.QueryAsync(t.AddMinutes(-10), t.AddMinutes(10), StatsResolutions.Minute, null, 8);
        Assert.Equal([new KeyCount("200 REGISTER", 1)], capture8.Totals.Responses);
        Assert.Empty((await queries.QueryAsync(t.AddMinutes(-10), t.AddMinutes(10), StatsResolutions.Minute, "other-node", null)).Points);

        // A second batch adds to the same counters.
        await writer.WriteAsync([Sip(t, "INVITE", null, "INVITE")]);
        Assert.Equal(2, (await queries.QueryAsync(t.AddMinutes(-10), t.AddMinutes(10), StatsResolutions.Minute, null, null)).Totals.Requests
            .Single(k => k.Key == "INVITE").Count);
    }

    [Fact]
    public async Task Hostile_header_values_are_cut_and_never_fail_the_batch_they_are_counted_with()
    {
        var t = Day.AddHours(11);
        var huge = new string('A', 20_000) + "\0tail";
        var writer = new MessageStoreWriter(_dataSource);
        await writer.WriteAsync([Sip(t, "OPTIONS", null, "OPTIONS", ua: huge, node: new string('n', 10_000)), Sip(t, huge, null, huge)]);
        await writer.FlushTopKeysAsync();
        await using var cmd = _dataSource.CreateCommand("SELECT count(*) FROM hep_call");
        Assert.Equal(2L, (long)(await cmd.ExecuteScalarAsync())!);
        var stats = await new StatsQueries(_dataSource).QueryAsync(t.AddMinutes(-1), t.AddMinutes(1), StatsResolutions.Minute, null, null);
        Assert.Equal(StatsDelta.MaxKeyLength, stats.TopUserAgents.Max(k => k.Key.Length));
    }

    [Fact]
    public async Task Top_lists_keep_the_heaviest_sources_and_agents_in_bounded_rows_however_many_there_are()
    {
        // 30 000 distinct phones with one message each, a proxy with 6 000 and a scanner with 900, all in one minute;
        // the writer keeps 100 keys per minute.
        var t = Day.AddHours(12);
        var writer = new MessageStoreWriter(_dataSource, StorageOptions.Defaults with { TopKeysPerMinute = 100 });
        var messages = new List<CapturedMessage>();
        for (var i = 0; i < 30_000; i++)
            messages.Add(Sip(t.AddMilliseconds(i), "INVITE", null, "INVITE", src: $"10.{i / 65536}.{i / 256 % 256}.{i % 256}", ua: $"Phone/{i}"));
        for (var i = 0; i < 6_000; i++)
            messages.Add(Sip(t.AddMilliseconds(i * 5), null, 200, "INVITE", src: "192.0.2.1", ua: null));
        for (var i = 0; i < 900; i++)
            messages.Add(Sip(t.AddMilliseconds(i * 7), "OPTIONS", null, "OPTIONS", src: "198.51.100.66", ua: "friendly-scanner"));
        foreach (var chunk in messages.OrderBy(m => m.TimestampMicros).Chunk(2_000))
            await writer.WriteAsync(chunk);
        await writer.FlushTopKeysAsync();

        var stats = await new StatsQueries(_dataSource).QueryAsync(t, t.AddMinutes(1), StatsResolutions.Minute, null, null);
        // Each kept count is low by at most N / (capacity + 1) of the minute's N = 36 900 messages.
        var slack = 36_900 / 101;
        Assert.Equal(["192.0.2.1", "198.51.100.66"], stats.TopSourceIps.Take(2).Select(k => k.Key));
        Assert.InRange(stats.TopSourceIps[0].Count, 6_000 - slack, 6_000);
        Assert.InRange(stats.TopSourceIps[1].Count, 900 - slack, 900);
        Assert.Equal("friendly-scanner", stats.TopUserAgents[0].Key);
        Assert.InRange(stats.TopUserAgents[0].Count, 900 - 30_900 / 101, 900);
        // The totals stay exact.
        Assert.Equal(30_000, stats.Totals.Requests.Single(k => k.Key == "INVITE").Count);

        await using var cmd = _dataSource.CreateCommand(
            "SELECT count(*) FROM stats_counters WHERE metric IN ('src_ip', 'user_agent') AND bucket >= $1 AND bucket < $2");
        cmd.Parameters.AddWithValue(Day.AddHours(12).UtcDateTime);
        cmd.Parameters.AddWithValue(Day.AddHours(13).UtcDateTime);
        // Two lists, fewer than twice the capacity each, at three bucket widths: not a row per phone.
        Assert.InRange((long)(await cmd.ExecuteScalarAsync())!, 1, 2 * (2 * 100) * 3);
    }

    [Fact]
    public void A_top_key_counter_is_exact_up_to_twice_its_capacity_and_keeps_heavy_hitters_beyond()
    {
        var exact = new TopKeyCounter<string>(10);
        for (var i = 0; i < 19; i++)
            exact.Add(0, "n", 1, "k" + i, i + 1);
        var taken = exact.Take();
        Assert.Equal(19, taken.Count);
        Assert.All(taken, row => Assert.Equal(int.Parse(row.Key[1..]) + 1, row.Count));
        Assert.True(exact.IsEmpty);

        // The 20th key prunes: the 11th largest count (10) comes off every key, and the ten above it stay.
        var pruned = new TopKeyCounter<string>(10);
        for (var i = 0; i < 20; i++)
            pruned.Add(0, "n", 1, "k" + i, i + 1);
        var left = pruned.Take();
        Assert.Equal(10, left.Count);
        Assert.All(left, row => Assert.Equal(int.Parse(row.Key[1..]) + 1 - 10, row.Count));

        var few = new TopKeyCounter<string>(10);
        for (var i = 0; i < 10; i++)
            few.Add(0, "n", 1, "k" + i, 3);
        Assert.All(few.Take(), row => Assert.Equal(3, row.Count));

        // Stream of 100 000 with one key at 5 %: it survives, low by at most N / (capacity + 1).
        var heavy = new TopKeyCounter<int>(50);
        var random = new Random(7);
        for (var i = 0; i < 100_000; i++)
            heavy.Add(i, null, 1, i % 20 == 0 ? -1 : random.Next(), 1);
        var hitter = Assert.Single(heavy.Take(), row => row.Key == -1);
        Assert.InRange(hitter.Count, 5_000 - 100_000 / 51, 5_000);

        // Minutes, nodes and capture ids are counted apart; a failed write's rows go back in.
        var groups = new TopKeyCounter<string>(10);
        groups.Add(0, "a", 1, "k");
        groups.Add(59_999_999, "a", 1, "k");
        groups.Add(60_000_000, "a", 1, "k");
        groups.Add(0, "b", 1, "k");
        groups.Add(0, "a", 2, "k");
        var rows = groups.Take();
        Assert.Equal(4, rows.Count);
        Assert.Equal(2, rows.Single(r => r is { MinuteMicros: 0, Node: "a", CaptureId: 1 }).Count);
        groups.Restore(rows);
        Assert.Equal(5, groups.Take().Sum(r => r.Count));
    }

    [Fact]
    public void Quantiles_interpolate_within_the_fixed_buckets()
    {
        var h = new[] { 600L, 800, 1200, 1800, 2500 }.GroupBy(StatsHistogram.KeyOf).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(1250, StatsHistogram.Quantile(h, 0.5));
        Assert.Equal(2000 + 1000 * 0.75, StatsHistogram.Quantile(h, 0.95));
        Assert.Null(StatsHistogram.Quantile(new Dictionary<string, long>(), 0.5));
        Assert.Equal(60_000, StatsHistogram.Quantile(new Dictionary<string, long> { ["le:inf"] = 3 }, 0.5));
    }

    [Fact]
    public async Task A_range_with_too_many_buckets_is_refused_with_the_reason()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            new StatsQueries(_dataSource).QueryAsync(Day, Day.AddDays(30), StatsResolutions.Minute, null, null));
        Assert.Contains("larger bucket", e.Message);
    }
}
