using Homer.Actors.Contracts;
using Homer.Sip;
using Homer.Sip.Rtcp;

namespace Homer.Actors.Dialogs;

/// <summary>
/// The media statistics an endpoint put in its BYE or in the 200 OK to a BYE (X-RTP-Stat, P-RTP-Stat, RTP-RxStat, …),
/// as a quality report of the same call: endpoints that send no RTCP still count in the call's MOS and loss figures
/// and in the LOW_MOS / HIGH_PACKET_LOSS alarms.
/// </summary>
public static class RtpStatQos
{
    /// <summary>A report when <paramref name="sip"/> is a BYE or a response to one and carries such headers.</summary>
    public static bool TryReport(ReadOnlySpan<byte> payload, in SipMessage sip, long timestampMicros, string? reporter, out QosReport report)
    {
        report = null!;
        var bye = sip.IsRequest ? sip.MethodKind == SipMethod.Bye : sip.CSeqMethodKind == SipMethod.Bye;
        if (!bye || !RtpStatParser.TryRead(payload, sip, out var stat))
            return false;
        report = From(stat, timestampMicros, reporter);
        return true;
    }

    public static QosReport From(RtpStatReport stat, long timestampMicros, string? reporter) =>
        new(stat.Header, timestampMicros, stat.MosLq, stat.MosCq, stat.PacketLossPct, stat.JitterMs, reporter);
}
