namespace Homer.Storage;

/// <summary>Column mapping of <see cref="CapturedMessage"/> into one of the per-profile message tables.</summary>
/// <param name="withFields">
/// Also writes the <c>fields</c> column (configured header fields). Only batches that carry such a field use this
/// variant, so a node with no field configured writes exactly the columns it always did.
/// </param>
public sealed class MessagesCopyTable(string tableName, bool withFields = false) : ICopyTable<CapturedMessage>
{
    public static readonly IReadOnlyDictionary<MessageProfile, MessagesCopyTable> ByProfile =
        MessageTables.ByProfile.ToDictionary(p => p.Key, p => new MessagesCopyTable(p.Value));

    /// <summary>The same tables with the <c>fields</c> column.</summary>
    public static readonly IReadOnlyDictionary<MessageProfile, MessagesCopyTable> WithFieldsByProfile =
        MessageTables.ByProfile.ToDictionary(p => p.Key, p => new MessagesCopyTable(p.Value, withFields: true));

    private static readonly IReadOnlyList<string> ColumnsWithFields = [.. MessageTables.Columns, "fields"];

    public string TableName => tableName;

    public IReadOnlyList<string> Columns => withFields ? ColumnsWithFields : MessageTables.Columns;

    public void WriteRow(PgBinaryCopyWriter w, CapturedMessage m)
    {
        w.StartRow(withFields ? (short)(ColumnCount + 1) : ColumnCount);
        w.TimestampTz(m.TimestampMicros);
        w.Int16(m.ProtocolType);
        w.Int16(m.IpProtocol);
        w.Text(m.Transport);
        w.Inet(m.SourceIp);
        w.Int32(m.SourcePort);
        w.Inet(m.DestinationIp);
        w.Int32(m.DestinationPort);
        w.Int64(m.CaptureId);
        w.Text(m.NodeName);
        if (m.Vlan is { } vlan) w.Int32(vlan); else w.Null();
        w.Text(m.CorrelationId);
        w.Text(m.CallId);
        w.Text(m.Method);
        if (m.StatusCode is { } status) w.Int16((short)status); else w.Null();
        w.Text(m.ReasonPhrase);
        w.Text(m.RuriUser);
        w.Text(m.RuriDomain);
        w.Text(m.FromUser);
        w.Text(m.FromDomain);
        w.Text(m.FromTag);
        w.Text(m.ToUser);
        w.Text(m.ToDomain);
        w.Text(m.ToTag);
        if (m.CSeqNumber is { } cseq) w.Int64(cseq); else w.Null();
        w.Text(m.CSeqMethod);
        w.Text(m.UserAgent);
        w.Text(m.ParseError);
        w.Jsonb(m.HeadersJsonUtf8);
        w.Bytea(m.Payload.Span);
        if (withFields)
            w.Jsonb(m.FieldsJsonUtf8);
    }

    private static readonly short ColumnCount = (short)MessageTables.Columns.Count;
}
