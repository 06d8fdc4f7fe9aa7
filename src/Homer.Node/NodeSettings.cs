using System.Globalization;
using System.Net;
using Homer.Actors.Dialogs;
using Homer.Actors.Ingest;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Node;

/// <summary>
/// What varies per deployment, read from appsettings.json and HOMER_* environment variables (HOMER_DB → "DB").
/// Every key is listed in docs/configuration.md.
/// </summary>
public sealed record NodeSettings
{
    public required string ConnectionString { get; init; }
    /// <summary>HEP listeners of this node (used when it has the ingest role).</summary>
    public required IReadOnlyList<HepListenerOptions> HepListeners { get; init; }
    public required string HttpUrl { get; init; }
    public required IReadOnlySet<string> Roles { get; init; }
    public required string AkkaHost { get; init; }
    public required int AkkaPort { get; init; }
    public string? AkkaPublicHost { get; init; }
    public required IReadOnlyList<string> Seeds { get; init; }
    /// <summary>HOMER_SEEDS=manual: join nobody (not even itself) until an admin runs <c>homerctl cluster join</c>.</summary>
    public bool ManualJoin { get; init; }
    public required string Environment { get; init; }
    public string? ClusterConfigPath { get; init; }
    public string? DashboardPath { get; init; }
    /// <summary>HOMER_METRICS_AUTH: token (default), /metrics needs a valid token; off, it answers anyone.</summary>
    public bool MetricsAuth { get; init; } = true;
    /// <summary>HOMER_METRICS_SIP_CODES, _MAX_NODES, _MAX_ALIASES: the bounds of the SIP traffic metrics.</summary>
    public Homer.Actors.Ingest.SipTrafficOptions SipTraffic { get; init; } = new();
    /// <summary>HOMER_METRICS_KPI_WINDOW_SECONDS: the sliding window of the homer_kpi_* gauges.</summary>
    public TimeSpan KpiWindow { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>HOMER_CSP: the Content-Security-Policy header; unset, one fitted to the built dashboard; "off", none.</summary>
    public string? ContentSecurityPolicy { get; init; }
    public required string NodeName { get; init; }
    public int IngestBatchSize { get; init; } = 2_000;
    public int IngestEdgeBuffer { get; init; } = 100_000;
    /// <summary>Bytes of packets the edge buffer may hold: HOMER_INGEST_EDGE_BUFFER_MB, else an eighth of the heap limit.</summary>
    public long IngestEdgeBufferBytes { get; init; }
    /// <summary>Refused packets are logged as one summary line per reason per this interval.</summary>
    public TimeSpan RefusalLogInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Messages for dialogs an ingest node holds while a dialog node is unreachable (0: none).</summary>
    public int DialogHold { get; init; } = 200_000;
    public DialogSettings Dialogs { get; init; } = DialogSettings.Default;
    /// <summary>HOMER_LEG_HEADERS: the headers the ingest decoder reads as a leg's correlation id.</summary>
    public SipParserOptions SipParser { get; init; } = SipParserOptions.Default;
    public string? SpoolDirectory { get; init; }
    public long SpoolMaxBytes { get; init; }
    public required StorageOptions Storage { get; init; }
    /// <summary>API role: auth (HOMER_AUTH, HOMER_ADMIN_PASSWORD, HOMER_TOKEN_KEY) and subscription limits.</summary>
    public Homer.Api.ApiOptions Api { get; init; } = new();
    /// <summary>Where alarms are notified: HOMER_ALARM_WEBHOOKS (comma-separated URLs), HOMER_SMTP_* for e-mail.</summary>
    public Homer.Actors.Alarms.AlarmNotificationSettings AlarmNotifications { get; init; } = new();

    public static readonly string[] AllRoles = ["ingest", "dialog", "api"];

    public bool Has(string role) => Roles.Contains(role);

    public static NodeSettings From(IConfiguration c)
    {
        string Get(string key, string fallback) => c[key] is { Length: > 0 } v ? v : fallback;
        int GetInt(string key, int fallback) =>
            c[key] is { Length: > 0 } v
                ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw Invalid(key, v, "a whole number")
                : fallback;

        int Positive(string key, int fallback) =>
            GetInt(key, fallback) is > 0 and var value ? value : throw Invalid(key, c[key]!, "a whole number above 0");

        var roles = Get("ROLES", string.Join(',', AllRoles))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.ToLowerInvariant()).ToHashSet();
        foreach (var role in roles.Where(r => !AllRoles.Contains(r)))
            throw Invalid("ROLES", role, "one of " + string.Join(", ", AllRoles));

        var authKey = c["HEP_AUTH_KEY"] is { Length: > 0 } k ? k : null;
        var idle = TimeSpan.FromSeconds(GetInt("HEP_IDLE_SECONDS", 300));
        var frameDeadline = TimeSpan.FromSeconds(Positive("HEP_FRAME_SECONDS", 10));
        var listeners = new List<HepListenerOptions>();
        void Listener(string key, string fallback, HepTransport transport)
        {
            var value = Get(key, fallback);
            if (value is "off" or "none")
                return;
            if (!IPEndPoint.TryParse(value, out var endpoint))
                throw Invalid(key, value, "address:port such as 0.0.0.0:9060, or off");
            listeners.Add(new HepListenerOptions
            {
                Transport = transport,
                Endpoint = endpoint,
                AuthKey = c[key + "_AUTH_KEY"] is { Length: > 0 } own ? own : authKey,
                IdleTimeout = idle,
                FrameDeadline = frameDeadline,
                CertificatePath = transport == HepTransport.Tls ? c["HEP_TLS_CERT"] : null,
                CertificatePassword = transport == HepTransport.Tls ? c["HEP_TLS_CERT_PASSWORD"] : null,
                CertificateKeyPath = transport == HepTransport.Tls ? c["HEP_TLS_KEY"] : null,
            });
        }
        Listener("HEP_UDP", "0.0.0.0:9060", HepTransport.Udp);
        Listener("HEP_TCP", "0.0.0.0:9060", HepTransport.Tcp);
        // TLS needs a certificate: without one configured the listener stays off rather than failing the node.
        if (c["HEP_TLS_CERT"] is { Length: > 0 })
            Listener("HEP_TLS", "0.0.0.0:9061", HepTransport.Tls);

        var connectionString = Get("DB", "Host=127.0.0.1;Port=5432;Username=homer;Password=homer;Database=homer");
        var retentionByProfile = new Dictionary<MessageProfile, TimeSpan>();
        foreach (var profile in Enum.GetValues<MessageProfile>())
        {
            if (c["RETENTION_DAYS_" + profile.ToString().ToUpperInvariant()] is { Length: > 0 })
                retentionByProfile[profile] = TimeSpan.FromDays(GetInt("RETENTION_DAYS_" + profile.ToString().ToUpperInvariant(), 7));
        }
        var partitionHours = GetInt("PARTITION_HOURS", 24);
        if (partitionHours < 1 || (24 % partitionHours != 0 && partitionHours % 24 != 0))
            throw Invalid("PARTITION_HOURS", partitionHours.ToString(CultureInfo.InvariantCulture), "a divisor or multiple of 24");

        var sipParser = LegHeaders(Get("LEG_HEADERS", "X-CID"));
        IReadOnlyList<HeaderFieldRule> headerFields;
        try
        {
            headerFields = HeaderFieldRegistry.ParseSetting(c["HEADER_FIELDS"]);
        }
        catch (Exception e) when (e is FormatException or MessageFilterException)
        {
            throw Invalid("HEADER_FIELDS", c["HEADER_FIELDS"] ?? "", "name=Header or name=Header:part (user, host, param:NAME, regex:PATTERN), comma-separated: " + e.Message);
        }
        var topKeys = GetInt("STATS_TOP_KEYS", 1_000);
        if (topKeys < 1)
            throw Invalid("STATS_TOP_KEYS", topKeys.ToString(CultureInfo.InvariantCulture), "at least 1");
        var topFlushSeconds = GetInt("STATS_TOP_FLUSH_SECONDS", 10);
        if (topFlushSeconds < 1)
            throw Invalid("STATS_TOP_FLUSH_SECONDS", topFlushSeconds.ToString(CultureInfo.InvariantCulture), "at least 1");

        return new NodeSettings
        {
            ConnectionString = connectionString,
            Storage = new StorageOptions
            {
                ConnectionString = connectionString,
                PartitionStep = TimeSpan.FromHours(partitionHours),
                Retention = TimeSpan.FromDays(GetInt("RETENTION_DAYS", 7)),
                RetentionByProfile = retentionByProfile,
                DiskBudgetBytes = GetInt("DISK_BUDGET_GB", 0) * (1L << 30),
                MaintenanceInterval = TimeSpan.FromSeconds(GetInt("MAINTENANCE_SECONDS", 900)),
                SearchStatementTimeout = TimeSpan.FromSeconds(GetInt("SEARCH_STATEMENT_TIMEOUT_SECONDS", 30)),
                HeaderFields = headerFields,
                StatsRetention = new Dictionary<short, TimeSpan>
                {
                    [1] = TimeSpan.FromDays(GetInt("STATS_RETENTION_DAYS_MINUTE", 7)),
                    [5] = TimeSpan.FromDays(GetInt("STATS_RETENTION_DAYS_FIVE_MINUTES", 35)),
                    [60] = TimeSpan.FromDays(GetInt("STATS_RETENTION_DAYS_HOUR", 400)),
                },
                AlarmRetention = TimeSpan.FromDays(GetInt("ALARM_RETENTION_DAYS", 90)),
                TopKeysPerMinute = topKeys,
                TopKeysFlushInterval = TimeSpan.FromSeconds(topFlushSeconds),
            },
            SpoolDirectory = Get("SPOOL_DIR", "spool") is "off" ? null : Get("SPOOL_DIR", "spool"),
            SpoolMaxBytes = GetInt("SPOOL_MAX_MB", 1024) * (1L << 20),
            HepListeners = listeners,
            HttpUrl = Get("HTTP", "http://0.0.0.0:9080"),
            Roles = roles,
            AkkaHost = Get("AKKA_HOST", "127.0.0.1"),
            AkkaPort = GetInt("AKKA_PORT", 4053),
            AkkaPublicHost = c["AKKA_PUBLIC_HOST"] is { Length: > 0 } p ? p : null,
            Seeds = Get("SEEDS", "") is "manual" ? [] : Get("SEEDS", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ManualJoin = Get("SEEDS", "") is "manual",
            Environment = Get("ENVIRONMENT", "production").ToLowerInvariant(),
            ClusterConfigPath = c["CLUSTER_CONFIG"],
            DashboardPath = c["DASHBOARD"],
            ContentSecurityPolicy = c["CSP"] is { Length: > 0 } csp ? csp : null,
            MetricsAuth = Get("METRICS_AUTH", "token").ToLowerInvariant() switch
            {
                "token" => true,
                "off" => false,
                var other => throw Invalid("METRICS_AUTH", other, "token or off"),
            },
            SipTraffic = new Homer.Actors.Ingest.SipTrafficOptions
            {
                Codes = Get("METRICS_SIP_CODES", "exact").ToLowerInvariant() switch
                {
                    "exact" => Homer.Actors.Ingest.SipCodeLabels.Exact,
                    "class" => Homer.Actors.Ingest.SipCodeLabels.Class,
                    var other => throw Invalid("METRICS_SIP_CODES", other, "exact or class"),
                },
                MaxNodes = Positive("METRICS_MAX_NODES", 50),
                MaxAliases = GetInt("METRICS_MAX_ALIASES", 100) is >= 0 and var maxAliases
                    ? maxAliases : throw Invalid("METRICS_MAX_ALIASES", c["METRICS_MAX_ALIASES"]!, "0 or more"),
                AliasRefresh = TimeSpan.FromSeconds(Positive("METRICS_ALIAS_REFRESH_SECONDS", 30)),
            },
            KpiWindow = Positive("METRICS_KPI_WINDOW_SECONDS", 300) is var kpiWindow && kpiWindow <= 3600
                ? TimeSpan.FromSeconds(kpiWindow) : throw Invalid("METRICS_KPI_WINDOW_SECONDS", kpiWindow.ToString(CultureInfo.InvariantCulture), "1 to 3600"),
            NodeName = Get("NODE_NAME", Dns.GetHostName()),
            IngestBatchSize = GetInt("INGEST_BATCH_SIZE", 2_000),
            IngestEdgeBuffer = GetInt("INGEST_EDGE_BUFFER", 100_000),
            IngestEdgeBufferBytes = c["INGEST_EDGE_BUFFER_MB"] is { Length: > 0 }
                ? Positive("INGEST_EDGE_BUFFER_MB", 1) * (1L << 20)
                : MemoryEnvelope.HeapLimitBytes / 8,
            RefusalLogInterval = TimeSpan.FromSeconds(Positive("REFUSAL_LOG_SECONDS", 10)),
            DialogHold = GetInt("DIALOG_HOLD", 200_000),
            SipParser = sipParser,
            Dialogs = DialogSettings.Default with
            {
                SipParser = sipParser,
                LegSuffixRule = Get("LEG_SUFFIX_RULE", DialogSettings.DefaultLegSuffixPattern) is var rule && rule == "off"
                    ? null
                    : LegSuffixRuleOf(rule),
                Linger = TimeSpan.FromSeconds(GetInt("DIALOG_LINGER_SECONDS", 32)),
                IdleAnswered = TimeSpan.FromSeconds(GetInt("DIALOG_IDLE_ANSWERED_SECONDS", 3600)),
                IdleUnanswered = TimeSpan.FromSeconds(GetInt("DIALOG_IDLE_UNANSWERED_SECONDS", 300)),
            },
            AlarmNotifications = new Homer.Actors.Alarms.AlarmNotificationSettings
            {
                Webhooks = Get("ALARM_WEBHOOKS", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                        ? uri
                        : throw Invalid("ALARM_WEBHOOKS", u, "comma-separated http(s) URLs"))
                    .ToArray(),
                SmtpHost = c["SMTP_HOST"] is { Length: > 0 } smtpHost ? smtpHost : null,
                SmtpPort = GetInt("SMTP_PORT", 25),
                SmtpSecurity = Get("SMTP_SECURITY", "starttls-when-available"),
                SmtpUser = c["SMTP_USER"] is { Length: > 0 } smtpUser ? smtpUser : null,
                SmtpPassword = c["SMTP_PASSWORD"],
                SmtpFrom = Get("SMTP_FROM", "homer@localhost"),
                SmtpTo = Get("SMTP_TO", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            },
            Api = new Homer.Api.ApiOptions
            {
                Auth = new Homer.Api.Auth.AuthOptions
                {
                    Enabled = Get("AUTH", "on").ToLowerInvariant() switch
                    {
                        "on" => true,
                        "off" => false,
                        var other => throw Invalid("AUTH", other, "on or off"),
                    },
                    AdminPassword = c["ADMIN_PASSWORD"] is { Length: > 0 } adminPassword ? adminPassword : null,
                    AdminPasswordFile = Get("ADMIN_PASSWORD_FILE", "initial-admin-password"),
                    TokenKey = c["TOKEN_KEY"] is { Length: > 0 } tokenKey ? tokenKey : null,
                    LoginAttempts = GetInt("LOGIN_ATTEMPTS", 5),
                    LoginWindow = TimeSpan.FromSeconds(GetInt("LOGIN_WINDOW_SECONDS", 300)),
                    DefaultShareLinkLifetime = TimeSpan.FromHours(GetInt("SHARE_LINK_HOURS", 24)),
                    MaxShareLinkLifetime = TimeSpan.FromDays(GetInt("SHARE_LINK_MAX_DAYS", 7)),
                    ViewerPayloads = Get("VIEWER_PAYLOADS", "off").ToLowerInvariant() switch
                    {
                        "on" => true,
                        "off" => false,
                        var other => throw Invalid("VIEWER_PAYLOADS", other, "on or off"),
                    },
                    WebSocketRecheck = TimeSpan.FromSeconds(GetInt("WS_AUTH_RECHECK_SECONDS", 10)),
                    Ldap = Ldap(c),
                },
                SubscriberQueue = GetInt("SUBSCRIBER_QUEUE", 1_000),
                LiveMaxPerSecond = GetInt("LIVE_MAX_PER_SECOND", 1_000),
                ConnectionInitTimeout = TimeSpan.FromSeconds(GetInt("WS_INIT_TIMEOUT_SECONDS", 10)),
                ExecutionTimeout = TimeSpan.FromSeconds(GetInt("GRAPHQL_TIMEOUT_SECONDS", 30)),
                MaxAnonymousBodyBytes = GetInt("ANONYMOUS_BODY_KB", 64) * 1024L,
                MaxQueryDepth = GetInt("GRAPHQL_MAX_DEPTH", 15),
                MaxQueryComplexity = GetInt("GRAPHQL_MAX_COMPLEXITY", 20_000),
                MaxResultBytes = GetInt("GRAPHQL_MAX_RESULT_KB", 32 * 1024) * 1024L,
                MaxDatabaseFields = Positive("GRAPHQL_MAX_DB_FIELDS", 10),
                MaxConcurrentQueriesPerUser = Positive("GRAPHQL_USER_CONCURRENCY", 4),
                MaxSearchExportRows = Positive("EXPORT_MAX_ROWS", 1_000_000),
                MaxImportBytes = Positive("IMPORT_MAX_MB", 256) * (1L << 20),
            },
        };
    }

    /// <summary>HOMER_LDAP_*: LDAP login, off unless HOMER_LDAP_URL is set (docs/configuration.md, "LDAP login").</summary>
    private static Homer.Api.Auth.LdapOptions Ldap(IConfiguration c)
    {
        string? Value(string key) => c[key] is { Length: > 0 } v ? v : null;
        // Group DNs hold commas, so the lists are separated by semicolons.
        IReadOnlyList<string> Groups(string key) =>
            (Value(key) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var url = Value("LDAP_URL");
        if (url is null)
            return new Homer.Api.Auth.LdapOptions();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ldap" or "ldaps"))
            throw Invalid("LDAP_URL", url, "ldap://host[:port] or ldaps://host[:port]");
        var options = new Homer.Api.Auth.LdapOptions
        {
            Url = url,
            StartTls = (Value("LDAP_STARTTLS") ?? "off").ToLowerInvariant() switch
            {
                "on" => true,
                "off" => false,
                var other => throw Invalid("LDAP_STARTTLS", other, "on or off"),
            },
            CaDirectory = Value("LDAP_CA_DIR"),
            UserDnTemplate = Value("LDAP_USER_DN"),
            BindDn = Value("LDAP_BIND_DN"),
            BindPassword = c["LDAP_BIND_PASSWORD"],
            UserBase = Value("LDAP_USER_BASE"),
            UserFilter = Value("LDAP_USER_FILTER") ?? "(uid={0})",
            GroupBase = Value("LDAP_GROUP_BASE"),
            GroupFilter = Value("LDAP_GROUP_FILTER") ?? "(|(member={dn})(uniqueMember={dn})(memberUid={user}))",
            AdminGroups = Groups("LDAP_ADMIN_GROUPS"),
            UserGroups = Groups("LDAP_USER_GROUPS"),
            ViewerGroups = Groups("LDAP_VIEWER_GROUPS"),
            Order = (Value("LDAP_ORDER") ?? "local-first").ToLowerInvariant() switch
            {
                "local-first" => Homer.Api.Auth.LoginOrder.LocalFirst,
                "ldap-first" => Homer.Api.Auth.LoginOrder.LdapFirst,
                var other => throw Invalid("LDAP_ORDER", other, "local-first or ldap-first"),
            },
            Timeout = TimeSpan.FromSeconds(Value("LDAP_TIMEOUT_SECONDS") is { } t
                ? int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                    ? seconds : throw Invalid("LDAP_TIMEOUT_SECONDS", t, "a whole number above 0")
                : 5),
        };
        if (options.UserDnTemplate is null && options.UserBase is null)
            throw Invalid("LDAP_URL", url, "set with HOMER_LDAP_USER_DN (bind as uid={0},ou=people,…) or HOMER_LDAP_USER_BASE (search, then bind)");
        if (options.GroupBase is null)
            throw Invalid("LDAP_GROUP_BASE", "", "the base under which groups are searched (roles come from groups)");
        if (options.AdminGroups.Count + options.UserGroups.Count + options.ViewerGroups.Count == 0)
            throw Invalid("LDAP_ADMIN_GROUPS", "", "at least one of HOMER_LDAP_ADMIN_GROUPS, _USER_GROUPS, _VIEWER_GROUPS");
        return options;
    }

    /// <summary>
    /// HOMER_LEG_HEADERS: the headers that name another leg of the call, in priority order, comma-separated; a header
    /// whose value holds the id in a parameter is written <c>Name;parameter</c> (P-Charging-Vector;icid-value).
    /// "off" reads none.
    /// </summary>
    private static SipParserOptions LegHeaders(string value)
    {
        if (value == "off")
            return new SipParserOptions([]);
        var headers = new List<SipCorrelationHeader>();
        foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(';', StringSplitOptions.TrimEntries);
            if (parts.Length > 2 || !IsToken(parts[0]) || parts.Length == 2 && !IsToken(parts[1]))
                throw Invalid("LEG_HEADERS", value, "comma-separated header names, each optionally with ;parameter (X-CID,P-Charging-Vector;icid-value), or off");
            headers.Add(new SipCorrelationHeader(parts[0], parts.Length == 2 ? parts[1] : null));
        }
        return new SipParserOptions(headers);
    }

    // RFC 3261 token characters: what a header or parameter name may be made of.
    private static bool IsToken(string s) =>
        s.Length > 0 && s.All(ch => char.IsAsciiLetterOrDigit(ch) || "-.!%*_+`'~".Contains(ch));

    private static System.Text.RegularExpressions.Regex LegSuffixRuleOf(string pattern)
    {
        try
        {
            return DialogSettings.LegSuffixRuleOf(pattern);
        }
        catch (ArgumentException e)
        {
            throw Invalid("LEG_SUFFIX_RULE", pattern, $"a regular expression with a (?<root>...) group, or off: {e.Message}");
        }
    }

    private static FormatException Invalid(string key, string value, string expected) =>
        new($"Configuration HOMER_{key}='{value}' is invalid: expected {expected}.");
}
