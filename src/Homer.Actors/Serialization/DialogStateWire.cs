using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Storage;

namespace Homer.Actors.Serialization;

/// <summary>
/// A whole <see cref="DialogState"/> as the shard ledgers journal it (inside the L* messages of
/// <see cref="LedgerWire"/>). The state and each transaction, QoS report and log in it are framed (<see cref="WireFrame"/>):
/// a field is added by appending it to <see cref="WriteFields"/> and to <see cref="ReadFields"/> behind
/// <c>frame.More</c>, with no new manifest; a newer node's extra fields are skipped. The layouts from before the frames
/// (<see cref="Layout.V1"/>, <see cref="Layout.V2"/>) are still read, by the same reader. The snapshot a query answers
/// (<see cref="DialogQueries.DialogSnapshot"/>, DialogWire's "DN") is here too: a dialog field shown by the API grows
/// both layouts, in this one file.
/// </summary>
internal static class DialogStateWire
{
    public enum Layout
    {
        /// <summary>Unframed, before the state kept its applied keys (manifests LC, LA, Lc, Ls).</summary>
        V1,
        /// <summary>Unframed, with the applied keys (manifests LD, LB, Ld, Lb, Lt).</summary>
        V2,
        /// <summary>The state and its transactions, reports and logs each framed (the current manifests).</summary>
        Framed,
    }

    public static void Write(BinaryWriter w, DialogState s) => w.WriteFramed(s, WriteFields);

    public static DialogState Read(BinaryReader r) => r.ReadFramed(static (x, frame) => ReadFields(x, Layout.Framed, frame));

    /// <summary>A state of an unframed layout (<see cref="Layout.V1"/> or <see cref="Layout.V2"/>).</summary>
    public static DialogState ReadUnframed(BinaryReader r, Layout layout) => ReadFields(r, layout, WireFrame.None);

    internal static void WriteFields(BinaryWriter w, DialogState s)
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
        w.WriteList(s.Transactions, static (x, t) => x.WriteFramed(t, WriteTransaction));
        w.WriteStrings(s.Legs);
        w.WriteList(s.QosReports, static (x, q) => x.WriteFramed(q, DialogWire.WriteQos));
        w.WriteOptional(s.MosMin);
        w.Write(s.MosSum);
        w.Write(s.MosCount);
        w.WriteList(s.Logs, static (x, l) => x.WriteFramed(l, DialogWire.WriteLog));
        w.WriteStrings(s.MediaEndpoints);
        w.Write(s.AlarmsSeen);
        w.Write(s.Revision);
        w.Write(s.AppliedThroughMicros);
        w.WriteList(s.Applied, static (x, a) =>
        {
            x.Write(a.TimestampMicros);
            x.Write(a.Key);
        });
        // A new field goes here, at the end, and at the end of ReadFields.
    }

    private static DialogState ReadFields(BinaryReader r, Layout layout, WireFrame frame) => new()
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
        Transactions = layout == Layout.Framed
            ? r.ReadList(static x => x.ReadFramed(ReadTransaction))
            : r.ReadList(static x => ReadTransaction(x, WireFrame.None)),
        Legs = r.ReadStrings(),
        QosReports = layout == Layout.Framed ? r.ReadList(static x => x.ReadFramed(static (y, _) => DialogWire.ReadQos(y))) : r.ReadList(DialogWire.ReadQos),
        MosMin = r.ReadOptionalDouble(),
        MosSum = r.ReadDouble(),
        MosCount = r.ReadInt32(),
        Logs = layout == Layout.Framed ? r.ReadList(static x => x.ReadFramed(static (y, _) => DialogWire.ReadLog(y))) : r.ReadList(DialogWire.ReadLog),
        MediaEndpoints = r.ReadStrings(),
        AlarmsSeen = r.ReadInt32(),
        Revision = r.ReadInt64(),
        AppliedThroughMicros = layout == Layout.V1 ? 0 : r.ReadInt64(),
        Applied = layout == Layout.V1 ? [] : r.ReadList(static x => new AppliedMessage(x.ReadInt64(), x.ReadInt64())),
        // Fields added to the framed layout: `Name = frame.More ? r.ReadX() : default,` (an older record lacks them).
    };

    // ------------------------------------------------------------ the snapshot a query answers (DialogWire's "DN")

    public static void WriteSnapshot(BinaryWriter w, DialogQueries.DialogSnapshot s)
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
        w.WriteList(s.QosReports, DialogWire.WriteQos);
        w.WriteList(s.Logs, DialogWire.WriteLog);
        // A new field goes here, at the end, and at the end of ReadSnapshot.
    }

    /// <summary>The "DN" message: the rest of the stream, so it grows at its end (older nodes stop before new fields).</summary>
    public static DialogQueries.DialogSnapshot ReadSnapshot(BinaryReader r) => ReadSnapshot(r, WireFrame.ToEnd(r));

    private static DialogQueries.DialogSnapshot ReadSnapshot(BinaryReader r, WireFrame frame) => new(r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64())
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
        QosReports = r.ReadList(DialogWire.ReadQos),
        Logs = r.ReadList(DialogWire.ReadLog),
        // Fields added later: `Name = frame.More ? r.ReadX() : default,` (a snapshot from an older node lacks them).
    };

    // ------------------------------------------------------------ a transaction inside the state

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
        // "status/to-tag" strings, as before the responses seen were kept as structs: old and new nodes read each other.
        w.WriteList(t.SeenResponses, static (x, seen) => x.Write(seen.ToString()));
        w.WriteOptional(t.Client);
        w.WriteOptional(t.Server);
    }

    // A field added to the transaction: written at the end, read behind frame.More.
    private static Transaction ReadTransaction(BinaryReader r, WireFrame frame)
    {
        _ = r.ReadString(); // the key: the branch, CSeq and method below say it again (Transaction.Key)
        return new(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadBoolean(), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(),
            r.ReadOptionalInt32(), r.ReadOptionalString(), (TransactionState)r.ReadByte(), r.ReadBoolean(), ReadSeenResponses(r))
        {
            Client = r.ReadOptionalString(),
            Server = r.ReadOptionalString(),
        };
    }

    private static SeenResponse[] ReadSeenResponses(BinaryReader r)
    {
        var seen = r.ReadStrings();
        if (seen.Length == 0)
            return [];
        var parsed = new SeenResponse[seen.Length];
        for (var i = 0; i < parsed.Length; i++)
        {
            var s = SeenResponse.Parse(seen[i]);
            // One copy per To tag, as the dialog keeps them (Transaction).
            for (var j = 0; j < i; j++)
                if (parsed[j].ToTag is { } tag && tag == s.ToTag)
                {
                    s = s with { ToTag = tag };
                    break;
                }
            parsed[i] = s;
        }
        return parsed;
    }
}
