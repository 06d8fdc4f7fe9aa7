using Prometheus;

namespace Homer.Actors.Alarms;

public static class AlarmMetrics
{
    private static readonly Counter Raised = Metrics.CreateCounter("homer_alarms_raised_total", "Alarms raised, by rule type.", "rule_type");
    private static readonly Gauge Open = Metrics.CreateGauge("homer_alarms_open", "Alarms active or acknowledged, on the node running the alarm engine.");
    private static readonly Counter Notifications = Metrics.CreateCounter("homer_alarm_notifications_total",
        "Alarm notifications by channel (webhook, email) and result (delivered, failed after its retries).", "channel", "result");
    private static readonly Counter Events = Metrics.CreateCounter("homer_alarm_events_total", "Call events evaluated by the alarm engine.");

    public static void RaisedOne(string ruleType) => Raised.WithLabels(ruleType).Inc();
    public static void SetOpen(int count) => Open.Set(count);
    public static void Notified(string channel, string result) => Notifications.WithLabels(channel, result).Inc();
    public static void Evaluated() => Events.Inc();
}
