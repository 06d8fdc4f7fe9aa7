using Homer.Sip.Rtcp;

namespace Homer.Sip.Tests;

public class RtcpTests
{
    private static byte[] Load(string name) => Fixture.Bytes(Path.Combine("rtcp", name));

    [Fact]
    public void Sender_report_with_sdes()
    {
        Assert.True(RtcpParser.TryParse(Load("sr-sdes.bin"), out var packets, out var error, out _), error.ToString());

        Assert.Equal(2, packets.Count);
        var sr = packets[0];
        Assert.Equal((byte)RtcpPacketType.SenderReport, sr.PacketType);
        Assert.Equal(0x11223344u, sr.Ssrc);
        Assert.Equal(new RtcpSenderInfo(3913056000, 2147483648, 160000, 1000, 160000), sr.SenderInfo);
        var block = Assert.Single(sr.ReportBlocks);
        Assert.Equal(new RtcpReportBlock(0x55667788, 64, 12, 70000, 35, 0xAABBCCDD, 65536), block);
        Assert.Equal(25.0, block.FractionLostPercent);
        var sdes = packets[1];
        Assert.Equal([new RtcpSdesItem(0x11223344, 1, "alice@198.51.100.10"), new RtcpSdesItem(0x11223344, 6, "phone 1.0")], sdes.SdesItems);
    }

    [Fact]
    public void Receiver_report_with_negative_loss_and_bye()
    {
        Assert.True(RtcpParser.TryParse(Load("rr-bye.bin"), out var packets, out _, out _));
        var rr = packets[0];
        Assert.Equal(2, rr.ReportBlocks.Count);
        Assert.Equal(-3, rr.ReportBlocks[0].CumulativeLost);
        Assert.Equal(900u, rr.ReportBlocks[1].Jitter);
        Assert.Equal("teardown", packets[1].ByeReason);
        Assert.Equal([0x01020304u], packets[1].ByeSsrcs);
    }

    [Fact]
    public void Xr_voip_metrics_block()
    {
        Assert.True(RtcpParser.TryParse(Load("xr-voip.bin"), out var packets, out _, out _));
        var m = Assert.Single(packets[1].VoipMetrics);
        Assert.Equal(0x55667788u, m.Ssrc);
        Assert.Equal(13, m.LossRate);
        Assert.Equal(180, m.RoundTripDelay);
        Assert.Equal(-20, m.SignalLevel);
        Assert.Equal(88, m.RFactor);
        Assert.Equal(4.2, m.MosLq);
        Assert.Equal(4.3, m.MosCq);
        Assert.Equal(120, m.JitterBufferAbsoluteMaximum);
    }

