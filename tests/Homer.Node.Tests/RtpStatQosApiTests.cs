using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>
/// A call whose BYE and 200 OK carry RTP statistics headers (vendors' published lines), sent over HEP to a real node:
/// the dialog's QoS reports, the `qos` streams of the QoS tab and the call's MOS figures in the dialogs table.
/// </summary>
public sealed class RtpStatQosApiTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    // AudioCodes' user manual example, and a Cisco 8865's published RxStat/TxStat with loss and MOS made worse.
    private const string AudioCodes = "X-RTP-Stat: PS=207;OS=49680;;PR=314;OR=50240;PL=0;JI=600;LA=40;\r\n";
    private const string Cisco =
        "Rtp-Rxstat: Dur=13,Pkt=408,Oct=97680,LatePkt=8,LostPkt=72,AvgJit=16,VQMetrics=\"CCR=0.0017;ICR=0.0000;VoRxCodec=PCMU;VoOneWayDelayMs=281;maxJitter=12;MOScq=3.01;MOSlq=2.95;hwType=CP-8865\"\r\n" +
        "Rtp-Txstat: Dur=13,Pkt=417,Oct=100080,tvqMetrics=\"TxCodec=PCMU;rtpbitrate=61587;rtcpbitrate=0\r\n";

    [Fact]
    public async Task Bye_and_200_statistics_become_qos_streams_dialog_reports_and_call_mos()
    {
        var callId = "rtpstat-" + Guid.NewGuid().ToString("N")[..10] + "@example.com";
        var legs = SipCalls.BasicCall(callId, "alice", "bob", SipCalls.NowMicros().AddMinutes(-2)).ToList();
        legs[5] = legs[5] with { Text = legs[5].Text.Replace("Content-Length: 0\r\n", AudioCodes + "Content-Length: 0\r\n", StringComparison.Ordinal) };
        legs[6] = legs[6] with { Text = legs[6].Text.Replace("Content-Length: 0\r\n", Cisco + "Content-Length: 0\r\n", StringComparison.Ordinal) };
        await node.SendHep([.. legs.Select(l => SipCalls.Hep3(l))]);

        JsonElement dialog = default;
        await node.Eventually(async () =>
        {
            dialog = (await node.GraphQL("query ($id: String!) { dialog(callId: $id) { state qosReports { source mosLq mosCq packetLossPct jitterMs reporter } } }",
                new { id = callId })).GetProperty("dialog");
            return dialog.ValueKind == JsonValueKind.Object && dialog.GetProperty("qosReports").GetArrayLength() == 2;
        }, "the dialog to hold both reports");
        var reports = dialog.GetProperty("qosReports").EnumerateArray().ToList();
        Assert.Equal(["x-rtp-stat", "rtp-rxstat"], reports.Select(r => r.GetProperty("source").GetString()));
        Assert.Equal(("192.0.2.10", 600.0), (reports[0].GetProperty("reporter").GetString(), reports[0].GetProperty("jitterMs").GetDouble()));
        Assert.Equal((2.95, 15.0, 2.0), (reports[1].GetProperty("mosLq").GetDouble(), reports[1].GetProperty("packetLossPct").GetDouble(),
            reports[1].GetProperty("jitterMs").GetDouble()));

        var qos = (await node.GraphQL(
            "query ($ids: [String!]!) { qos(callIds: $ids) { source direction reporter points { mos packetLossPct jitterMs delayMs packetsSent packetsReceived packetsLost } } }",
            new { ids = new[] { callId } })).GetProperty("qos").EnumerateArray().ToList();
        Assert.Equal(["x-rtp-stat", "rtp-rxstat"], qos.Select(q => q.GetProperty("source").GetString()));
        Assert.Equal("192.0.2.10:5060 -> 198.51.100.20:5060", qos[0].GetProperty("direction").GetString());
        var bye = Assert.Single(qos[0].GetProperty("points").EnumerateArray());
        Assert.Equal((207L, 314L, 0L, 40.0), (bye.GetProperty("packetsSent").GetInt64(), bye.GetProperty("packetsReceived").GetInt64(),
            bye.GetProperty("packetsLost").GetInt64(), bye.GetProperty("delayMs").GetDouble()));
        Assert.Equal(JsonValueKind.Null, bye.GetProperty("mos").ValueKind);
        var ok = Assert.Single(qos[1].GetProperty("points").EnumerateArray());
        Assert.Equal((2.95, 15.0, 417L, 408L, 72L), (ok.GetProperty("mos").GetDouble(), ok.GetProperty("packetLossPct").GetDouble(),
            ok.GetProperty("packetsSent").GetInt64(), ok.GetProperty("packetsReceived").GetInt64(), ok.GetProperty("packetsLost").GetInt64()));

        // The call flow marks both on its time line, once each (the live dialog's copies are not added again).
        var markers = (await node.GraphQL("query ($ids: [String!]!) { callFlow(callIds: $ids) { markers { kind text } } }", new { ids = new[] { callId } }))
            .GetProperty("callFlow").GetProperty("markers").EnumerateArray().Where(m => m.GetProperty("kind").GetString() == "QOS")
            .Select(m => m.GetProperty("text").GetString()).ToList();
        Assert.Equal(["loss 0% jitter 600 ms delay 40 ms (x-rtp-stat)", "MOS 2.95 loss 15% jitter 2 ms delay 281 ms (rtp-rxstat)"], markers);

        // The call row counts the MOS the headers gave (only the Cisco line has one).
        await node.Eventually(async () =>
        {
            var rows = (await node.GraphQL("query ($f: DialogFilter!) { dialogs(filter: $f) { nodes { mosMin mosAvg } } }",
                new { f = new { callId } })).GetProperty("dialogs").GetProperty("nodes");
            return rows.GetArrayLength() == 1 && rows[0].GetProperty("mosAvg").ValueKind == JsonValueKind.Number
                && Math.Abs(rows[0].GetProperty("mosAvg").GetDouble() - 2.95) < 1e-9;
        }, "the dialogs row to carry the MOS");
    }
}
