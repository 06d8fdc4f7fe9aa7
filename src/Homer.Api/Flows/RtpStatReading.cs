using Homer.Sip;
using Homer.Sip.Rtcp;
using Homer.Storage;

namespace Homer.Api.Flows;

/// <summary>
/// The QoS tab's view of the RTP statistics headers a BYE or the 200 OK to it carries (X-RTP-Stat, P-RTP-Stat,
/// RTP-RxStat/TxStat, …; <see cref="RtpStatParser"/>): one sample per message, from its sender's point of view.
/// </summary>
public static class RtpStatReading
{
    public static IReadOnlyList<QosSample> Read(StoredMessage m, ReadOnlySpan<byte> payload, string direction, IReadOnlySet<string> callIds)
    {
        // BYE requests and their responses only (the CSeq method says so for both), and only for the calls asked about.
        if (m.CallId is not { } callId || !callIds.Contains(callId)
            || !SipParser.TryParse(payload, out var sip, out _)
            || (sip.IsRequest ? sip.MethodKind : sip.CSeqMethodKind) != SipMethod.Bye
            || !RtpStatParser.TryRead(payload, sip, out var stat))
            return [];
        var sample = new QosSample(callId, stat.Header, null, direction, m.SourceIp.ToString(), m.Timestamp,
            stat.MosLq ?? stat.MosCq, stat.PacketLossPct, stat.JitterMs, stat.RoundTripMs ?? stat.LatencyMs, stat.PacketsLost)
        {
            PacketsSent = stat.PacketsSent,
            PacketsReceived = stat.PacketsReceived,
        };
        return sample.IsEmpty ? [] : [sample];
    }
}
