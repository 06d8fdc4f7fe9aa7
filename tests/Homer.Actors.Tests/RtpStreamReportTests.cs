using Homer.Actors.Alarms;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Sip.Rtcp;
using Homer.Storage.Alarms;

namespace Homer.Actors.Tests;

/// <summary>
/// homer-agent's RTP stream report (Fixtures/rtp-stream-report.json is a final report the agent wrote for a PCMU stream
/// with 2 % loss) as the server reads it: its own report kind, the interval figures, the call's MOS statistics and the
/// LOW_MOS / HIGH_PACKET_LOSS alarms.
/// </summary>
public sealed class RtpStreamReportTests
{
    private static readonly byte[] Report = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rtp-stream-report.json"));

    [Fact]
    public void The_agent_report_is_its_own_kind_with_the_interval_figures()
    {
        Assert.True(RtpStreamReport.Is(Report));
        Assert.False(RtpStreamReport.Is("""{"CORRELATION_ID":"abc@host","MOS":3.9,"note":"rtp-stream"}"""u8));
        Assert.False(RtpStreamReport.Is("""{"kind":{"type":"rtp-stream"},"type":"rtcp"}"""u8));
        Assert.True(QosParsing.TryParse(34, Report, 7, "10.1.0.1", out var callId, out var report));
        Assert.Equal("rtp-call-1@test", callId);
        Assert.Equal((RtpStreamReport.Source, 4.22, 2.028, 2.872, "10.1.0.1"),
            (report.Source, report.MosLq, report.PacketLossPct, report.JitterMs, report.Reporter));
        // Other agents' JSON keeps its generic kind.
        Assert.True(QosParsing.TryParse(34, """{"MOS":3.9,"PACKET_LOSS":1.25}"""u8, 1, null, out _, out var other));
        Assert.Equal("agent", other.Source);
    }

    [Fact]
    public void It_counts_in_the_calls_MOS_and_raises_the_quality_alarms()
    {
        Assert.True(QosParsing.TryParse(34, Report, 7, "10.1.0.1", out var callId, out var report));
        var state = DialogState.Empty(callId!);
        state = state.ApplyAll(state.Process(new DialogCommands.AttachQos(callId!, report), DialogSettings.Default));
        Assert.Equal(4.22, state.MosMin);
        Assert.Equal(RtpStreamReport.Source, Assert.Single(state.QosReports).Source);

        var evaluator = new AlarmEvaluator();
        var t0 = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        AlarmRule Rule(long id, string type, double threshold) => new(new AlarmRuleRow
        {
            Id = id, Name = type, Type = type, Threshold = threshold, WindowSeconds = 60, MinCount = 1, CooldownSeconds = 120,
            Parameters = "{}", UpdatedAt = t0,
        });
        evaluator.SetRules([Rule(1, AlarmRuleTypes.LowMos, 4.3), Rule(2, AlarmRuleTypes.HighPacketLoss, 1.5)], t0);
        var raised = evaluator.Observe(new CallEvents.QosAttached(callId!, 7, report), t0);
        Assert.Equal([AlarmRuleTypes.HighPacketLoss, AlarmRuleTypes.LowMos], raised.Select(c => c.Alarm.RuleType).Order());
    }
}
