using Homer.Actors.Contracts;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>The call machine: INVITE dialogs from the first request to the BYE, CANCEL or final failure.</summary>
public sealed partial record DialogState
{
    private static void DecideCall(Draft draft, DialogCommands.RecordSipMessage m, string method, Transaction? tx)
    {
        var s = draft.State;
        var ts = m.TimestampMicros;
        var open = !s.IsEnded;
        if (m.IsRequest)
        {
            switch (method)
            {
                case "INVITE" when m.ToTag is null && open && s.AnsweredMicros is null:
                    draft.Emit(new InitialRequestSeen(ts, DialogKinds.Call, m.FromUser, m.ToUser, m.RuriUser, m.FromTag, m.SourceIp, m.DestinationIp, m.UserAgent));
                    if (s.ChallengePending)
                        draft.Emit(new ChallengeAnswered(ts));
                    break;
                case "CANCEL" when open && s.AnsweredMicros is null:
                    draft.Emit(new CancelRequested(ts));
                    break;
                case "BYE" when open:
                    var hangup = s.CallerTag is null ? null : m.FromTag == s.CallerTag ? "caller" : "callee";
                    var reason = m.ReasonText ?? s.FinalReason;
                    var q850 = IsQ850(m) ? m.ReasonCause : s.Q850Cause;
                    var end = s.AnsweredMicros is null && s.State != DialogStatus.Unknown ? DialogStatus.Cancelled : DialogStatus.Completed;
                    draft.Emit(new Ended(ts, end, s.FinalStatus, reason, q850, hangup, ByTimeout: false));
                    break;
            }
            return;
        }

        if (method != "INVITE" || tx is null || !tx.Initial)
            return;
        var status = m.StatusCode;
        if (status is > 100 and < 200)
        {
            // Also after the answer: a 180 captured late by a slower agent still gives the true post-dial delay.
            if (s.RingingMicros is null || ts < s.RingingMicros || open && s.State is DialogStatus.Trying or DialogStatus.Unknown)
                draft.Emit(new Ringing(ts));
            return;
        }
        if (!open || s.AnsweredMicros is not null)
            return;
        var q850Cause = IsQ850(m) ? m.ReasonCause : (int?)null;
        if (status is >= 200 and < 300)
            draft.Emit(new Answered(ts, status, m.ReasonPhrase));
        else if (status is >= 300 and < 400)
            draft.Emit(new Ended(ts, DialogStatus.Redirected, status, m.ReasonPhrase, q850Cause, null, false));
        else if (status is 401 or 407)
            draft.Emit(new Challenged(ts, status, m.ReasonPhrase));
        else if (status == 487)
            // 487 also when the CANCEL was only captured on another leg: the request was terminated, not refused.
            draft.Emit(new Ended(ts, DialogStatus.Cancelled, status, m.ReasonPhrase, q850Cause, "caller", false));
        else if (status >= 400)
            draft.Emit(new Ended(ts, DialogStatus.Failed, status, m.ReasonPhrase, q850Cause, null, false));
    }
}
