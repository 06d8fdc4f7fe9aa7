using Homer.Actors.Contracts;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>Other requests (OPTIONS, SUBSCRIBE, MESSAGE…): one transaction that completes or fails.</summary>
public sealed partial record DialogState
{
    private static void DecideOther(Draft draft, DialogCommands.RecordSipMessage m, string method, Transaction? tx)
    {
        var s = draft.State;
        var ts = m.TimestampMicros;
        if (m.IsRequest)
        {
            if (m.ToTag is null && tx is { Initial: true } && !s.IsEnded)
            {
                draft.Emit(new InitialRequestSeen(ts, DialogKinds.Other, m.FromUser, m.ToUser, m.RuriUser, m.FromTag, m.SourceIp, m.DestinationIp, m.UserAgent));
                if (s.ChallengePending)
                    draft.Emit(new ChallengeAnswered(ts));
            }
            return;
        }
        if (tx is not { Initial: true } || s.IsEnded || m.StatusCode < 200)
            return;
        if (m.StatusCode < 300)
            draft.Emit(new Ended(ts, DialogStatus.Completed, m.StatusCode, m.ReasonPhrase, null, null, false));
        else if (m.StatusCode is 401 or 407)
            draft.Emit(new Challenged(ts, m.StatusCode, m.ReasonPhrase));
        else
            draft.Emit(new Ended(ts, m.StatusCode < 400 ? DialogStatus.Redirected : DialogStatus.Failed, m.StatusCode, m.ReasonPhrase, null, null, false));
    }
}
