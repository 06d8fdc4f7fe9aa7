using System.Text.Json;
using Homer.Actors.Contracts;
using Homer.Hep;
using Homer.Sip.Rtcp;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Reduces quality reports to the few figures a dialog keeps (MOS, loss, jitter); the full report stays in the message
/// store. RTCP (binary or agent JSON) and RFC 6035 text go through Homer.Sip's parsers; other agent JSON (RTP stats of
/// HEP types 34/99, whose keys vary by agent) is read here for the few keys that carry those figures.
/// </summary>
public static class QosParsing
{
    public static bool TryParse(byte protocolType, ReadOnlySpan<byte> payload, long timestampMicros, string? reporter,
        out string? callId, out QosReport report)
    {
        callId = null;
        report = null!;
        var trimmed = payload.TrimStart(" \r\n\t"u8);
        if (trimmed.IsEmpty)
            return false;
        if (protocolType == HepProtocolType.RtcpJson)
        {
            var isJson = trimmed[0] is (byte)'{' or (byte)'[';
            var parsed = isJson
                ? RtcpJsonParser.TryParse(trimmed, out var packets, out _)
                : RtcpParser.TryParse(payload, out packets, out _, out _);
            if (parsed && FromRtcp(packets, timestampMicros, reporter) is { } rtcp)
            {
                report = rtcp;
                return true;
            }
            if (!isJson)
                return false;
        }
        if (trimmed[0] == (byte)'{')
            return TryParseJson(trimmed, timestampMicros,
                protocolType == HepProtocolType.RtcpJson ? "rtcp" : RtpStreamReport.SourceOf(trimmed, "agent"), reporter, out callId, out report);
        if (trimmed.StartsWith("VQ"u8))
            return TryParseVqReport(trimmed, timestampMicros, "rtcp-xr", out callId, out report, reporter);
        return false;
    }

    private static QosReport? FromRtcp(IReadOnlyList<RtcpPacket> packets, long timestampMicros, string? reporter)
    {
        double? mosLq = null, mosCq = null, loss = null, jitter = null;
        foreach (var packet in packets)
        {
            foreach (var block in packet.ReportBlocks)
            {
                loss ??= block.FractionLostPercent;
                // Inter-arrival jitter is in RTP timestamp units; 8 kHz audio makes 8 per ms.
                jitter ??= block.Jitter / 8.0;
            }
            foreach (var xr in packet.VoipMetrics)
            {
                mosLq ??= xr.MosLq;
                mosCq ??= xr.MosCq;
                loss ??= xr.LossRatePercent;
            }
        }
        return mosLq is null && mosCq is null && loss is null && jitter is null
            ? null
            : new QosReport("rtcp", timestampMicros, mosLq, mosCq, loss, jitter, reporter);
    }

    /// <summary>An RFC 6035 report ("VQSessionReport: CallTerm", "CallID:", "QualityEst: MOSLQ=4.2 …").</summary>
    public static bool TryParseVqReport(ReadOnlySpan<byte> body, long timestampMicros, string source, out string? callId,
        out QosReport report, string? reporter = null)
    {
        callId = null;
        report = null!;
        if (!VqReportParser.TryParse(body, out var vq) || vq.Kind is null)
            return false;
        callId = vq.CallId;
        // The reporter's own view first (LocalMetrics); RemoteMetrics only fills gaps.
        var local = vq.Local;
        var remote = vq.Remote;
        report = new QosReport(source, timestampMicros,
            local.MosLq ?? remote?.MosLq,
            local.MosCq ?? remote?.MosCq,
            local.NetworkLossRate ?? remote?.NetworkLossRate,
            local.InterArrivalJitter ?? remote?.InterArrivalJitter,
            reporter ?? vq.LocalAddr?.Ip);
        return true;
    }

    private static bool TryParseJson(ReadOnlySpan<byte> json, long timestampMicros, string source, string? reporter,
        out string? callId, out QosReport report)
    {
        callId = null;
        report = null!;
        if (!QosJsonFields.TryRead(json, out var f))
            return false;
        callId = f.CallId;
        report = new QosReport(source, timestampMicros, f.MosLq, f.MosCq, f.LossPct, f.JitterMs, reporter);
        return true;
    }
}
