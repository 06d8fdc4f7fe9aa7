using Homer.Actors.Contracts;
using Homer.Storage;

namespace Homer.Actors.Serialization;

/// <summary>
/// The dialog commands and queries' part of <see cref="HomerSerializer"/>: what ingest tells a dialog (a SIP message,
/// QoS, a log, a leg) and the snapshot a query gets back. <see cref="DialogCommands.ShardBatch"/> nests these and is
/// written by <see cref="HomerSerializer"/> itself.
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
                WriteSnapshot(w, s);
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
        "DN" => ReadSnapshot(r),
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

    // ------------------------------------------------------------ the snapshot a query answers

    private static void WriteSnapshot(BinaryWriter w, DialogQueries.DialogSnapshot s)
    {
        w.Write(s.CallId);
        w.Write(s.MessageCount);
        w.Write(s.FirstSeenMicros);
        w.Write(s.LastSeenMicros);
        w.Write(s.Kind);
        w.Write(s.State.ToText());
        w.Write(s.StartedMicros);
        w.WriteOptional(s.AnsweredMicros);
        w.WriteOptional(s.EndedMicros);
        w.WriteOptional(s.PddMs);
        w.WriteOptional(s.SetupMs);
        w.WriteOptional(s.DurationMs);
        w.WriteOptional(s.FinalStatus);
        w.WriteOptional(s.FinalReason);
        w.WriteOptional(s.Q850Cause);
        w.WriteOptional(s.HangupBy);
        w.Write(s.EndedByTimeout);
        w.WriteOptional(s.ExpiresMicros);
        w.Write(s.Retransmissions);
        w.WriteOptional(s.FromUser);
        w.WriteOptional(s.ToUser);
        w.WriteOptional(s.RuriUser);
        w.WriteOptional(s.CorrelationGroup);
        w.WriteList(s.Transactions, static (x, t) =>
        {
            x.Write(t.Method); x.Write(t.CSeq); x.Write(t.Branch); x.WriteOptional(t.FinalStatus); x.Write(t.State); x.Write(t.Requests); x.Write(t.Responses);
            x.WriteOptional(t.Client); x.WriteOptional(t.Server);
        });
        w.WriteStrings(s.Legs);
        w.WriteList(s.QosReports, WriteQos);
        w.WriteList(s.Logs, WriteLog);
    }

    private static DialogQueries.DialogSnapshot ReadSnapshot(BinaryReader r) => new(r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64())
    {
        Kind = r.ReadString(),
        State = DialogStatusText.Parse(r.ReadString()),
        StartedMicros = r.ReadInt64(),
        AnsweredMicros = r.ReadOptionalInt64(),
        EndedMicros = r.ReadOptionalInt64(),
        PddMs = r.ReadOptionalInt64(),
        SetupMs = r.ReadOptionalInt64(),
        DurationMs = r.ReadOptionalInt64(),
        FinalStatus = r.ReadOptionalInt32(),
        FinalReason = r.ReadOptionalString(),
        Q850Cause = r.ReadOptionalInt32(),
        HangupBy = r.ReadOptionalString(),
        EndedByTimeout = r.ReadBoolean(),
        ExpiresMicros = r.ReadOptionalInt64(),
        Retransmissions = r.ReadInt64(),
        FromUser = r.ReadOptionalString(),
        ToUser = r.ReadOptionalString(),
        RuriUser = r.ReadOptionalString(),
        CorrelationGroup = r.ReadOptionalString(),
        Transactions = r.ReadList(static x => new DialogQueries.TransactionView(x.ReadString(), x.ReadInt64(), x.ReadString(), x.ReadOptionalInt32(),
            x.ReadString(), x.ReadInt32(), x.ReadInt32())
        {
            Client = x.ReadOptionalString(),
            Server = x.ReadOptionalString(),
        }),
        Legs = r.ReadStrings(),
        QosReports = r.ReadList(ReadQos),
        Logs = r.ReadList(ReadLog),
    };
}
