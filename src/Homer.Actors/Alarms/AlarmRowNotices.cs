using Homer.Actors.Contracts;
using Homer.Storage.Alarms;

namespace Homer.Actors.Alarms;

/// <summary>
/// An alarm row (the <c>alarms</c> table's text values) as the notice the cluster announces on
/// <see cref="AlarmNotices.Topic"/>, and back: used by the alarm engine and by the API (<c>acknowledgeAlarm</c>, the
/// <c>alarms</c> subscription). Here rather than in Homer.Storage, which knows nothing of the cluster's contracts.
/// </summary>
public static class AlarmRowNotices
{
    public static AlarmNotices.AlarmChanged ToNotice(this AlarmRow a, AlarmChangeKind change) => new(change, a.Id, a.RuleId,
        a.RuleType, AlarmText.ParseSeverity(a.Severity), AlarmText.ParseState(a.State), a.Key, a.Scope, a.Message, a.Count, Micros(a.FirstSeen),
        Micros(a.LastSeen), a.ExampleCallIds, a.AcknowledgedBy, a.ResolvedAt is { } r ? Micros(r) : null);

    /// <summary>The row a notice was made from (without what notices leave out: the acknowledgement's time).</summary>
    public static AlarmRow ToRow(this AlarmNotices.AlarmChanged a) => new()
    {
        Id = a.Id,
        RuleId = a.RuleId,
        RuleType = a.RuleType,
        Severity = a.Severity.ToText(),
        State = a.State.ToText(),
        Key = a.Key,
        Scope = a.Scope,
        Message = a.Message,
        Count = a.Count,
        FirstSeen = FromMicros(a.FirstSeenMicros),
        LastSeen = FromMicros(a.LastSeenMicros),
        ExampleCallIds = a.ExampleCallIds,
        AcknowledgedBy = a.AcknowledgedBy,
        ResolvedAt = a.ResolvedAtMicros is { } r ? FromMicros(r) : null,
    };

    private static long Micros(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks / 10;

    private static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
}
