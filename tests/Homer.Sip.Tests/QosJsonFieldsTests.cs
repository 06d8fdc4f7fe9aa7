using System.Text;
using Homer.Sip.Rtcp;

namespace Homer.Sip.Tests;

public class QosJsonFieldsTests
{
    [Fact]
    public void Fields_are_found_at_any_depth_whatever_their_case_and_underscores()
    {
        var json = """
            {"CORRELATION_ID":"abc@host","report":{"MOS_LQ":4.1,"mos_cq":3.9,"packet_loss":2.5,"jitter_ms":12,"RTT":40,"ssrc":"0x1A2B3C4D"}}
            """;
        Assert.True(QosJsonFields.TryRead(Encoding.UTF8.GetBytes(json), out var f));
        Assert.Equal(new QosJsonFields(4.1, 3.9, 2.5, 12, 40, "0x1A2B3C4D", "abc@host"), f);
    }

    [Fact]
    public void Rtcp_units_are_converted_and_the_first_value_of_each_kind_wins()
    {
        // fraction_lost is in 1/256ths, ia_jitter in 8 kHz RTP timestamp units; a numeric SSRC is shown in hex.
        var json = """
            [{"ssrc":305419896,"report_blocks":[{"fraction_lost":64,"ia_jitter":80}]},{"fraction_lost":128,"mos":0,"mos":3.2}]
            """;
        Assert.True(QosJsonFields.TryRead(Encoding.UTF8.GetBytes(json), out var f));
        Assert.Equal(25.0, f.LossPct);
        Assert.Equal(10.0, f.JitterMs);
        Assert.Equal("0x12345678", f.Ssrc);
        Assert.Equal(3.2, f.MosLq);
        Assert.Null(f.MosCq);
        Assert.Null(f.CallId);
    }

    [Fact]
    public void Packets_lost_are_a_count_read_from_report_blocks()
    {
        var json = """{"report_blocks":[{"fraction_lost":0,"packets_lost":17}]}""";
        Assert.True(QosJsonFields.TryRead(Encoding.UTF8.GetBytes(json), out var f));
        Assert.Equal(17, f.PacketsLost);
        Assert.Equal(0.0, f.LossPct);
    }

    [Theory]
    [InlineData("{\"mos\": 4.0")]
    [InlineData("not json")]
    public void Text_that_is_not_json_is_refused(string text) =>
        Assert.False(QosJsonFields.TryRead(Encoding.UTF8.GetBytes(text), out _));
}
