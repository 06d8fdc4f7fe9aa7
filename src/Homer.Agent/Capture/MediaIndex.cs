using System.Buffers.Binary;
using System.Net;
using System.Text;
using Homer.Sip;
using Homer.Sip.Sdp;

namespace Homer.Agent.Capture;

/// <summary>
/// Where RTCP for each call is expected: the SDP of INVITEs and answers maps connection address + RTCP port (RTP port + 1,
/// a=rtcp, or the RTP port with a=rtcp-mux) to the Call-ID, so RTCP goes out with the call's correlation id. Entries
/// expire (capture time) and the table is bounded.
/// </summary>
public sealed class MediaIndex
{
    public int MaxEntries { get; init; } = 200_000;
    public long TtlMicros { get; init; } = 4L * 3600 * 1_000_000;

    private readonly Dictionary<(UInt128 Address, ushort Port), (string CallId, long Expires)> _map = [];

    public int Count => _map.Count;

    /// <summary>When set, also told where each SDP media section expects its RTP (the RTP analysis).</summary>
    public Rtp.RtpTracker? Rtp { get; set; }

    public void Learn(ReadOnlySpan<byte> sipPayload, long nowMicros)
    {
        // Most messages carry no SDP: a vectorised scan for an m= line spares them a full SIP parse.
        if (sipPayload.IndexOf("\nm="u8) < 0) return;
        if (!SipParser.TryParse(sipPayload, out var sip, out _) || sip.CallId.IsEmpty) return;
        // Some senders omit Content-Type; a body that starts like SDP is SDP.
        var body = !sip.Sdp.IsEmpty ? sip.Sdp : sip.Body.Of(sipPayload).StartsWith("v=0"u8) ? sip.Body : default;
        if (body.IsEmpty || !SdpParser.TryParse(sipPayload, body, out var sdp, out _)) return;
        string? callId = null;
        for (var i = 0; i < sdp.MediaCount && i < SdpSession.MaxMedia; i++)
        {
            var media = sdp.Media[i];
            var port = media.EffectiveRtcpPort;
            if (port is <= 0 or > 65_535) continue;
            var addressSlice = media.ConnectionAddress.IsEmpty ? sdp.ConnectionAddress : media.ConnectionAddress;
            if (!IPAddress.TryParse(Encoding.ASCII.GetString(addressSlice.Of(sipPayload)), out var address)) continue;
            callId ??= sip.CallId.ToString(sipPayload);
            Rtp?.Announce(address.GetAddressBytes(), media.Port, callId, media, sipPayload, nowMicros);
            if (_map.Count >= MaxEntries) Expire(nowMicros, force: true);
            _map[(Key(address.GetAddressBytes()), (ushort)port)] = (callId, nowMicros + TtlMicros);
        }
    }

    public bool TryFind(ReadOnlySpan<byte> address, ushort port, long nowMicros, out string callId)
    {
        callId = "";
        if (!_map.TryGetValue((Key(address), port), out var entry)) return false;
        if (entry.Expires < nowMicros)
        {
            _map.Remove((Key(address), port));
            return false;
        }

        callId = entry.CallId;
        return true;
    }

    private void Expire(long now, bool force)
    {
        var stale = _map.Where(kv => kv.Value.Expires < now).Select(kv => kv.Key).ToList();
        foreach (var k in stale) _map.Remove(k);
        // Still full: forget the oldest half rather than grow.
        if (force && _map.Count >= MaxEntries)
            foreach (var k in _map.OrderBy(kv => kv.Value.Expires).Take(_map.Count / 2).Select(kv => kv.Key).ToList())
                _map.Remove(k);
    }

    private static UInt128 Key(ReadOnlySpan<byte> a) =>
        a.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(a) : BinaryPrimitives.ReadUInt32BigEndian(a);

    /// <summary>RTCP version 2 with a packet type in 200–207.</summary>
    public static bool LooksLikeRtcp(ReadOnlySpan<byte> p) => p.Length >= 8 && (p[0] >> 6) == 2 && p[1] is >= 200 and <= 207;
}
