using Homer.Actors.Alarms;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Actors.Hosting;
using Homer.Storage.Alarms;
using Homer.TestSupport;

namespace Homer.Actors.Tests;

/// <summary>
/// RTP statistics headers of a BYE and its 200 OK (Fixtures/sip/rtp-stat.sip) reach the call as quality reports: planned
/// by the ingest seam, kept by the dialog through the real shard region on PostgreSQL, and raising LOW_MOS and
/// HIGH_PACKET_LOSS from the events the dialog publishes.
/// </summary>
public sealed class RtpStatQosTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        await DialogNode.MigrateAsync(_database.ConnectionString);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public void The_bye_and_its_200_each_give_one_report_and_nothing_else_does()
    {
        var items = SipFixture.Load("rtp-stat.sip", "stat-plan");
        var reports = items
            .Select(i => SipFixture.Plan(i.Captured))
            .Select(r => r.Second)
            .OfType<DialogCommands.AttachQos>()
            .ToList();
        Assert.Equal(2, reports.Count);
        Assert.All(reports, r => Assert.Equal("stat-plan", r.CallId));

        var bye = reports[0].Report;
        Assert.Equal(("x-rtp-stat", 0.0, 600.0, "127.0.0.1"), (bye.Source, bye.PacketLossPct, bye.JitterMs, bye.Reporter));
        Assert.Null(bye.MosLq);

        var ok = reports[1].Report;
        Assert.Equal("rtp-rxstat", ok.Source);
        Assert.Equal(2.95, ok.MosLq);
        Assert.Equal(3.01, ok.MosCq);
        Assert.Equal(15.0, ok.PacketLossPct); // 72 lost of 408 + 72 expected
    }

    [Fact]
    public async Task The_dialog_keeps_them_and_the_alarms_count_them()
    {
        await using var node = await DialogNode.StartAsync(_database.ConnectionString, new DialogOptions());
        const string callId = "stat-call";
        // As the ingest graph sends them: one routing window, batched per shard.
        var router = new DialogBatchRouter(node.Region, DialogMessageExtractor.DefaultShardCount);
        foreach (var item in SipFixture.Load("rtp-stat.sip", callId))
        {
            var route = SipFixture.Plan(item.Captured);
            Assert.False(route.IsEmpty);
            router.Add(route);
        }
        router.Flush();

        var s = await node.WaitFor(callId, d => d.State == DialogStatus.Completed && d.QosReports.Count == 2, "the call and its two reports");
        Assert.Equal(["x-rtp-stat", "rtp-rxstat"], s.QosReports.Select(q => q.Source));
        // The dialog's own bad-MOS observation (MOS 2.95 under the default 3.0) and both reports are published.
        await DialogNode.Eventually(() => Task.FromResult(
            node.Events.Count(e => e is CallEvents.QosAttached { CallId: callId }) == 2
            && node.Events.Any(e => e is CallEvents.AlarmObserved { CallId: callId })), "the reports and the bad-MOS note published");

        var evaluator = new AlarmEvaluator();
        var t0 = SipFixture.Start;
        evaluator.SetRules(
        [
            Rule(1, AlarmRuleTypes.LowMos, 3.5, t0),
            Rule(2, AlarmRuleTypes.HighPacketLoss, 5, t0),
        ], t0);
        var raised = node.Events.OfType<CallEvents.QosAttached>()
            .Where(e => e.CallId == callId)
            .SelectMany(e => evaluator.Observe(e, t0))
            .Select(c => c.Alarm.RuleType)
            .ToList();
        Assert.Equal([AlarmRuleTypes.HighPacketLoss, AlarmRuleTypes.LowMos], raised.Order(StringComparer.Ordinal).ToList());
    }

    private static AlarmRule Rule(long id, string type, double threshold, DateTimeOffset at) => new(new AlarmRuleRow
    {
        Id = id, Name = type, Type = type, Threshold = threshold, WindowSeconds = 60, MinCount = 1, CooldownSeconds = 60,
        Parameters = "{}", UpdatedAt = at,
    });
}
