using Homer.Actors.Contracts;
using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// The dialog as others see it, mapped in one place: its snapshot (what <see cref="DialogQueries.GetDialog"/> answers,
/// the API's live view), its row in the <c>dialogs</c> table (<see cref="DialogStore"/>) and the snapshot of a row
/// (a dialog that left its host). The ledger's copy of the whole state is <c>Serialization/DialogStateWire.cs</c>.
/// Adding a dialog field: docs/architecture.md, "How to add a dialog field".
/// </summary>
public sealed partial record DialogState
{
    /// <summary>
    /// The live view: the summary the <c>dialogs</c> table keeps (<see cref="SnapshotOf"/> of <see cref="ToRow"/>, so the
    /// live and the stored view cannot disagree) plus what only the live state has.
    /// </summary>
    public DialogQueries.DialogSnapshot ToSnapshot() => SnapshotOf(ToRow()) with
    {
        FirstSeenMicros = FirstSeenMicros,
        Transactions = Transactions
            .Select(t => new DialogQueries.TransactionView(t.Method, t.CSeq, t.Branch, t.FinalStatus, t.State.ToString().ToUpperInvariant(), t.Requests, t.Responses)
            {
                Client = t.Client,
                Server = t.Server,
            })
            .ToArray(),
        Legs = Legs,
        QosReports = QosReports,
        Logs = Logs,
    };

    /// <summary>The dialog's row in the <c>dialogs</c> table (upserted by the row writer).</summary>
    public DialogRow ToRow() => new()
    {
        CallId = CallId,
        Kind = Kind,
        State = State.ToText(),
        FromUser = FromUser,
        ToUser = ToUser,
        RuriUser = RuriUser,
        CallerIp = CallerIp,
        CalleeIp = CalleeIp,
        StartedAt = FromMicros(StartedMicros ?? FirstSeenMicros),
        AnsweredAt = AnsweredMicros is { } a ? FromMicros(a) : null,
        EndedAt = EndedMicros is { } e ? FromMicros(e) : null,
        ExpiresAt = ExpiresMicros is { } x ? FromMicros(x) : null,
        LastSeen = FromMicros(LastSeenMicros),
        PddMs = PddMs,
        SetupMs = SetupMs,
        DurationMs = DurationMs,
        FinalStatus = FinalStatus,
        FinalReason = FinalReason,
        Q850Cause = Q850Cause,
        HangupBy = HangupBy,
        EndedByTimeout = EndedByTimeout,
        MessageCount = MessageCount,
        Retransmissions = Retransmissions,
        MosMin = MosMin,
        MosAvg = MosAvg,
        CorrelationGroup = CorrelationGroup,
        Node = Node,
    };

    /// <summary>
    /// A dialog that left its host, as the <c>dialogs</c> table keeps it (the API answers <c>dialog</c> from it): the
    /// summary of <see cref="ToRow"/>, without transactions, reports or logs. A field stored and shown is one line here
    /// and one in <see cref="ToRow"/>.
    /// </summary>
    public static DialogQueries.DialogSnapshot SnapshotOf(DialogRow row) =>
        new(row.CallId, row.MessageCount, Micros(row.StartedAt), Micros(row.LastSeen))
        {
            Kind = row.Kind,
            State = DialogStatusText.Parse(row.State),
            StartedMicros = Micros(row.StartedAt),
            AnsweredMicros = row.AnsweredAt is { } a ? Micros(a) : null,
            EndedMicros = row.EndedAt is { } e ? Micros(e) : null,
            ExpiresMicros = row.ExpiresAt is { } x ? Micros(x) : null,
            PddMs = row.PddMs,
            SetupMs = row.SetupMs,
            DurationMs = row.DurationMs,
            FinalStatus = row.FinalStatus,
            FinalReason = row.FinalReason,
            Q850Cause = row.Q850Cause,
            HangupBy = row.HangupBy,
            EndedByTimeout = row.EndedByTimeout,
            Retransmissions = row.Retransmissions,
            FromUser = row.FromUser,
            ToUser = row.ToUser,
            RuriUser = row.RuriUser,
            CorrelationGroup = row.CorrelationGroup,
        };

    private static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    private static long Micros(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks / 10;
}
