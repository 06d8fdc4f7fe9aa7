namespace Homer.Actors.Contracts;

/// <summary>
/// What dialogs tell the rest of the cluster, published on the DistributedPubSub topic <see cref="Topic"/>:
/// GraphQL subscriptions, the alarm engine and statistics listen. Events of one dialog are published in order.
/// </summary>
public static class CallEvents
{
    public const string Topic = "call-events";

    public interface ICallEvent : IHomerSerializable
    {
        string CallId { get; }
        long TimestampMicros { get; }
    }

    public sealed record DialogStarted(string CallId, long TimestampMicros, string Kind, string? FromUser, string? ToUser, string? RuriUser)
        : ICallEvent;

    public sealed record DialogStateChanged(string CallId, long TimestampMicros, string Kind, string State, int? FinalStatus, string? FinalReason)
        : ICallEvent;

    public sealed record QosAttached(string CallId, long TimestampMicros, QosReport Report) : ICallEvent;

    public sealed record LegLinked(string CallId, long TimestampMicros, string LegCallId, string CorrelationGroup) : ICallEvent;

    public sealed record DialogEnded(string CallId, long TimestampMicros, string Kind, string State, int? FinalStatus, long? DurationMs, bool EndedByTimeout)
        : ICallEvent;

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
