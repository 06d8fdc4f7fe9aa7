using Homer.Actors.Contracts;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>
/// What the cluster hears of one decision of a dialog (<see cref="CallEvents"/>, topic "call-events"): which events
/// are announced, which statuses count as rejections for the alarms, when a state change or the end is told. Pure, so
/// the rules are tested without a host; <see cref="HostedDialog"/> only sends what this returns, in order.
/// </summary>
public static class DialogCallEvents
{
    /// <summary>
    /// The call events of <paramref name="events"/>, decided on <paramref name="before"/> and leading to
    /// <paramref name="after"/>, in the order they are published. Events carry what <paramref name="after"/> knows
    /// (the opening request, the caller) since subscribers want the dialog as it is now.
    /// </summary>
    public static List<CallEvents.ICallEvent> Of(DialogState before, DialogState after, IReadOnlyList<DialogEvent> events)
    {
        var published = new List<CallEvents.ICallEvent>(2);
        AddTo(published, before, after, events);
        return published;
    }

    /// <summary><see cref="Of"/> into a list of the caller's (a host reuses one rather than allocate one per decision).</summary>
    public static void AddTo(List<CallEvents.ICallEvent> published, DialogState before, DialogState after, IReadOnlyList<DialogEvent> events)
    {
        var s = after;
        if (events.Count == 0)
            return;
        for (var i = 0; i < events.Count; i++)
        {
            switch (events[i])
            {
                case DialogStarted d:
                    var opening = s.Opening;
                    published.Add(new CallEvents.DialogStarted(s.CallId, d.TimestampMicros, s.Kind, s.FromUser, s.ToUser, s.RuriUser)
                    {
                        Method = opening?.Method,
                        UserAgent = s.UserAgent,
                        ClientIp = s.CallerIp,
                        Server = opening?.Server,
                        Node = s.Node,
                    });
                    break;
                // Every challenge counts, also one the client then answers: that is what the brute-force alarm counts.
                case Challenged c:
                    published.Add(new CallEvents.RequestRejected(s.CallId, c.TimestampMicros, s.Kind, s.Opening?.Method ?? "", c.Status, s.CallerIp, s.UserAgent, s.Node));
                    break;
                // A final refusal; not a 401/407 (told as Challenged when it came) and not a timeout (no status was seen).
                case Ended { State: DialogStatus.Failed, FinalStatus: >= 400 and not (401 or 407), ByTimeout: false } f:
                    published.Add(new CallEvents.RequestRejected(s.CallId, f.TimestampMicros, s.Kind, s.Opening?.Method ?? "", f.FinalStatus.Value, s.CallerIp, s.UserAgent, s.Node));
                    break;
                case QosAttached q:
                    published.Add(new CallEvents.QosAttached(s.CallId, q.TimestampMicros, q.Report));
                    break;
                case LegLinked l:
                    published.Add(new CallEvents.LegLinked(s.CallId, l.TimestampMicros, l.LegCallId, s.CorrelationGroup ?? l.CorrelationGroup));
                    break;
                case AlarmObserved a:
                    published.Add(new CallEvents.AlarmObserved(s.CallId, a.TimestampMicros, a.Alarm, a.Detail));
                    break;
            }
        }
        var at = events[^1].TimestampMicros;
        // The first state (from nothing) is told by DialogStarted, not as a change.
        if (before.State != s.State && s.State != DialogStatus.None && before.State != DialogStatus.None)
            published.Add(new CallEvents.DialogStateChanged(s.CallId, at, s.Kind, s.State, s.FinalStatus, s.FinalReason));
        if (!before.IsEnded && s.IsEnded)
            published.Add(new CallEvents.DialogEnded(s.CallId, s.EndedMicros ?? at, s.Kind, s.State, s.FinalStatus, s.DurationMs, s.EndedByTimeout)
            {
                Method = s.Opening?.Method,
                UserAgent = s.UserAgent,
                ClientIp = s.CallerIp,
                Server = s.Opening?.Server,
                Node = s.Node,
                Answered = s.AnsweredMicros is not null,
                EndedOnChallenge = s.FinalStatus is 401 or 407 && s.AnsweredMicros is null,
                MessageCount = s.MessageCount,
                Retransmissions = s.Retransmissions,
            });
    }
}
