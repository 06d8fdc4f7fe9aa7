using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Storage;

namespace Homer.Actors.Serialization;

/// <summary>
/// A whole <see cref="DialogState"/> as the shard ledgers journal it (inside the L* messages of
/// <see cref="LedgerWire"/>). A state nested in a list cannot grow at the end: a new field means a new layout read
/// by new manifests, with the old ones still read (as <see cref="ReadV1"/> is).
/// </summary>
internal static class DialogStateWire
{
    public static void Write(BinaryWriter w, DialogState s)
    {
        w.Write(s.CallId);
        w.Write(s.Kind);
        w.Write(s.State.ToText());
        w.Write(s.MessageCount);
        w.Write(s.Retransmissions);
        w.Write(s.FirstSeenMicros);
        w.Write(s.LastSeenMicros);
        w.WriteOptional(s.StartedMicros);
        w.WriteOptional(s.RingingMicros);
        w.WriteOptional(s.AnsweredMicros);
        w.WriteOptional(s.EndedMicros);
        w.WriteOptional(s.FinalStatus);
        w.WriteOptional(s.FinalReason);
        w.WriteOptional(s.Q850Cause);
        w.WriteOptional(s.HangupBy);
        w.Write(s.EndedByTimeout);
        w.Write(s.IsEnded);
        w.Write(s.ChallengePending);
        w.Write(s.CancelPending);
        w.WriteOptional(s.ExpiresMicros);
        w.Write(s.RequestedExpires);
        w.WriteOptional(s.FromUser);
        w.WriteOptional(s.ToUser);
        w.WriteOptional(s.RuriUser);
        w.WriteOptional(s.CallerTag);
        w.WriteOptional(s.CallerIp);
        w.WriteOptional(s.CalleeIp);
        w.WriteOptional(s.UserAgent);
        w.WriteOptional(s.Node);
        w.WriteOptional(s.CorrelationGroup);
        w.WriteList(s.Transactions, WriteTransaction);
        w.WriteStrings(s.Legs);
        w.WriteList(s.QosReports, DialogWire.WriteQos);
        w.WriteOptional(s.MosMin);
        w.Write(s.MosSum);
        w.Write(s.MosCount);
        w.WriteList(s.Logs, DialogWire.WriteLog);
        w.WriteStrings(s.MediaEndpoints);
        w.Write(s.AlarmsSeen);
        w.Write(s.Revision);
        // V2: the applied keys.
        w.Write(s.AppliedThroughMicros);
        w.WriteList(s.Applied, static (x, a) =>
        {
            x.Write(a.TimestampMicros);
            x.Write(a.Key);
        });
    }

    public static DialogState Read(BinaryReader r) => ReadV1(r) with
    {
        AppliedThroughMicros = r.ReadInt64(),
        Applied = r.ReadList(static x => new AppliedMessage(x.ReadInt64(), x.ReadInt64())),
    };

    /// <summary>The state as checkpoints were written before it kept applied keys.</summary>
    public static DialogState ReadV1(BinaryReader r) => new()
    {
        CallId = r.ReadString(),
        Kind = r.ReadString(),
        State = DialogStatusText.Parse(r.ReadString()),
        MessageCount = r.ReadInt64(),
        Retransmissions = r.ReadInt64(),
        FirstSeenMicros = r.ReadInt64(),
        LastSeenMicros = r.ReadInt64(),
        StartedMicros = r.ReadOptionalInt64(),
        RingingMicros = r.ReadOptionalInt64(),
        AnsweredMicros = r.ReadOptionalInt64(),
        EndedMicros = r.ReadOptionalInt64(),
        FinalStatus = r.ReadOptionalInt32(),
        FinalReason = r.ReadOptionalString(),
        Q850Cause = r.ReadOptionalInt32(),
        HangupBy = r.ReadOptionalString(),
        EndedByTimeout = r.ReadBoolean(),
        IsEnded = r.ReadBoolean(),
        ChallengePending = r.ReadBoolean(),
        CancelPending = r.ReadBoolean(),
        ExpiresMicros = r.ReadOptionalInt64(),
        RequestedExpires = r.ReadInt32(),
        FromUser = r.ReadOptionalString(),
        ToUser = r.ReadOptionalString(),
        RuriUser = r.ReadOptionalString(),
        CallerTag = r.ReadOptionalString(),
        CallerIp = r.ReadOptionalString(),
        CalleeIp = r.ReadOptionalString(),
        UserAgent = r.ReadOptionalString(),
        Node = r.ReadOptionalString(),
        CorrelationGroup = r.ReadOptionalString(),
        Transactions = r.ReadList(ReadTransaction),
        Legs = r.ReadStrings(),
        QosReports = r.ReadList(DialogWire.ReadQos),
        MosMin = r.ReadOptionalDouble(),
        MosSum = r.ReadDouble(),
        MosCount = r.ReadInt32(),
        Logs = r.ReadList(DialogWire.ReadLog),
        MediaEndpoints = r.ReadStrings(),
        AlarmsSeen = r.ReadInt32(),
        Revision = r.ReadInt64(),
    };

    private static void WriteTransaction(BinaryWriter w, Transaction t)
    {
        w.Write(t.Key);
        w.Write(t.Method);
        w.Write(t.CSeq);
        w.Write(t.Branch);
        w.Write(t.Initial);
        w.Write(t.StartedMicros);
        w.Write(t.Requests);
        w.Write(t.Responses);
        w.WriteOptional(t.FinalStatus);
        w.WriteOptional(t.FinalReason);
        w.Write((byte)t.State);
        w.Write(t.Acked);
        w.WriteStrings(t.SeenResponses);
        w.WriteOptional(t.Client);
        w.WriteOptional(t.Server);
    }

    private static Transaction ReadTransaction(BinaryReader r) => new(
        r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadBoolean(), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(),
        r.ReadOptionalInt32(), r.ReadOptionalString(), (TransactionState)r.ReadByte(), r.ReadBoolean(), r.ReadStrings())
    {
        Client = r.ReadOptionalString(),
        Server = r.ReadOptionalString(),
    };
}
