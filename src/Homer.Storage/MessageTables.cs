namespace Homer.Storage;

/// <summary>
/// The message tables, one per profile as HOMER keeps them (SIP by CSeq method, other payload families by type),
/// all with the same columns, range-partitioned by capture time. The <c>messages</c> view unites them for search.
/// </summary>
public static class MessageTables
{
    public const string SearchView = "messages";

    public static readonly IReadOnlyDictionary<MessageProfile, string> ByProfile = new Dictionary<MessageProfile, string>
    {
        [MessageProfile.Call] = "hep_call",
        [MessageProfile.Registration] = "hep_registration",
        [MessageProfile.Default] = "hep_default",
        [MessageProfile.Qos] = "hep_qos",
        [MessageProfile.Rtcp] = "hep_rtcp",
        [MessageProfile.Log] = "hep_log",
        [MessageProfile.Generic] = "hep_generic",
    };

    public static IEnumerable<string> All => ByProfile.Values;

    public static string TableOf(MessageProfile profile) => ByProfile[profile];

    /// <summary>Columns searched with exact, prefix and wildcard patterns.</summary>
    public static readonly IReadOnlyList<string> PatternColumns =
        ["ruri_user", "ruri_domain", "from_user", "from_domain", "to_user", "to_domain", "user_agent", "node"];

    /// <summary>Columns in COPY order (the id and nothing else comes from the database).</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "ts", "proto_type", "ip_proto", "transport", "src_ip", "src_port", "dst_ip", "dst_port", "capture_id", "node",
        "vlan", "correlation_id", "call_id", "method", "status", "reason", "ruri_user", "ruri_domain", "from_user",
        "from_domain", "from_tag", "to_user", "to_domain", "to_tag", "cseq", "cseq_method", "user_agent", "parse_error",
        "headers", "payload",
    ];

    internal static string CreateTable(string table) => $"""
        CREATE TABLE {table} (
            id              bigint      NOT NULL DEFAULT nextval('messages_id_seq'),
            ts              timestamptz NOT NULL,
            proto_type      smallint    NOT NULL,
            ip_proto        smallint    NOT NULL,
            transport       text,
            src_ip          inet        NOT NULL,
            src_port        integer     NOT NULL,
            dst_ip          inet        NOT NULL,
            dst_port        integer     NOT NULL,
            capture_id      bigint      NOT NULL,
            node            text,
            vlan            integer,
            correlation_id  text,
            call_id         text,
            method          text,
            status          smallint,
            reason          text,
            ruri_user       text,
            ruri_domain     text,
            from_user       text,
            from_domain     text,
            from_tag        text,
            to_user         text,
            to_domain       text,
            to_tag          text,
            cseq            bigint,
            cseq_method     text,
            user_agent      text,
            parse_error     text,
            headers         jsonb,
            payload         bytea       NOT NULL
        ) PARTITION BY RANGE (ts);
        -- Rows whose timestamps fall outside every range partition (senders with broken clocks) are kept here.
        CREATE TABLE {table}_default PARTITION OF {table} DEFAULT;
        CREATE INDEX {table}_call_id_ts ON {table} (call_id, ts);
        CREATE INDEX {table}_correlation_id ON {table} (correlation_id) WHERE correlation_id IS NOT NULL;
        CREATE INDEX {table}_ts ON {table} (ts);
        CREATE INDEX {table}_from_user_ts ON {table} (from_user, ts);
        CREATE INDEX {table}_to_user_ts ON {table} (to_user, ts);
        """;

    internal static string CreateSearchView() =>
        $"CREATE VIEW {SearchView} AS\n" + string.Join("\nUNION ALL\n",
            ByProfile.Select(p => $"SELECT *, {(short)p.Key}::smallint AS profile FROM {p.Value}"));
}
