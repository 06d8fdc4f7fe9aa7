using Homer.Storage;
using Prometheus;

namespace Homer.Actors.Stats;

/// <summary>
/// The call KPIs as Prometheus metrics of this node, fed by what its dialog row writer counted into the statistics
/// (so /metrics and the <c>stats</c> query agree). Summed across nodes by Prometheus.
/// </summary>
public static class CallMetrics
{
    private static readonly Counter Calls = Metrics.CreateCounter("homer_calls_total",
        "Ended calls by outcome (answered, cancelled, failed_4xx, failed_5xx, failed_6xx, redirected, no_final, challenge_only).", "outcome");
    private static readonly Counter Attempts = Metrics.CreateCounter("homer_call_attempts_total",
        "Ended calls counted as attempts for ASR/NER (RFC 6076: not redirected, not only challenged).");
    private static readonly Counter UserEffective = Metrics.CreateCounter("homer_call_user_effective_total",
        "Unanswered attempts ended by the user (480, 486, 600, 603): NER = (answered + this) / attempts.");
    private static readonly Histogram Pdd = Metrics.CreateHistogram("homer_call_pdd_seconds", "Post-dial delay of ended calls.",
        new HistogramConfiguration { Buckets = [0.1, 0.2, 0.5, 1, 2, 3, 5, 8, 13, 20, 30] });
    private static readonly Histogram Setup = Metrics.CreateHistogram("homer_call_setup_seconds", "INVITE to 2xx of answered calls.",
        new HistogramConfiguration { Buckets = [0.1, 0.2, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60] });
    private static readonly Histogram Duration = Metrics.CreateHistogram("homer_call_duration_seconds", "Duration of answered calls (ACD = sum / count).",
        new HistogramConfiguration { Buckets = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] });
    private static readonly Histogram Mos = Metrics.CreateHistogram("homer_call_mos", "Average MOS per call from attached QoS reports.",
        new HistogramConfiguration { Buckets = [2, 3, 3.5, 4, 4.5, 5] });
    private static readonly Counter Retransmissions = Metrics.CreateCounter("homer_call_retransmissions_total",
        "Retransmitted SIP messages of ended calls (ratio: divide by homer_call_messages_total).");
    private static readonly Counter Messages = Metrics.CreateCounter("homer_call_messages_total", "SIP messages of ended calls.");

    public static void Observe(DialogUpsertResult result)
    {
        foreach (var call in result.Calls)
        {
            Calls.WithLabels(call.Outcome).Inc();
            if (call.IsAttempt)
                Attempts.Inc();
            if (call.IsUserEffective)
                UserEffective.Inc();
            if (call.PddMs is { } pdd)
                Pdd.Observe(pdd / 1000.0);
            if (call is { Answered: true, SetupMs: { } setup })
                Setup.Observe(setup / 1000.0);
            if (call is { Answered: true, DurationMs: { } duration })
                Duration.Observe(duration / 1000.0);
            Retransmissions.Inc(call.Retransmissions);
            Messages.Inc(call.MessageCount);
        }
        foreach (var (_, mos) in result.Mos)
            Mos.Observe(mos);
        Kpis.Observe(result, DateTimeOffset.UtcNow);
    }

    /// <summary>The per-node KPI gauges (ASR, NER, PDD, ACD, MOS over a sliding window); configured at node start.</summary>
    /// <summary>One per process, as the Prometheus registry is: a node's settings configure it, never replace it.</summary>
    public static CallKpiGauges Kpis { get; } = new(TimeSpan.FromMinutes(5), 50);

    public static void ConfigureKpis(TimeSpan window, int maxNodes) => Kpis.Configure(window, maxNodes);
}

/// <summary>
/// ASR, NER, mean PDD, ACD and MOS per HEP node over the calls this node's dialog row writer ended in the last
/// <c>window</c>, as gauges (what a wallboard shows; the counters and histograms above are for rates over any range).
/// Ten-second buckets per node, updated a few times a second by the row writer and summed at scrape time; a node with
/// no call in the window has no series. Nodes beyond <c>maxNodes</c> are summed as "other".
/// </summary>
public sealed class CallKpiGauges
{
    private const int BucketSeconds = 10;
    private static readonly Gauge Asr = Metrics.CreateGauge("homer_kpi_asr_ratio",
        "Answer-seizure ratio (RFC 6076 SER) of the calls ended in the KPI window, per HEP node.", "node");
    private static readonly Gauge Ner = Metrics.CreateGauge("homer_kpi_ner_ratio",
        "Network effectiveness ratio (RFC 6076 SEER) of the calls ended in the KPI window, per HEP node.", "node");
    private static readonly Gauge Pdd = Metrics.CreateGauge("homer_kpi_pdd_seconds",
        "Mean post-dial delay of the calls ended in the KPI window, per HEP node.", "node");
    private static readonly Gauge Acd = Metrics.CreateGauge("homer_kpi_acd_seconds",
        "Average call duration of the answered calls ended in the KPI window, per HEP node.", "node");
    private static readonly Gauge MosGauge = Metrics.CreateGauge("homer_kpi_mos",
        "Mean MOS of the calls with QoS reports ended in the KPI window, per HEP node.", "node");
    private static readonly Gauge Attempts = Metrics.CreateGauge("homer_kpi_attempts",
        "Call attempts ended in the KPI window, per HEP node: the sample size behind the ratios.", "node");
    private static readonly Gauge WindowSeconds = Metrics.CreateGauge("homer_kpi_window_seconds",
        "The sliding window of the homer_kpi_* gauges (HOMER_METRICS_KPI_WINDOW_SECONDS).");

