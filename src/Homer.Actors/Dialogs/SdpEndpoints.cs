using System.Globalization;
using Homer.Sip;
using Homer.Sip.Sdp;

namespace Homer.Actors.Dialogs;

/// <summary>The media endpoints an SDP announces, RTP and RTCP, as "ip:port": all the media index needs.</summary>
public static class SdpEndpoints
{
    public static IReadOnlyList<string> Extract(ReadOnlySpan<byte> data, SipSlice sdp)
    {
        if (!SdpParser.TryParse(data, sdp, out var session, out _) || session.MediaCount == 0)
            return [];
        var result = new List<string>(4);
        for (var i = 0; i < session.MediaCount; i++)
        {
            var media = session.Media[i];
            var address = media.ConnectionAddress.ToString(data);
            // Port 0 is a rejected or disabled stream; 0.0.0.0 is the old hold form: neither sends RTCP anywhere.
            if (media.Port <= 0 || address is "" or "0.0.0.0")
                continue;
            Add(address, media.Port);
            var rtcpAddress = media.RtcpAddress.IsEmpty ? address : media.RtcpAddress.ToString(data);
            Add(rtcpAddress, media.EffectiveRtcpPort);
        }
        return result;

        void Add(string address, int port)
        {
            var endpoint = address + ":" + port.ToString(CultureInfo.InvariantCulture);
            if (port > 0 && !result.Contains(endpoint))
                result.Add(endpoint);
        }
    }
}
