using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>Column mapping of <see cref="CapturedMessage"/> into the partitioned <c>messages</c> table.</summary>
public sealed class MessagesCopyTable : ICopyTable<CapturedMessage>
{
    public static readonly MessagesCopyTable Instance = new();

    public string TableName => PartitionManager.MessagesTable;

    public IReadOnlyList<string> Columns { get; } =
    [
        "ts", "profile", "proto_type", "ip_proto", "src_ip", "src_port", "dst_ip", "dst_port", "capture_id", "node",
        "correlation_id", "call_id", "method", "status", "reason", "ruri_user", "from_user", "from_tag", "to_user",
        "to_tag", "cseq", "cseq_method", "user_agent", "parse_error", "payload",
    ];

    public void WriteRow(NpgsqlBinaryImporter w, CapturedMessage m)
    {
        w.Write(m.Timestamp.UtcDateTime, NpgsqlDbType.TimestampTz);
        w.Write((short)m.Profile, NpgsqlDbType.Smallint);
        w.Write((short)m.ProtocolType, NpgsqlDbType.Smallint);
        w.Write((short)m.IpProtocol, NpgsqlDbType.Smallint);
        w.Write(m.SourceIp, NpgsqlDbType.Inet);
        w.Write(m.SourcePort, NpgsqlDbType.Integer);
        w.Write(m.DestinationIp, NpgsqlDbType.Inet);
        w.Write(m.DestinationPort, NpgsqlDbType.Integer);
        w.Write(m.CaptureId, NpgsqlDbType.Bigint);
        WriteText(w, m.NodeName);
        WriteText(w, m.CorrelationId);
        WriteText(w, m.CallId);
        WriteText(w, m.Method);
        if (m.StatusCode is { } status) w.Write((short)status, NpgsqlDbType.Smallint); else w.WriteNull();
        WriteText(w, m.ReasonPhrase);
        WriteText(w, m.RuriUser);
        WriteText(w, m.FromUser);
        WriteText(w, m.FromTag);
        WriteText(w, m.ToUser);
        WriteText(w, m.ToTag);
        if (m.CSeqNumber is { } cseq) w.Write(cseq, NpgsqlDbType.Bigint); else w.WriteNull();
        WriteText(w, m.CSeqMethod);
        WriteText(w, m.UserAgent);
        WriteText(w, m.ParseError);
        w.Write(m.Payload, NpgsqlDbType.Bytea);
    }

    private static void WriteText(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null) w.WriteNull();
        // PostgreSQL text cannot hold NUL; one stray byte in a header must not fail the whole batch.
        else w.Write(value.Contains('\0') ? value.Replace('\0', '\uFFFD') : value, NpgsqlDbType.Text);
    }
}
