using System.Globalization;
using Akka.Configuration;
using Homer.Actors.Contracts;

namespace Homer.Node;

/// <summary>
/// The node's effective configuration as <c>homerctl config show</c> prints it: every HOMER_* setting with the value
/// in force (defaults included) and the cluster-config tunables as loaded. Secrets never leave the node.
/// </summary>
public static class EffectiveConfig
{
    public const string Masked = "********";

    /// <summary>HOCON paths shown by config show: the tunables cluster-config/README.md documents.</summary>
    public static readonly string[] HoconPaths =
    [
        "akka.remote.dot-netty.tcp.maximum-frame-size",
        "akka.cluster.downing-provider-class",
        "akka.cluster.split-brain-resolver.active-strategy",
        "akka.cluster.split-brain-resolver.stable-after",
        "akka.cluster.split-brain-resolver.down-all-when-unstable",
        "akka.cluster.min-nr-of-members",
        "akka.cluster.failure-detector.acceptable-heartbeat-pause",
        "akka.cluster.sharding.remember-entities",
        "akka.cluster.sharding.handoff-timeout",
        "akka.cluster.sharding.least-shard-allocation-strategy.rebalance-absolute-limit",
        "akka.cluster.sharding.least-shard-allocation-strategy.rebalance-relative-limit",
        "akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout",
        "akka.coordinated-shutdown.phases.before-service-unbind.timeout",
        "akka.persistence.journal.sql.buffer-size",
        "akka.persistence.max-concurrent-recoveries",
        "akka.cluster.down-removal-margin",
        "akka.cluster.sharding.rebalance-interval",
        "akka.cluster.sharding.buffer-size",
        "akka.cluster.sharding.state-store-mode",
        "akka.stream.materializer.max-input-buffer-size",
        "homer.dialog.shard-count",
        "homer.dialog.route-window",
        "homer.dialog.route-window-messages",
        "homer.dialog.checkpoint-delay",
        "homer.dialog.ledger-flush-delay",
        "homer.dialog.events.window",
        "homer.dialog.events.max-events",
        "homer.dialog.events.max-waiting",
        "homer.dialog.recovery.margin",
        "homer.dialog.recovery.max-window",
        "homer.dialog.recovery.second-pass",
        "homer.dialog.recovery.detection-allowance",
        "homer.dialog.recovery.max-dialog-ids",
        "homer.dialog.recovery.max-messages-per-dialog",
        "homer.dialog.rows.max-pending-rows",
        "homer.dialog.rows.max-pending-bytes",
        "homer.storage.stall-after",
        "homer.dialog.recovery.read-concurrency",
        "homer.dialog.recovery.read-yield-max",
        "homer.dialog.recovery.after-open",
        "homer.dialog.recovery.read-attempts",
        "homer.dialog.recovery.read-retry-delay",
        "homer.dialog.recovery.dialogs-per-read",
        "homer.dialog.recovery.max-pending-live",
        "homer.alarms.evaluation-interval",
        "homer.alarms.rules-reload-interval",
        "homer.alarms.webhook-attempts",
        "homer.alarms.webhook-retry-delay",
        "homer.alarms.webhook-timeout",
    ];

