using System.Text;
using Homer.Sip.Rtcp;

namespace Homer.Sip.Tests;

/// <summary>
/// Golden tests over the vendors' published header lines (Fixtures/rtpstat/README.md says where each comes from).
/// </summary>
public class RtpStatParserTests
{
    private static RtpStatReport Read(string fixture)
    {
        var payload = Fixture.Bytes("rtpstat/" + fixture);
        Assert.True(SipParser.TryParse(payload, out var sip, out _));
        Assert.True(RtpStatParser.TryRead(payload, sip, out var report));
        return report;
    }

    private static RtpStatReport Value(string header, string value)
    {
        Assert.True(RtpStatParser.TryParseValue(header, Encoding.ASCII.GetBytes(value), out var report));
        return report;
    }

    [Fact]
    public void AudioCodes_bye_from_the_user_manual()
    {
        var r = Read("audiocodes-bye.sip");
        Assert.Equal("x-rtp-stat", r.Header);
        Assert.Equal(207, r.PacketsSent);
        Assert.Equal(49680, r.OctetsSent);
        Assert.Equal(314, r.PacketsReceived);
        Assert.Equal(50240, r.OctetsReceived);
        Assert.Equal(0, r.PacketsLost);
        Assert.Equal(0.0, r.PacketLossPct);
        Assert.Equal(600.0, r.JitterMs);
        Assert.Equal(40.0, r.LatencyMs);
        Assert.Null(r.MosLq);
    }

    [Fact]
    public void Cisco_rx_and_tx_stat_make_one_report_with_the_vq_metrics()
    {
        var r = Read("cisco-8865-bye.sip");
        Assert.Equal("rtp-rxstat", r.Header);
        Assert.Equal(408, r.PacketsReceived);
        Assert.Equal(97680, r.OctetsReceived);
        Assert.Equal(0, r.PacketsLost);
        Assert.Equal(417, r.PacketsSent);
        Assert.Equal(100080, r.OctetsSent);
        Assert.Equal(13, r.DurationSeconds);
        Assert.Equal(0.0, r.JitterMs);
        Assert.Equal(3.52, r.MosLq);
        Assert.Equal(4.21, r.MosCq);
        Assert.Equal(281.0, r.LatencyMs);
        Assert.Equal("PCMU", r.Decoder);
    }

    [Fact]
    public void Avm_x_rtp_stat_with_its_supplement_in_a_200_to_bye()
    {
        var r = Read("avm-200-bye.sip");
        Assert.Equal("x-rtp-stat", r.Header);
        Assert.Equal(1433, r.PacketsSent);
        Assert.Equal(229280, r.OctetsSent);
        Assert.Equal(1522, r.PacketsReceived);
        Assert.Equal(243520, r.OctetsReceived);
        // "PL=0,0" and "JI=23,2": the first value of each.
        Assert.Equal(0, r.PacketsLost);
        Assert.Equal(23.0, r.JitterMs);
        Assert.Equal("PCMA,FAX", r.Encoder);
        Assert.Equal("PCMA", r.Decoder);
    }

    [Fact]
    public void Poly_ata_comma_separated_with_mos()
    {
        // Poly ATA 400 series administration guide, "X-RTP-Stat".
        var r = Value("X-RTP-Stat", "PS=1234,OS=34560,PR=1236,OR=24720,JI=1,DU=1230,PL=0,EN=G711U,DE=G711U,MOS=4.0");
        Assert.Equal(1234, r.PacketsSent);
        Assert.Equal(1236, r.PacketsReceived);
        Assert.Equal(0, r.PacketsLost);
        Assert.Equal(1.0, r.JitterMs);
        Assert.Equal(1230, r.DurationSeconds);
        Assert.Equal(4.0, r.MosLq);
        Assert.Equal("G711U", r.Encoder);
    }

    [Fact]
    public void TelcoBridges_p_rtp_stat_with_spaces_after_commas()
    {
        // TelcoBridges wiki, "Custom SIP BYE headers format A": the header their gateway sends.
        var r = Value("P-RTP-Stat", "PL=0, DU=12");
        Assert.Equal("p-rtp-stat", r.Header);
        Assert.Equal(0, r.PacketsLost);
        Assert.Equal(12, r.DurationSeconds);
        Assert.Null(r.PacketLossPct);
    }

    [Fact]
    public void Siemens_rtp_stats_list()
    {
        // VoIPAnalyzer's help page, "X-RTP Statistics".
        var r = Value("X-Siemens-RTP-stats-list", "MT=0;PS=662;OS=105920;PR=661;OR=105760;PL=0;JI=0;LA=1;SS=0;EN=8;DE=8;IE=00;TCLW=52");
        Assert.Equal("x-siemens-rtp-stats", r.Header);
        Assert.Equal(662, r.PacketsSent);
        Assert.Equal(661, r.PacketsReceived);
        Assert.Equal(1.0, r.LatencyMs);
    }

    [Fact]
    public void Loss_percent_is_lost_over_received_plus_lost()
    {
        var r = Value("P-RTP-Stat", "PS=1000,OS=160000,PR=950,OR=152000,PL=50,JI=12,LA=40,DU=20,EN=PCMU,DE=PCMU");
        Assert.Equal(5.0, r.PacketLossPct);
    }

    [Fact]
    public void Messages_without_statistics_headers_give_nothing()
    {
        var payload = Fixture.Bytes("ok-200.sip");
        Assert.True(SipParser.TryParse(payload, out var sip, out _));
        Assert.False(RtpStatParser.TryRead(payload, sip, out _));
        // A header of ours with nothing readable in it is no report either.
        Assert.False(RtpStatParser.TryParseValue("X-RTP-Stat", "QS=-;SB=-/-"u8, out _));
        Assert.False(RtpStatParser.TryParseValue("X-Other", "PS=1"u8, out _));
    }

    [Fact]
    public void Folded_header_values_and_odd_bytes_never_throw()
    {
        var payload = Encoding.ASCII.GetBytes(
            "BYE sip:a@b SIP/2.0\r\nCall-ID: f\r\nCSeq: 1 BYE\r\nP-RTP-Stat: PS=10,OS=1600,\r\n PR=9,OR=1440,PL=1\r\nContent-Length: 0\r\n\r\n");
        Assert.True(SipParser.TryParse(payload, out var sip, out _));
        Assert.True(RtpStatParser.TryRead(payload, sip, out var r));
        Assert.Equal(9, r.PacketsReceived);
        Assert.Equal(10.0, r.PacketLossPct);
        foreach (var odd in new[] { "=", ";;;", "PS=", "PS=-1", "JI=NaN", "MOS=9", "VQMetrics=\"", "\"PS=1;", "PL=99999999999999999999" })
            RtpStatParser.TryParseValue("RTP-RxStat", Encoding.ASCII.GetBytes(odd), out _);
    }
}

public class RtpStatParserFuzzTests
{
    [Fact]
    public void Random_values_of_every_header_never_throw()
    {
        var random = new Random(23);
        const string alphabet = "PSORLJIADUENMVQ=;,\"-/. 0123456789abcdefxyz\t";
        foreach (var header in RtpStatParser.HeaderNames)
            for (var i = 0; i < 2_000; i++)
            {
                var value = new byte[random.Next(0, 80)];
                for (var j = 0; j < value.Length; j++)
                    value[j] = (byte)alphabet[random.Next(alphabet.Length)];
                if (RtpStatParser.TryParseValue(header, value, out var report))
                    Assert.True(report.PacketLossPct is null or >= 0 and <= 100);
            }
    }
}