    private readonly object _lock = new();
    private readonly Dictionary<string, Bucket[]> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _published = new(StringComparer.Ordinal);
    // The rings hold the longest window allowed, so a new window applies to what was already counted.
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(1);
    private const int RingBuckets = 3600 / BucketSeconds;
    private int _buckets;
    private int _maxNodes;

    public CallKpiGauges(TimeSpan window, int maxNodes)
    {
        Configure(window, maxNodes);
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() => Publish(DateTimeOffset.UtcNow));
    }

    public void Configure(TimeSpan window, int maxNodes)
    {
        lock (_lock)
        {
            _buckets = Math.Clamp((int)Math.Ceiling(window.TotalSeconds / BucketSeconds), 1, RingBuckets);
            _maxNodes = maxNodes;
            WindowSeconds.Set(_buckets * BucketSeconds);
        }
    }

    private struct Bucket
    {
        public long Epoch;
        public long Attempts, Answered, UserEffective, PddCount, DurationCount, MosCount;
        public double PddSum, DurationSum, MosSum;
    }

    public void Observe(DialogUpsertResult result, DateTimeOffset now)
    {
        if (result.Calls.Count == 0 && result.Mos.Count == 0)
            return;
        var epoch = now.ToUnixTimeSeconds() / BucketSeconds;
        lock (_lock)
        {
            foreach (var call in result.Calls)
            {
                ref var b = ref BucketOf(call.Node, epoch);
                if (call.IsAttempt)
                    b.Attempts++;
                if (call.IsAttempt && call.Answered)
                    b.Answered++;
                if (call.IsAttempt && call.IsUserEffective)
                    b.UserEffective++;
                if (call.PddMs is { } pdd)
                {
                    b.PddSum += pdd / 1000.0;
                    b.PddCount++;
                }
                if (call is { Answered: true, DurationMs: { } duration })
                {
                    b.DurationSum += duration / 1000.0;
                    b.DurationCount++;
                }
            }
            foreach (var (node, mos) in result.Mos)
            {
                ref var b = ref BucketOf(node, epoch);
                b.MosSum += mos;
                b.MosCount++;
            }
        }
    }

    private ref Bucket BucketOf(string node, long epoch)
    {
        node = node.Length == 0 ? "unknown" : node;
        if (!_nodes.TryGetValue(node, out var ring))
        {
            // Node names come from the senders: past the bound they are summed as one.
            if (_nodes.Count >= _maxNodes)
                node = "other";
            if (!_nodes.TryGetValue(node, out ring))
                _nodes[node] = ring = new Bucket[RingBuckets];
        }
        ref var b = ref ring[epoch % RingBuckets];
        if (b.Epoch != epoch)
            b = new Bucket { Epoch = epoch };
        return ref b;
    }

    private void Publish(DateTimeOffset now)
    {
        var epoch = now.ToUnixTimeSeconds() / BucketSeconds;
        lock (_lock)
        {
            foreach (var (node, ring) in _nodes)
            {
                var sum = new Bucket();
                foreach (var b in ring)
                {
                    if (b.Epoch <= epoch - _buckets)
                        continue;
                    sum.Attempts += b.Attempts;
                    sum.Answered += b.Answered;
                    sum.UserEffective += b.UserEffective;
                    sum.PddSum += b.PddSum;
                    sum.PddCount += b.PddCount;
                    sum.DurationSum += b.DurationSum;
                    sum.DurationCount += b.DurationCount;
                    sum.MosSum += b.MosSum;
                    sum.MosCount += b.MosCount;
                }
                // No sample, no series: a stale ratio would read as a current one.
                Set(Attempts, node, sum.Attempts > 0 || sum.MosCount > 0, sum.Attempts);
                Set(Asr, node, sum.Attempts > 0, (double)sum.Answered / Math.Max(1, sum.Attempts));
                Set(Ner, node, sum.Attempts > 0, (double)(sum.Answered + sum.UserEffective) / Math.Max(1, sum.Attempts));
                Set(Pdd, node, sum.PddCount > 0, sum.PddSum / Math.Max(1, sum.PddCount));
                Set(Acd, node, sum.DurationCount > 0, sum.DurationSum / Math.Max(1, sum.DurationCount));
                Set(MosGauge, node, sum.MosCount > 0, sum.MosSum / Math.Max(1, sum.MosCount));
            }
        }
    }

    private static void Set(Gauge gauge, string node, bool has, double value)
    {
        if (has)
            gauge.WithLabels(node).Set(value);
        else
            gauge.RemoveLabelled(node);
    }
}