    /// <param name="layers">What cluster-config/ set (to tell our choices from Akka's defaults).</param>
    /// <param name="running">The ActorSystem's configuration: layers, code-derived settings and Akka's defaults.</param>
    public static IReadOnlyList<NodeAdmin.ConfigEntry> Describe(NodeSettings s, Config layers, Config running, IReadOnlyList<string> files)
    {
        var entries = new List<NodeAdmin.ConfigEntry>();
        void Add(string key, object? value) =>
            entries.Add(new("HOMER_" + key, value switch
            {
                null => "",
                bool b => b ? "on" : "off",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            }, "settings"));
        void Secret(string key, bool set) => entries.Add(new("HOMER_" + key, set ? Masked : "", "settings"));

        Add("DB", MaskConnectionString(s.ConnectionString));
        Add("ROLES", string.Join(',', NodeSettings.AllRoles.Where(s.Has)));
        Add("NODE_NAME", s.NodeName);
        Add("ENVIRONMENT", s.Environment);
        Add("HTTP", s.HttpUrl);
        Add("AKKA_HOST", s.AkkaHost);
        Add("AKKA_PORT", s.AkkaPort);
        Add("AKKA_PUBLIC_HOST", s.AkkaPublicHost);
        Add("SEEDS", string.Join(',', s.Seeds));
        Add("CLUSTER_CONFIG", string.Join(" → ", files));
        foreach (var l in s.HepListeners)
        {
            var key = "HEP_" + l.Transport.ToString().ToUpperInvariant();
            Add(key, l.Endpoint.ToString());
            Secret(key + "_AUTH_KEY", l.AuthKey is not null);
            if (l.CertificatePath is not null)
            {
                Add("HEP_TLS_CERT", l.CertificatePath);
                Add("HEP_TLS_KEY", l.CertificateKeyPath);
                Secret("HEP_TLS_CERT_PASSWORD", l.CertificatePassword is not null);
            }
        }
        if (s.HepListeners.Count > 0)
        {
            Add("HEP_IDLE_SECONDS", (long)s.HepListeners[0].IdleTimeout.TotalSeconds);
            Add("HEP_FRAME_SECONDS", (long)s.HepListeners[0].FrameDeadline.TotalSeconds);
        }
        Add("INGEST_BATCH_SIZE", s.IngestBatchSize);
        Add("INGEST_EDGE_BUFFER", s.IngestEdgeBuffer);
        Add("INGEST_EDGE_BUFFER_MB", s.IngestEdgeBufferBytes >> 20);
        Add("REFUSAL_LOG_SECONDS", (long)s.RefusalLogInterval.TotalSeconds);
        Add("SPOOL_DIR", s.SpoolDirectory ?? "off");
        Add("SPOOL_MAX_MB", s.SpoolMaxBytes >> 20);
        Add("PARTITION_HOURS", (long)s.Storage.PartitionStep.TotalHours);
        Add("RETENTION_DAYS", (long)s.Storage.Retention.TotalDays);
        foreach (var (profile, retention) in s.Storage.RetentionByProfile)
            Add("RETENTION_DAYS_" + profile.ToString().ToUpperInvariant(), (long)retention.TotalDays);
        Add("DISK_BUDGET_GB", s.Storage.DiskBudgetBytes >> 30);
        Add("MAINTENANCE_SECONDS", (long)s.Storage.MaintenanceInterval.TotalSeconds);
        foreach (var (minutes, retention) in s.Storage.StatsRetention.OrderBy(kv => kv.Key))
            Add("STATS_RETENTION_DAYS_" + (minutes switch { 1 => "MINUTE", 5 => "FIVE_MINUTES", 60 => "HOUR", _ => minutes + "_MINUTES" }), (long)retention.TotalDays);
        Add("ALARM_RETENTION_DAYS", (long)s.Storage.AlarmRetention.TotalDays);
        Add("STATS_TOP_KEYS", s.Storage.TopKeysPerMinute);
        Add("STATS_TOP_FLUSH_SECONDS", (long)s.Storage.TopKeysFlushInterval.TotalSeconds);
        var alarms = s.AlarmNotifications;
        // Webhook URLs often carry their secret in the path or query (Slack, Teams): only scheme, host and port are shown.
        Add("ALARM_WEBHOOKS", string.Join(',', alarms.Webhooks.Select(u => $"{u.Scheme}://{u.Authority}/{(u.PathAndQuery.Length > 1 ? Masked : "")}")));
        Add("SMTP_HOST", alarms.SmtpHost);
        Add("SMTP_PORT", alarms.SmtpPort);
        Add("SMTP_SECURITY", alarms.SmtpSecurity);
        Add("SMTP_USER", alarms.SmtpUser);
        Secret("SMTP_PASSWORD", alarms.SmtpPassword is { Length: > 0 });
        Add("SMTP_FROM", alarms.SmtpFrom);
        Add("SMTP_TO", string.Join(',', alarms.SmtpTo));
        Add("DIALOG_HOLD", s.DialogHold);
        Add("DIALOG_LINGER_SECONDS", (long)s.Dialogs.Linger.TotalSeconds);
        Add("DIALOG_IDLE_ANSWERED_SECONDS", (long)s.Dialogs.IdleAnswered.TotalSeconds);
        Add("DIALOG_IDLE_UNANSWERED_SECONDS", (long)s.Dialogs.IdleUnanswered.TotalSeconds);
        Add("LEG_HEADERS", s.SipParser.CorrelationHeaders.Count == 0
            ? "off"
            : string.Join(',', s.SipParser.CorrelationHeaders.Select(h => h.Parameter is null ? h.Name : h.Name + ";" + h.Parameter)));
        Add("HEADER_FIELDS", string.Join(',', s.Storage.HeaderFields.Select(r => r.Part is null ? $"{r.Name}={r.Header}" : $"{r.Name}={r.Header}:{r.Part}")));
        Add("LEG_SUFFIX_RULE", s.Dialogs.LegSuffixRule?.ToString() ?? "off");
        Add("AUTH", s.Api.Auth.Enabled);
        Secret("ADMIN_PASSWORD", s.Api.Auth.AdminPassword is not null);
        Add("ADMIN_PASSWORD_FILE", s.Api.Auth.AdminPasswordFile);
        Secret("TOKEN_KEY", s.Api.Auth.TokenKey is not null);
        Add("LOGIN_ATTEMPTS", s.Api.Auth.LoginAttempts);
        var ldap = s.Api.Auth.Ldap;
        Add("LDAP_URL", ldap.Url ?? "off");
        if (ldap.Enabled)
        {
            Add("LDAP_STARTTLS", ldap.StartTls ? "on" : "off");
            Add("LDAP_CA_DIR", ldap.CaDirectory ?? "(system store)");
            Add("LDAP_USER_DN", ldap.UserDnTemplate ?? "");
            Add("LDAP_BIND_DN", ldap.BindDn ?? "");
            Secret("LDAP_BIND_PASSWORD", ldap.BindPassword is { Length: > 0 });
            Add("LDAP_USER_BASE", ldap.UserBase ?? "");
            Add("LDAP_USER_FILTER", ldap.UserFilter);
            Add("LDAP_GROUP_BASE", ldap.GroupBase ?? "");
            Add("LDAP_GROUP_FILTER", ldap.GroupFilter);
            Add("LDAP_ADMIN_GROUPS", string.Join(';', ldap.AdminGroups));
            Add("LDAP_USER_GROUPS", string.Join(';', ldap.UserGroups));
            Add("LDAP_VIEWER_GROUPS", string.Join(';', ldap.ViewerGroups));
            Add("LDAP_ORDER", ldap.Order == Homer.Api.Auth.LoginOrder.LocalFirst ? "local-first" : "ldap-first");
            Add("LDAP_TIMEOUT_SECONDS", (long)ldap.Timeout.TotalSeconds);
        }
        Add("LOGIN_WINDOW_SECONDS", (long)s.Api.Auth.LoginWindow.TotalSeconds);
        Add("ANONYMOUS_BODY_KB", s.Api.MaxAnonymousBodyBytes / 1024);
        Add("SHARE_LINK_HOURS", (long)s.Api.Auth.DefaultShareLinkLifetime.TotalHours);
        Add("SHARE_LINK_MAX_DAYS", (long)s.Api.Auth.MaxShareLinkLifetime.TotalDays);
        Add("METRICS_AUTH", s.MetricsAuth ? "token" : "off");
        Add("METRICS_SIP_CODES", s.SipTraffic.Codes.ToString().ToLowerInvariant());
        Add("METRICS_MAX_NODES", s.SipTraffic.MaxNodes);
        Add("METRICS_MAX_ALIASES", s.SipTraffic.MaxAliases);
        Add("METRICS_ALIAS_REFRESH_SECONDS", (long)s.SipTraffic.AliasRefresh.TotalSeconds);
        Add("METRICS_KPI_WINDOW_SECONDS", (long)s.KpiWindow.TotalSeconds);
        Add("CSP", s.ContentSecurityPolicy ?? "(fitted to the dashboard)");
        Add("SUBSCRIBER_QUEUE", s.Api.SubscriberQueue);
        Add("LIVE_MAX_PER_SECOND", s.Api.LiveMaxPerSecond);
        Add("WS_INIT_TIMEOUT_SECONDS", (long)s.Api.ConnectionInitTimeout.TotalSeconds);
        Add("GRAPHQL_TIMEOUT_SECONDS", (long)s.Api.ExecutionTimeout.TotalSeconds);
        Add("GRAPHQL_MAX_DEPTH", s.Api.MaxQueryDepth);
        Add("GRAPHQL_MAX_COMPLEXITY", s.Api.MaxQueryComplexity);
        Add("GRAPHQL_MAX_RESULT_KB", s.Api.MaxResultBytes / 1024);
        Add("GRAPHQL_MAX_DB_FIELDS", s.Api.MaxDatabaseFields);
        Add("GRAPHQL_USER_CONCURRENCY", s.Api.MaxConcurrentQueriesPerUser);
        Add("EXPORT_MAX_ROWS", s.Api.MaxSearchExportRows);
        Add("IMPORT_MAX_MB", s.Api.MaxImportBytes >> 20);
        Add("SEARCH_STATEMENT_TIMEOUT_SECONDS", (long)s.Storage.SearchStatementTimeout.TotalSeconds);

        foreach (var path in HoconPaths)
        {
            if (!running.HasPath(path))
                continue;
            var value = running.GetValue(path);
            entries.Add(new(path, value.IsString() ? value.GetString() : value.ToString(), layers.HasPath(path) ? "cluster-config" : "akka default"));
        }
        return entries;
    }

    /// <summary>The connection string without its password.</summary>
    public static string MaskConnectionString(string connectionString)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(';', parts.Select(p =>
        {
            var eq = p.IndexOf('=');
            var key = eq < 0 ? p : p[..eq].Trim();
            return key.Equals("Password", StringComparison.OrdinalIgnoreCase) || key.Equals("Pwd", StringComparison.OrdinalIgnoreCase)
                ? key + "=" + Masked
                : p;
        }));
    }
}
