using Homer.Storage;

namespace Homer.Actors.Dialogs;

public static class DialogRows
{
    public static DialogRow ToRow(this DialogState s) => new()
    {
        CallId = s.CallId,
        Kind = s.Kind,
        State = s.State,
        FromUser = s.FromUser,
        ToUser = s.ToUser,
        RuriUser = s.RuriUser,
        CallerIp = s.CallerIp,
        CalleeIp = s.CalleeIp,
        StartedAt = FromMicros(s.StartedMicros ?? s.FirstSeenMicros),
        AnsweredAt = s.AnsweredMicros is { } a ? FromMicros(a) : null,
        EndedAt = s.EndedMicros is { } e ? FromMicros(e) : null,
        ExpiresAt = s.ExpiresMicros is { } x ? FromMicros(x) : null,
        LastSeen = FromMicros(s.LastSeenMicros),
        PddMs = s.PddMs,
        SetupMs = s.SetupMs,
        DurationMs = s.DurationMs,
        FinalStatus = s.FinalStatus,
        FinalReason = s.FinalReason,
        Q850Cause = s.Q850Cause,
        HangupBy = s.HangupBy,
        EndedByTimeout = s.EndedByTimeout,
        MessageCount = s.MessageCount,
        Retransmissions = s.Retransmissions,
        MosMin = s.MosMin,
        MosAvg = s.MosAvg,
        CorrelationGroup = s.CorrelationGroup,
        Node = s.Node,
    };

    private static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
}