    [Theory]
    [InlineData(new byte[0], RtcpParseError.Empty)]
    [InlineData(new byte[] { 0x80, 200, 0 }, RtcpParseError.TooShort)]
    [InlineData(new byte[] { 0x40, 200, 0, 0 }, RtcpParseError.BadVersion)]
    [InlineData(new byte[] { 0x80, 200, 0, 5, 0, 0, 0, 0 }, RtcpParseError.LengthExceedsBuffer)]
    [InlineData(new byte[] { 0x81, 201, 0, 1, 0, 0, 0, 1 }, RtcpParseError.CountExceedsPacket)]
    public void Broken_rtcp(byte[] data, RtcpParseError expected)
    {
        Assert.False(RtcpParser.TryParse(data, out _, out var error, out _));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Heplify_json_equals_the_binary_sender_report()
    {
        Assert.True(RtcpJsonParser.TryParse(Load("heplify.json"), out var json, out _));
        Assert.True(RtcpParser.TryParse(Load("sr-sdes.bin"), out var binary, out _, out _));
        Assert.Equal(binary[0].SenderInfo, json[0].SenderInfo);
        Assert.Equal(binary[0].ReportBlocks, json[0].ReportBlocks);
        Assert.Equal(binary[0].Ssrc, json[0].Ssrc);
    }

    [Fact]
    public void Json_with_quoted_and_decimal_numbers()
    {
        Assert.True(RtcpJsonParser.TryParse(Load("quoted-numbers.json"), out var packets, out _));
        var p = Assert.Single(packets);
        Assert.Equal(201, p.PacketType);
        Assert.Equal(16909060u, p.Ssrc);
        Assert.Equal(-3, p.ReportBlocks[0].CumulativeLost);
        Assert.Equal(7u, p.ReportBlocks[0].Jitter);
    }

    [Fact]
    public void Captagent_compound_json_with_xr_and_sdes()
    {
        Assert.True(RtcpJsonParser.TryParse(Load("captagent-xr.json"), out var packets, out _));
        Assert.Equal(2, packets.Count);
        var xr = Assert.Single(packets[1].VoipMetrics);
        Assert.Equal(1432778632u, xr.Ssrc);
        Assert.Equal(180, xr.RoundTripDelay);
        Assert.Null(xr.MosLq);
        Assert.Equal("bob@192.0.2.4", Assert.Single(packets[1].SdesItems).Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{not json")]
    [InlineData("42")]
    [InlineData("[]")]
    public void Bad_json(string text)
    {
        Assert.False(RtcpJsonParser.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out _, out _));
    }

    [Fact]
    public void Vq_rtcpxr_session_report_as_typed_values()
    {
        Assert.True(VqReportParser.TryParse(Load("vq-session.txt"), out var r));

        Assert.Equal("VQSessionReport", r.Kind);
        Assert.Equal("CallTerm", r.Qualifier);
        Assert.Equal("6dg37f1890463@phone.example.org", r.CallId);
        Assert.Equal("Carol <sip:carol@example.org>", r.LocalId);
        Assert.Equal(new VqAddress("10.10.1.100", 5000, 0x2468abcd), r.LocalAddr);
        Assert.Equal(new VqAddress("11.1.1.150", 5002, 0x1357ef01), r.RemoteAddr);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero), r.Local.Start);
        Assert.Equal(5.0, r.Local.NetworkLossRate);
        Assert.Equal(2.0, r.Local.JitterDiscardRate);
        Assert.Equal(2.0, r.Local.GapLossDensity);
        Assert.Equal(200, r.Local.RoundTripDelay);
        Assert.Equal(2, r.Local.InterArrivalJitter);
        Assert.Equal(4.2, r.Local.MosLq);
        Assert.Equal(4.3, r.Local.MosCq);
        Assert.Equal(88, r.Local.RListeningQuality);
        Assert.Equal("G729", r.Local.PayloadDescription);
        Assert.Equal(-21, r.Local.SignalLevel);
        Assert.Equal("7", r.Local.Other["DELAY.XYZ"]);
        Assert.NotNull(r.Remote);
        Assert.Equal(1.5, r.Remote.NetworkLossRate);
        Assert.Equal(4.4, r.Remote.MosCq);
        Assert.StartsWith("1890463548@", r.DialogId);
    }

    [Fact]
    public void Vq_report_inside_a_sip_publish()
    {
        var body = Load("vq-session.txt");
        var head = System.Text.Encoding.ASCII.GetBytes(
            "PUBLISH sip:collector@example.org SIP/2.0\r\nVia: SIP/2.0/UDP 10.10.1.100;branch=z9hG4bKvq\r\n" +
            "From: <sip:carol@example.org>;tag=1\r\nTo: <sip:collector@example.org>\r\nCall-ID: pub@10.10.1.100\r\n" +
            "CSeq: 1 PUBLISH\r\nEvent: vq-rtcpxr\r\nContent-Type: application/vq-rtcpxr\r\n" +
            $"Content-Length: {body.Length}\r\n\r\n");
        var d = head.Concat(body).ToArray();

        Assert.True(SipParser.TryParse(d, out var m, out _));
        Assert.Equal("vq-rtcpxr", m.Event.ToString(d));
        Assert.True(VqReportParser.TryParse(m.Body.Of(d), out var r));
        Assert.Equal(4.2, r.Local.MosLq);
    }
}
