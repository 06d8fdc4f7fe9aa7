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

    /// <summary>Columns in COPY order (the id and nothing else comes from the database).</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "ts", "proto_type", "ip_proto", "transport", "src_ip", "src_port", "dst_ip", "dst_port", "capture_id", "node",
        "vlan", "correlation_id", "call_id", "method", "status", "reason", "ruri_user", "ruri_domain", "from_user",
        "from_domain", "from_tag", "to_user", "to_domain", "to_tag", "cseq", "cseq_method", "user_agent", "parse_error",
        "headers", "payload",
    ];
}
