using System.Text;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Tests;

public sealed class QosParsingTests
{
    [Fact]
    public void Binary_RTCP_receiver_report_gives_loss_and_jitter()
    {
        byte[] rr =
        [
            0x81, 201, 0, 7, 0, 0, 0, 1, // V=2 RC=1 RR, length 7 words, sender SSRC
            0, 0, 0, 2, 64, 0, 0, 3, 0, 0, 0x10, 0, 0, 0, 0, 160, 0, 0, 0, 0, 0, 0, 0, 0, // block: 25 % lost, jitter 160
        ];
        Assert.True(QosParsing.TryParse(Homer.Hep.HepProtocolType.RtcpJson, rr, 7, "10.0.0.1", out var callId, out var report));
        Assert.Null(callId);
        Assert.Equal(("rtcp", 25.0, 20.0, "10.0.0.1"), (report.Source, report.PacketLossPct, report.JitterMs, report.Reporter));
    }

    [Fact]
    public void Agent_JSON_stats_and_vq_rtcpxr_give_MOS_and_their_Call_ID()
    {
        var json = """{"CORRELATION_ID":"abc@host","MOS":3.9,"PACKET_LOSS":1.25,"JITTER":7}"""u8;
        Assert.True(QosParsing.TryParse(34, json, 1, null, out var callId, out var report));
        Assert.Equal(("abc@host", 3.9, 1.25, 7.0), (callId, report.MosLq, report.PacketLossPct, report.JitterMs));

        var vq = Encoding.ASCII.GetBytes("VQSessionReport: CallTerm\r\nCallID: xyz@host\r\nLocalAddr: IP=10.0.0.5 PORT=5000 SSRC=0x1\r\nLocalMetrics:\r\nQualityEst: MOSLQ=4.3 MOSCQ=4.2\r\n");
        Assert.True(QosParsing.TryParse(35, vq, 1, null, out callId, out report));
        Assert.Equal(("xyz@host", 4.3, 4.2, "10.0.0.5"), (callId, report.MosLq, report.MosCq, report.Reporter));

        Assert.False(QosParsing.TryParse(35, "not a report"u8, 1, null, out _, out _));
    }
}
