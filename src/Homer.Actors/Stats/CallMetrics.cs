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
        foreach (var mos in result.Mos)
            Mos.Observe(mos);
    }
}
