namespace Homer.Actors.Contracts;

/// <summary>
/// What dialogs tell the rest of the cluster, published on the DistributedPubSub topic <see cref="Topic"/> in
/// <see cref="Batch"/>es: GraphQL subscriptions and the alarm engine listen. Events of one dialog are published in order.
/// </summary>
public static class CallEvents
{
    public const string Topic = "call-events";

    public interface ICallEvent : IHomerSerializable
    {
        string CallId { get; }
        long TimestampMicros { get; }
    }

    /// <summary>
    /// What is published on <see cref="Topic"/>: the events a dialog node's dialogs made over a short window, in the
    /// order they were made (so each dialog's in its order). One publication per window rather than per event: every
    /// publication is a hop through the mediator and the topic and one more per subscriber, which at 3 000 calls/s
    /// was a sixth of the dialog node's actor messages (docs/benchmarks.md).
    /// </summary>
    public sealed record Batch(IReadOnlyList<ICallEvent> Events) : IHomerSerializable;

    public sealed record DialogStarted(string CallId, long TimestampMicros, string Kind, string? FromUser, string? ToUser, string? RuriUser)
        : ICallEvent
    {
        /// <summary>Request method that opened the dialog (INVITE, REGISTER, OPTIONS…); null when its start was not captured.</summary>
        public string? Method { get; init; }
        public string? UserAgent { get; init; }
        /// <summary>Who sent the opening request (the caller, registrant or prober) as seen on the wire.</summary>
        public string? ClientIp { get; init; }
        /// <summary>"ip:port" the opening request went to.</summary>
        public string? Server { get; init; }
        /// <summary>HEP node name of the agent that captured the first message.</summary>
        public string? Node { get; init; }
    }

    public sealed record DialogStateChanged(string CallId, long TimestampMicros, string Kind, DialogStatus State, int? FinalStatus, string? FinalReason)
        : ICallEvent;

    public sealed record QosAttached(string CallId, long TimestampMicros, QosReport Report) : ICallEvent;

    public sealed record LegLinked(string CallId, long TimestampMicros, string LegCallId, string CorrelationGroup) : ICallEvent;

    public sealed record DialogEnded(string CallId, long TimestampMicros, string Kind, DialogStatus State, int? FinalStatus, long? DurationMs, bool EndedByTimeout)
        : ICallEvent
    {
        /// <summary>The opening request's method, sender and target: what alarms scope and group by.</summary>
        public string? Method { get; init; }
        public string? UserAgent { get; init; }
        public string? ClientIp { get; init; }
        public string? Server { get; init; }
        public string? Node { get; init; }
        public bool Answered { get; init; }
        /// <summary>The attempt ended on a 401/407 that was never answered with credentials.</summary>
        public bool EndedOnChallenge { get; init; }
        public long MessageCount { get; init; }
        public long Retransmissions { get; init; }
    }

    /// <summary>
    /// The opening request got a 401/403/407 (each challenge, also when it is then answered) or a final failure:
    /// what the brute-force and error-rate alarms count, as it happens rather than when the dialog ends.
    /// </summary>
    public sealed record RequestRejected(string CallId, long TimestampMicros, string Kind, string Method, int Status, string? ClientIp,
        string? UserAgent, string? Node) : ICallEvent;

    /// <summary>An alarm hook: the alarm engine decides what to raise; the dialog only says what it saw.</summary>
    public sealed record AlarmObserved(string CallId, long TimestampMicros, string Alarm, string Detail) : ICallEvent;
}

/// <summary>Names of <see cref="CallEvents.AlarmObserved.Alarm"/>.</summary>
public static class AlarmKinds
{
    /// <summary>A call or registration failed; the detail names the class (4xx, 5xx, 6xx) and status.</summary>
    public const string FinalFailure = "final-failure";
    public const string ShortCall = "short-call";
    public const string BadMos = "bad-mos";
    public const string RetransmissionStorm = "retransmission-storm";
    public const string ScannerUserAgent = "scanner-user-agent";
}
