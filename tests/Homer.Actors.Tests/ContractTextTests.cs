using Homer.Actors.Contracts;

namespace Homer.Actors.Tests;

/// <summary>
/// The enums of the contracts are written as text in journals, on the wire and in the tables of deployed nodes, with
/// the strings they had when they were strings: each value keeps its text, and each text reads back as its value.
/// </summary>
public sealed class ContractTextTests
{
    [Fact]
    public void Dialog_states_keep_the_text_journals_and_the_dialogs_table_hold()
    {
        Assert.Equal(["", "TRYING", "RINGING", "ANSWERED", "COMPLETED", "FAILED", "CANCELLED", "REDIRECTED", "REGISTERED", "UNREGISTERED", "UNKNOWN"],
            Enum.GetValues<DialogStatus>().Select(s => s.ToText()));
        Assert.All(Enum.GetValues<DialogStatus>(), s => Assert.Equal(s, DialogStatusText.Parse(s.ToText())));
        Assert.Throws<FormatException>(() => DialogStatusText.Parse("completed"));
    }

    [Fact]
    public void Alarm_changes_severities_and_states_keep_their_text()
    {
        Assert.Equal(["RAISED", "UPDATED", "ACKNOWLEDGED", "RESOLVED"], Enum.GetValues<AlarmChangeKind>().Select(c => c.ToText()));
        Assert.Equal(["INFO", "WARNING", "CRITICAL"], Enum.GetValues<AlarmSeverity>().Select(s => s.ToText()));
        Assert.Equal(["ACTIVE", "ACKNOWLEDGED", "RESOLVED"], Enum.GetValues<AlarmState>().Select(s => s.ToText()));
        Assert.All(Enum.GetValues<AlarmChangeKind>(), c => Assert.Equal(c, AlarmText.ParseChange(c.ToText())));
        Assert.All(Enum.GetValues<AlarmSeverity>(), s => Assert.Equal(s, AlarmText.ParseSeverity(s.ToText())));
        Assert.All(Enum.GetValues<AlarmState>(), s => Assert.Equal(s, AlarmText.ParseState(s.ToText())));
        Assert.Throws<FormatException>(() => AlarmText.ParseSeverity("MAJOR"));
    }
}
