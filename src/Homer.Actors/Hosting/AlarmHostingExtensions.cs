using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Homer.Actors.Alarms;
using Homer.Storage.Alarms;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Actors.Hosting;

/// <summary>Registry key of the alarm engine singleton.</summary>
public sealed class AlarmEngineKey;

public static class AlarmHostingExtensions
{
    public const string AlarmRole = "dialog";

    /// <summary>The alarm engine as a cluster singleton on the dialog nodes (where the call events come from).</summary>
    public static AkkaConfigurationBuilder AddAlarmEngine(this AkkaConfigurationBuilder builder, IServiceProvider services, AlarmEngineSettings settings) =>
        builder.WithSingleton<AlarmEngineKey>(
            "alarm-engine",
            AlarmEngine.Props(services.GetRequiredService<AlarmStore>(), settings, null, services.GetService<Homer.Storage.QuarantineStore>()),
            new ClusterSingletonOptions { Role = AlarmRole },
            createProxyToo: false);

    /// <summary>Shard and dialog gauges of /metrics on a node that hosts dialogs.</summary>
    public static AkkaConfigurationBuilder AddDialogMetrics(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
            system.ActorOf(Homer.Actors.Stats.ShardMetricsActor.Props(registry.Get<Homer.Actors.Contracts.DialogRegion>(), TimeSpan.FromSeconds(10)),
                "shard-metrics"));

    /// <summary>Reads <c>homer.alarms</c> of cluster-config: intervals and the defaults of each rule type.</summary>
    public static AlarmEngineSettings AlarmSettingsFrom(Config config, AlarmNotificationSettings notifications)
    {
        var alarms = config.GetConfig("homer.alarms");
        if (alarms is null || alarms.IsEmpty)
            return new AlarmEngineSettings { Notifications = notifications };
        var defaults = alarms.GetConfig("defaults");
        return new AlarmEngineSettings
        {
            EvaluationInterval = alarms.GetTimeSpan("evaluation-interval", TimeSpan.FromSeconds(1)),
            RulesReloadInterval = alarms.GetTimeSpan("rules-reload-interval", TimeSpan.FromSeconds(30)),
            Notifications = notifications with
            {
                WebhookAttempts = alarms.GetInt("webhook-attempts", notifications.WebhookAttempts),
                WebhookRetryDelay = alarms.GetTimeSpan("webhook-retry-delay", notifications.WebhookRetryDelay),
                WebhookTimeout = alarms.GetTimeSpan("webhook-timeout", notifications.WebhookTimeout),
            },
            DefaultRules = AlarmRuleDefaults.Rules((type, d) =>
            {
                var c = defaults?.GetConfig(type);
                if (c is null || c.IsEmpty)
                    return d;
                return d with
                {
                    Enabled = c.GetBoolean("enabled", d.Enabled),
                    Threshold = c.HasPath("threshold") ? c.GetDouble("threshold") : d.Threshold,
                    MinCount = c.HasPath("min-count") ? c.GetLong("min-count") : d.MinCount,
                    WindowSeconds = (int)c.GetTimeSpan("window", TimeSpan.FromSeconds(d.WindowSeconds)).TotalSeconds,
                    CooldownSeconds = (int)c.GetTimeSpan("cooldown", TimeSpan.FromSeconds(d.CooldownSeconds)).TotalSeconds,
                    Severity = c.GetString("severity", d.Severity),
                    Parameters = c.GetString("parameters", d.Parameters),
                };
            }),
        };
    }
}
