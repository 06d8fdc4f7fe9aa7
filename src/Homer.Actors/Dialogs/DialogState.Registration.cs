using Homer.Actors.Contracts;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>The registration machine: REGISTER, its challenges and the registrar's expiry.</summary>
public sealed partial record DialogState
{
    private static void DecideRegistration(Draft draft, DialogCommands.RecordSipMessage m, string method, Transaction? tx,
        DialogSettings settings)
    {
        var s = draft.State;
        var ts = m.TimestampMicros;
        if (method != "REGISTER")
            return;
        if (m.IsRequest)
        {
            var requested = m.ContactStar ? 0 : m.ContactExpires >= 0 ? m.ContactExpires : m.Expires;
            draft.Emit(new InitialRequestSeen(ts, DialogKinds.Registration, m.FromUser, m.ToUser, m.RuriUser, m.FromTag, m.SourceIp, m.DestinationIp,
                m.UserAgent, requested));
            if (s.ChallengePending)
                draft.Emit(new ChallengeAnswered(ts));
            return;
        }

        var status = m.StatusCode;
        if (status < 200)
            return;
        if (status < 300)
        {
            // The registrar's answer wins over what was asked (RFC 3261 10.2.4); Contact: * with Expires 0 removes all.
            var expires = m.ContactExpires >= 0 ? m.ContactExpires
                : m.Expires >= 0 ? m.Expires
                : s.RequestedExpires >= 0 ? s.RequestedExpires
                : settings.DefaultRegisterExpiresSeconds;
            if (expires == 0)
                draft.Emit(new Ended(ts, DialogStatus.Unregistered, status, m.ReasonPhrase, null, null, false));
            else
                draft.Emit(new Registered(ts, ts + expires * 1_000_000L));
        }
        else if (status is 401 or 407)
            draft.Emit(new Challenged(ts, status, m.ReasonPhrase));
        else
            draft.Emit(new Ended(ts, DialogStatus.Failed, status, m.ReasonPhrase, IsQ850(m) ? m.ReasonCause : null, null, false));
    }
}
