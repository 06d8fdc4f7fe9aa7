using Homer.Actors.Contracts;
using Homer.Storage;

namespace Homer.Actors.Serialization;

/// <summary>
/// The dialog commands and queries' part of <see cref="HomerSerializer"/>: what ingest tells a dialog (a SIP message,
/// QoS, a log, a leg) and the snapshot a query gets back. <see cref="DialogCommands.ShardBatch"/> nests these and is
/// written by <see cref="HomerSerializer"/> itself. The snapshot's layout is with the state's, in <see cref="DialogStateWire"/>.
/// </summary>
internal static class DialogWire
{
    public static string? ManifestOf(object o) => o switch
    {
        DialogCommands.RecordSipMessage => "DR",
        DialogCommands.StopDialog => "DS",
        DialogCommands.AttachQos => "DQ",
        DialogCommands.AttachLog => "DL",
        DialogCommands.LinkLeg => "DK",
        QosReport => "QR",
        LogEntry => "LE",
        DialogQueries.GetDialog => "DG",
        DialogQueries.DialogSnapshot => "DN",
        _ => null,
    };

    public static bool TryWrite(BinaryWriter w, object o)
    {
        switch (o)
        {
            case DialogCommands.RecordSipMessage m:
                WriteSip(w, m);
                return true;
            case DialogCommands.StopDialog:
                return true;
            case DialogCommands.AttachQos q:
                w.Write(q.CallId);
                WriteQos(w, q.Report);
                return true;
            case DialogCommands.AttachLog l:
                w.Write(l.CallId);
                WriteLog(w, l.Entry);
                return true;
            case DialogCommands.LinkLeg l:
                w.Write(l.CallId);
                w.Write(l.LegCallId);
                return true;
            case QosReport q:
                WriteQos(w, q);
                return true;
            case LogEntry l:
                WriteLog(w, l);
                return true;
            case DialogQueries.GetDialog q:
                w.Write(q.CallId);
                return true;
            case DialogQueries.DialogSnapshot s:
                DialogStateWire.WriteSnapshot(w, s);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The message of <paramref name="manifest"/>, or null when the manifest is not one of these.</summary>
    public static object? Read(BinaryReader r, string manifest) => manifest switch
    {
        "DR" => ReadSip(r),
        "DS" => DialogCommands.StopDialog.Instance,
        "DQ" => new DialogCommands.AttachQos(r.ReadString(), ReadQos(r)),
        "DL" => new DialogCommands.AttachLog(r.ReadString(), ReadLog(r)),
        "DK" => new DialogCommands.LinkLeg(r.ReadString(), r.ReadString()),
        "QR" => ReadQos(r),
        "LE" => ReadLog(r),
        "DG" => new DialogQueries.GetDialog(r.ReadString()),
        "DN" => DialogStateWire.ReadSnapshot(r),
        _ => null,
    };

    // ------------------------------------------------------------ SIP message

    private static void WriteSip(BinaryWriter w, DialogCommands.RecordSipMessage m)
    {
        w.Write(m.CallId);
        w.Write(m.TimestampMicros);
        w.WriteOptional(m.Method);
        w.Write(m.StatusCode);
        w.WriteOptional(m.ReasonPhrase);
        w.Write(m.CSeqNumber);
        w.WriteOptional(m.CSeqMethod);
        w.WriteOptional(m.ViaBranch);
        w.WriteOptional(m.FromTag);
        w.WriteOptional(m.ToTag);
        w.WriteOptional(m.FromUser);
        w.WriteOptional(m.ToUser);
        w.WriteOptional(m.RuriUser);
        w.WriteOptional(m.SourceIp);
        w.Write(m.SourcePort);
        w.WriteOptional(m.DestinationIp);
        w.Write(m.DestinationPort);
        w.Write(m.Expires);
        w.Write(m.ContactExpires);
        w.Write(m.ContactStar);
        w.Write(m.HasCredentials);
        w.WriteOptional(m.ReasonProtocol);
        w.Write(m.ReasonCause);
        w.WriteOptional(m.ReasonText);
        w.WriteOptional(m.CorrelationId);
        w.WriteOptional(m.UserAgent);
        w.WriteStrings(m.MediaEndpoints);
        w.WriteOptional(m.NodeName);
    }

    private static DialogCommands.RecordSipMessage ReadSip(BinaryReader r) => new()
    {
        CallId = r.ReadString(),
        TimestampMicros = r.ReadInt64(),
        Method = r.ReadOptionalString(),
        StatusCode = r.ReadInt32(),
        ReasonPhrase = r.ReadOptionalString(),
        CSeqNumber = r.ReadInt64(),
        CSeqMethod = r.ReadOptionalString(),
        ViaBranch = r.ReadOptionalString(),
        FromTag = r.ReadOptionalString(),
        ToTag = r.ReadOptionalString(),
        FromUser = r.ReadOptionalString(),
        ToUser = r.ReadOptionalString(),
        RuriUser = r.ReadOptionalString(),
        SourceIp = r.ReadOptionalString(),
        SourcePort = r.ReadInt32(),
        DestinationIp = r.ReadOptionalString(),
        DestinationPort = r.ReadInt32(),
        Expires = r.ReadInt32(),
        ContactExpires = r.ReadInt32(),
        ContactStar = r.ReadBoolean(),
        HasCredentials = r.ReadBoolean(),
        ReasonProtocol = r.ReadOptionalString(),
        ReasonCause = r.ReadInt32(),
        ReasonText = r.ReadOptionalString(),
        CorrelationId = r.ReadOptionalString(),
        UserAgent = r.ReadOptionalString(),
        MediaEndpoints = r.ReadStrings(),
        NodeName = r.ReadOptionalString(),
    };

    // ------------------------------------------------------------ QoS, logs (also inside events and ledger states)

    public static void WriteQos(BinaryWriter w, QosReport q)
    {
        w.Write(q.Source);
        w.Write(q.TimestampMicros);
        w.WriteOptional(q.MosLq);
        w.WriteOptional(q.MosCq);
        w.WriteOptional(q.PacketLossPct);
        w.WriteOptional(q.JitterMs);
        w.WriteOptional(q.Reporter);
    }

    public static QosReport ReadQos(BinaryReader r) =>
        new(r.ReadString(), r.ReadInt64(), r.ReadOptionalDouble(), r.ReadOptionalDouble(), r.ReadOptionalDouble(), r.ReadOptionalDouble(),
            r.ReadOptionalString());

    public static void WriteLog(BinaryWriter w, LogEntry l)
    {
        w.Write(l.TimestampMicros);
        w.Write(l.Text);
    }

    public static LogEntry ReadLog(BinaryReader r) => new(r.ReadInt64(), r.ReadString());
}
