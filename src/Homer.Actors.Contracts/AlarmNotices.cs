namespace Homer.Actors.Contracts;

/// <summary>
/// What the alarm engine tells the cluster on DistributedPubSub topic <see cref="Topic"/> (the API's <c>alarms</c>
/// subscription listens), and what the API tells the engine on <see cref="RulesTopic"/>.
/// </summary>
public static class AlarmNotices
{
    public const string Topic = "alarms";
    public const string RulesTopic = "alarm-rules";

    public static class Changes
    {
        public const string Raised = "RAISED";
        public const string Updated = "UPDATED";
        public const string Acknowledged = "ACKNOWLEDGED";
        public const string Resolved = "RESOLVED";
    }

    /// <summary>An alarm as it is after <see cref="Change"/>; times in microseconds since the Unix epoch.</summary>
    public sealed record AlarmChanged(string Change, long Id, long RuleId, string RuleType, string Severity, string State, string Key,
        string Scope, string Message, long Count, long FirstSeenMicros, long LastSeenMicros, IReadOnlyList<string> ExampleCallIds,
        string? AcknowledgedBy, long? ResolvedAtMicros) : IHomerSerializable;

    /// <summary>Rules were edited through the API: the engine reloads them now instead of at its next periodic reload.</summary>
    public sealed record RulesChanged(long RuleId) : IHomerSerializable;
}
