namespace Homer.Actors.Contracts;

/// <summary>
/// What the alarm engine tells the cluster on DistributedPubSub topic <see cref="Topic"/> (the API's <c>alarms</c>
/// subscription listens), and what the API tells the engine on <see cref="RulesTopic"/>.
/// </summary>
public static class AlarmNotices
{
    public const string Topic = "alarms";
    public const string RulesTopic = "alarm-rules";

    /// <summary>An alarm as it is after <see cref="Change"/>; times in microseconds since the Unix epoch.</summary>
    public sealed record AlarmChanged(AlarmChangeKind Change, long Id, long RuleId, string RuleType, AlarmSeverity Severity, AlarmState State,
        string Key, string Scope, string Message, long Count, long FirstSeenMicros, long LastSeenMicros, IReadOnlyList<string> ExampleCallIds,
        string? AcknowledgedBy, long? ResolvedAtMicros) : IHomerSerializable;

    /// <summary>Rules were edited through the API: the engine reloads them now instead of at its next periodic reload.</summary>
    public sealed record RulesChanged(long RuleId) : IHomerSerializable;
}

/// <summary>What happened to an alarm (webhooks and e-mail are sent for <see cref="Raised"/> and <see cref="Resolved"/>).</summary>
public enum AlarmChangeKind : byte
{
    Raised,
    Updated,
    Acknowledged,
    Resolved,
}

public enum AlarmSeverity : byte
{
    Info,
    Warning,
    Critical,
}

public enum AlarmState : byte
{
    Active,
    Acknowledged,
    Resolved,
}

/// <summary>
/// The one mapping between the alarm enums and their text: what the wire and journals carry, the alarm tables hold,
/// the GraphQL enums and webhooks show ("RAISED", "WARNING", "ACTIVE", …).
/// </summary>
public static class AlarmText
{
    public static string ToText(this AlarmChangeKind change) => change switch
    {
        AlarmChangeKind.Raised => "RAISED",
        AlarmChangeKind.Updated => "UPDATED",
        AlarmChangeKind.Acknowledged => "ACKNOWLEDGED",
        AlarmChangeKind.Resolved => "RESOLVED",
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };

    public static string ToText(this AlarmSeverity severity) => severity switch
    {
        AlarmSeverity.Info => "INFO",
        AlarmSeverity.Warning => "WARNING",
        AlarmSeverity.Critical => "CRITICAL",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };

    public static string ToText(this AlarmState state) => state switch
    {
        AlarmState.Active => "ACTIVE",
        AlarmState.Acknowledged => "ACKNOWLEDGED",
        AlarmState.Resolved => "RESOLVED",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static AlarmChangeKind ParseChange(string text) => text switch
    {
        "RAISED" => AlarmChangeKind.Raised,
        "UPDATED" => AlarmChangeKind.Updated,
        "ACKNOWLEDGED" => AlarmChangeKind.Acknowledged,
        "RESOLVED" => AlarmChangeKind.Resolved,
        _ => throw new FormatException($"'{text}' is not an alarm change"),
    };

    public static AlarmSeverity ParseSeverity(string text) => text switch
    {
        "INFO" => AlarmSeverity.Info,
        "WARNING" => AlarmSeverity.Warning,
        "CRITICAL" => AlarmSeverity.Critical,
        _ => throw new FormatException($"'{text}' is not an alarm severity"),
    };

    public static AlarmState ParseState(string text) => text switch
    {
        "ACTIVE" => AlarmState.Active,
        "ACKNOWLEDGED" => AlarmState.Acknowledged,
        "RESOLVED" => AlarmState.Resolved,
        _ => throw new FormatException($"'{text}' is not an alarm state"),
    };
}
