using System.Text;
using Homer.Sip.Sdp;

namespace Homer.Sip.Tests;

public class SdpTests
{
    [Fact]
    public void Sdp_of_the_invite_via_the_sip_slice()
    {
        var d = Fixture.Bytes("invite-sdp.sip");
        Assert.True(SipParser.TryParse(d, out var m, out _));

        Assert.True(SdpParser.TryParse(d, m.Sdp, out var s, out var error), error.ToString());

        Assert.Equal("alice", s.OriginUser.ToString(d));
        Assert.Equal("198.51.100.10", s.OriginAddress.ToString(d));
        Assert.Equal("198.51.100.10", s.ConnectionAddress.ToString(d));
        Assert.Equal("IP4", s.AddressType.ToString(d));
        Assert.Equal(1, s.MediaCount);
        var audio = s.Media[0];
        Assert.Equal("audio", audio.Media.ToString(d));
        Assert.Equal(49170, audio.Port);
        Assert.Equal("RTP/AVP", audio.Protocol.ToString(d));
        Assert.Equal("198.51.100.10", audio.ConnectionAddress.ToString(d));
        Assert.Equal(SdpDirection.SendRecv, audio.Direction);
        Assert.Equal(49171, audio.RtcpPort);
        Assert.Equal(20, audio.PacketTime);
        Assert.Equal(4, audio.CodecCount);
        Assert.Equal("PCMU", audio.Codecs[0].Name(d));
        Assert.Equal("PCMA", audio.Codecs[1].Name(d));
        Assert.Equal("G729", audio.Codecs[2].Name(d));
        Assert.Equal("telephone-event", audio.Codecs[3].Name(d));
        Assert.Equal(101, audio.Codecs[3].PayloadType);
        Assert.Equal(8000, audio.Codecs[3].ClockRate);
    }

    [Theory]
    // RFC 3551 table 4 and 5: audio at 8, 11.025, 16, 22.05 and 44.1 kHz, video at 90 kHz, and no clock for a
    // dynamic or unassigned type (the agent's RTP analysis then measures no jitter rather than a wrong one).
    [InlineData(0, 8000)]
    [InlineData(9, 8000)]
    [InlineData(18, 8000)]
    [InlineData(6, 16_000)]
    [InlineData(16, 11_025)]
    [InlineData(17, 22_050)]
    [InlineData(10, 44_100)]
    [InlineData(34, 90_000)]
    [InlineData(19, 0)]
    [InlineData(96, 0)]
    [InlineData(-1, 0)]
    public void Static_payload_types_have_their_RFC_3551_clock(int payloadType, int clockRate) =>
        Assert.Equal(clockRate, SdpParser.StaticClockRate(payloadType));

    [Fact]
    public void Media_level_connection_direction_and_static_codecs()
    {
        var d = Encoding.ASCII.GetBytes(
            "v=0\r\no=- 1 2 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\nt=0 0\r\na=sendonly\r\n" +
            "m=audio 40000 RTP/AVP 8 0\r\n" +
            "m=audio 40002 RTP/SAVP 96 9\r\nc=IN IP4 203.0.113.9/127\r\na=rtpmap:96 opus/48000/2\r\na=recvonly\r\na=rtcp-mux\r\n" +
            "m=video 0 RTP/AVP 31\r\n");

        Assert.True(SdpParser.TryParse(d, out var s, out _));

        Assert.Equal(3, s.MediaCount);
        Assert.Equal("2001:db8::1", s.Media[0].ConnectionAddress.ToString(d));
        Assert.Equal(SdpDirection.SendOnly, s.Media[0].Direction);
        Assert.Equal("PCMA", s.Media[0].Codecs[0].Name(d));
        Assert.Equal(40001, s.Media[0].EffectiveRtcpPort);
        Assert.Equal("203.0.113.9", s.Media[1].ConnectionAddress.ToString(d));
        Assert.Equal(SdpDirection.RecvOnly, s.Media[1].Direction);
        Assert.Equal("opus", s.Media[1].Codecs[0].Name(d));
        Assert.Equal(48000, s.Media[1].Codecs[0].ClockRate);
        Assert.Equal(2, s.Media[1].Codecs[0].Channels);
        Assert.Equal("G722", s.Media[1].Codecs[1].Name(d));
        Assert.True(s.Media[1].RtcpMux);
        Assert.Equal(40002, s.Media[1].EffectiveRtcpPort);
        Assert.Equal(0, s.Media[2].Port);
        Assert.Equal("H261", s.Media[2].Codecs[0].Name(d));
    }

    [Theory]
    [InlineData("", SdpParseError.Empty)]
    [InlineData("o=- 1 1 IN IP4 1.2.3.4\r\n", SdpParseError.MissingVersion)]
    [InlineData("v=0\r\ngarbage\r\n", SdpParseError.BadLine)]
    [InlineData("v=0\r\nm=audio notaport RTP/AVP 0\r\n", SdpParseError.BadMediaLine)]
    public void Bad_sdp(string text, SdpParseError expected)
    {
        Assert.False(SdpParser.TryParse(Encoding.ASCII.GetBytes(text), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Too_many_media_and_codecs_are_counted_not_overrun()
    {
        var sb = new StringBuilder("v=0\r\n");
        for (var i = 0; i < 12; i++)
            sb.Append($"m=audio {10000 + 2 * i} RTP/AVP {string.Join(' ', Enumerable.Range(96, 20))}\r\n");
        var d = Encoding.ASCII.GetBytes(sb.ToString());
        Assert.True(SdpParser.TryParse(d, out var s, out _));
        Assert.Equal(SdpSession.MaxMedia, s.MediaCount);
        Assert.Equal(12, s.MediaCountTotal);
        Assert.Equal(SdpMedia.MaxCodecs, s.Media[7].CodecCount);
        Assert.Equal(20, s.Media[7].FormatCount);
    }
}
