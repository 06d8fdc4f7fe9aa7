using System.Globalization;
using System.Net;
using Homer.Actors.Ingest;
using Homer.Hep;
using Homer.Storage;
using Prometheus;

namespace Homer.Actors.Tests;

public sealed class SipTrafficMetricsTests
{
    private static readonly IPAddress Pbx = IPAddress.Parse("198.51.100.7");

    [Fact]
    public async Task No_count_is_lost_when_the_aliases_are_reloaded_while_decode_workers_count()
    {
        var metrics = new SipTrafficMetrics(new SipTrafficOptions());
        var alias = "pbx-" + Guid.NewGuid().ToString("N")[..8];
        AliasRow[] rows = [new(1, Pbx, 0, alias, null, DateTimeOffset.UtcNow)];
        metrics.SetAliases(rows);

        // Two decode workers count one-message batches while the refresher reloads the same alias as fast as it can,
        // until it has reloaded 2 000 times: batches that took the index just before a reload add their counts after it.
        const int reloadsWanted = 2_000;
        using var stop = new CancellationTokenSource();
        var reloads = 0;
        var reloader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                metrics.SetAliases(rows);
                Interlocked.Increment(ref reloads);
            }
        });
        var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var batch = new List<CapturedMessage> { Invite() };
            var counted = 0L;
            while (Volatile.Read(ref reloads) == 0)
                Thread.Yield();
            while (Volatile.Read(ref reloads) < reloadsWanted)
            {
                metrics.Count(batch);
                counted++;
            }
            return counted;
        })).ToArray();
        var total = (await Task.WhenAll(workers)).Sum();
        await stop.CancelAsync();
        await reloader;

        Assert.Equal(total, await Scraped(alias, "src", "INVITE", "request"));
    }

    [Fact]
    public async Task An_alias_removed_and_added_back_goes_on_from_its_counts_and_a_renamed_one_starts_its_own()
    {
        var metrics = new SipTrafficMetrics(new SipTrafficOptions());
        var alias = "pbx-" + Guid.NewGuid().ToString("N")[..8];
        var renamed = alias + "-new";
        AliasRow[] rows = [new(1, Pbx, 0, alias, null, DateTimeOffset.UtcNow)];
        var batch = new List<CapturedMessage> { Invite() };

        metrics.SetAliases(rows);
        metrics.Count(batch);
        metrics.SetAliases([]);
        metrics.Count(batch);
        metrics.SetAliases(rows);
        metrics.Count(batch);
        Assert.Equal(2, await Scraped(alias, "src", "INVITE", "request"));

        metrics.SetAliases([rows[0] with { Name = renamed }]);
        metrics.Count(batch);
        Assert.Equal(1, await Scraped(renamed, "src", "INVITE", "request"));
        Assert.Equal(2, await Scraped(alias, "src", "INVITE", "request"));
    }

    private static CapturedMessage Invite() => new()
    {
        TimestampMicros = 1,
        Profile = MessageProfile.Call,
        ProtocolType = HepProtocolType.Sip,
        SourceIp = Pbx,
        SourcePort = 5060,
        DestinationIp = IPAddress.Parse("192.0.2.1"),
        DestinationPort = 5060,
        NodeName = "metrics-test",
        Method = "INVITE",
        CSeqMethod = "INVITE",
        Payload = ReadOnlyMemory<byte>.Empty,
    };

    /// <summary>The value of one alias series as a scrape of the default registry shows it (0 when it has none).</summary>
    private static async Task<double> Scraped(string alias, string direction, string method, string response)
    {
        using var text = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(text);
        var series = $"homer_sip_alias_method_response_total{{alias=\"{alias}\",direction=\"{direction}\",method=\"{method}\",response=\"{response}\"}} ";
        foreach (var line in System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n'))
            if (line.StartsWith(series, StringComparison.Ordinal))
                return double.Parse(line[series.Length..], CultureInfo.InvariantCulture);
        return 0;
    }
}
