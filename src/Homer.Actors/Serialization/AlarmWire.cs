using Homer.Actors.Contracts;
using Homer.Storage;

namespace Homer.Actors.Serialization;

/// <summary>The <see cref="AlarmNotices"/>' part of <see cref="HomerSerializer"/>: what the alarm engine and the API tell each other (A1, A2).</summary>
internal static class AlarmWire
{
    public static string? ManifestOf(object o) => o switch
    {
        AlarmNotices.AlarmChanged => "A1",
        AlarmNotices.RulesChanged => "A2",
        _ => null,
    };

    public static bool TryWrite(BinaryWriter w, object o)
    {
        switch (o)
        {
            case AlarmNotices.AlarmChanged a:
                w.Write(a.Change.ToText()); w.Write(a.Id); w.Write(a.RuleId); w.Write(a.RuleType); w.Write(a.Severity.ToText()); w.Write(a.State.ToText());
                w.Write(a.Key); w.Write(a.Scope); w.Write(a.Message); w.Write(a.Count); w.Write(a.FirstSeenMicros); w.Write(a.LastSeenMicros);
                w.WriteStrings(a.ExampleCallIds); w.WriteOptional(a.AcknowledgedBy); w.WriteOptional(a.ResolvedAtMicros);
                return true;
            case AlarmNotices.RulesChanged c:
                w.Write(c.RuleId);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The notice of <paramref name="manifest"/>, or null when the manifest is not an alarm notice's.</summary>
    public static object? Read(BinaryReader r, string manifest) => manifest switch
    {
        "A1" => new AlarmNotices.AlarmChanged(AlarmText.ParseChange(r.ReadString()), r.ReadInt64(), r.ReadInt64(), r.ReadString(),
            AlarmText.ParseSeverity(r.ReadString()), AlarmText.ParseState(r.ReadString()),
            r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadStrings(),
            r.ReadOptionalString(), r.ReadOptionalInt64()),
        "A2" => new AlarmNotices.RulesChanged(r.ReadInt64()),
        _ => null,
    };
}
