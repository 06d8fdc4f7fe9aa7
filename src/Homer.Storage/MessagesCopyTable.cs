using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>Column mapping of <see cref="CapturedMessage"/> into one of the per-profile message tables.</summary>
public sealed class MessagesCopyTable(string tableName) : ICopyTable<CapturedMessage>
{
    public static readonly IReadOnlyDictionary<MessageProfile, MessagesCopyTable> ByProfile =
        MessageTables.ByProfile.ToDictionary(p => p.Key, p => new MessagesCopyTable(p.Value));

    public string TableName => tableName;

    public IReadOnlyList<string> Columns => MessageTables.Columns;

    public void WriteRow(NpgsqlBinaryImporter w, CapturedMessage m)
    {
        w.Write(m.Timestamp.UtcDateTime, NpgsqlDbType.TimestampTz);
        w.Write((short)m.ProtocolType, NpgsqlDbType.Smallint);
        w.Write((short)m.IpProtocol, NpgsqlDbType.Smallint);
        WriteText(w, m.Transport);
        w.Write(m.SourceIp, NpgsqlDbType.Inet);
        w.Write(m.SourcePort, NpgsqlDbType.Integer);
        w.Write(m.DestinationIp, NpgsqlDbType.Inet);
        w.Write(m.DestinationPort, NpgsqlDbType.Integer);
        w.Write(m.CaptureId, NpgsqlDbType.Bigint);
        WriteText(w, m.NodeName);
        if (m.Vlan is { } vlan) w.Write(vlan, NpgsqlDbType.Integer); else w.WriteNull();
        WriteText(w, m.CorrelationId);
        WriteText(w, m.CallId);
        WriteText(w, m.Method);
        if (m.StatusCode is { } status) w.Write((short)status, NpgsqlDbType.Smallint); else w.WriteNull();
        WriteText(w, m.ReasonPhrase);
        WriteText(w, m.RuriUser);
        WriteText(w, m.RuriDomain);
        WriteText(w, m.FromUser);
        WriteText(w, m.FromDomain);
        WriteText(w, m.FromTag);
        WriteText(w, m.ToUser);
        WriteText(w, m.ToDomain);
        WriteText(w, m.ToTag);
        if (m.CSeqNumber is { } cseq) w.Write(cseq, NpgsqlDbType.Bigint); else w.WriteNull();
        WriteText(w, m.CSeqMethod);
        WriteText(w, m.UserAgent);
        WriteText(w, m.ParseError);
        if (m.HeadersJson is null) w.WriteNull(); else w.Write(Clean(m.HeadersJson), NpgsqlDbType.Jsonb);
        w.Write(m.Payload, NpgsqlDbType.Bytea);
    }

    private static void WriteText(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null) w.WriteNull();
        else w.Write(Clean(value), NpgsqlDbType.Text);
    }

    // PostgreSQL text and jsonb cannot hold NUL; one stray byte in a header must not fail the whole batch.
    private static string Clean(string value) => value.Contains('\0') ? value.Replace('\0', '\uFFFD') : value;
}
