using System.Globalization;
using System.Net;
using System.Text.Json;
using Homer.Hep;
using Homer.Sip;
using Homer.Sip.Rtcp;
using Homer.Storage;

namespace Homer.Api.Flows;

/// <summary>One quality figure set for one media stream, read from one stored report.</summary>
public sealed record QosSample(
    string CallId,
    string Source,
    string? Ssrc,
    string Direction,
    string? Reporter,
    DateTimeOffset Timestamp,
    double? Mos,
    double? PacketLossPct,
    double? JitterMs,
    double? DelayMs,
    long? PacketsLost = null)
{
    public bool IsEmpty => Mos is null && PacketLossPct is null && JitterMs is null && DelayMs is null && PacketsLost is null;

    /// <summary>Packets the reporter sent and received, where the report states them (RTP statistics headers of a BYE).</summary>
    public long? PacketsSent { get; init; }
    public long? PacketsReceived { get; init; }
}

/// <summary>
/// Reads the quality reports the store keeps (RTCP as binary or agent JSON, RTCP-XR VoIP metrics, RFC 6035 text in HEP
/// or in a vq-rtcpxr PUBLISH, agent RTP statistics) into per-stream samples. Only Homer.Sip's parsers are used for the
/// standard formats; agent JSON is read for the few keys that carry MOS, loss, jitter and delay.
/// </summary>
/// <remarks>The dialog actors reduce the same reports to one figure set per report (Homer.Actors QosParsing); charts
/// need them per stream (SSRC) and direction, so this reads them again from the store.</remarks>
public static class QosReading
{
    /// <summary>
    /// Samples of one stored message; <paramref name="callIds"/> are the calls asked about (a report names its call by
    /// its correlation id or in its body). Empty when the message is not a quality report of one of them.
    /// </summary>
    public static IReadOnlyList<QosSample> Read(StoredMessage m, IReadOnlySet<string> callIds)
    {
        try
        {
            var payload = m.Payload.AsSpan();
            var direction = Endpoint(m.SourceIp, m.SourcePort) + " -> " + Endpoint(m.DestinationIp, m.DestinationPort);
            var reporter = m.SourceIp.ToString();
            if (m.ProtocolType == HepProtocolType.Sip)
                return m.Method == "PUBLISH" ? ReadPublish(m, payload, direction, callIds) : RtpStatReading.Read(m, payload, direction, callIds);
            if (!HepProtocolType.IsQualityReport(m.ProtocolType) || m.CorrelationId is not { } correlated)
                return ReadUncorrelated(m, payload, direction, reporter, callIds);
            if (!callIds.Contains(correlated))
                return [];
            var trimmed = payload.TrimStart(" \r\n\t"u8);
            if (trimmed.IsEmpty)
                return [];
            if (m.ProtocolType == HepProtocolType.RtcpJson)
            {
                var json = trimmed[0] is (byte)'{' or (byte)'[';
                if (json ? RtcpJsonParser.TryParse(trimmed, out var packets, out _) : RtcpParser.TryParse(payload, out packets, out _, out _))
                {
                    var samples = FromRtcp(packets, correlated, direction, reporter, m.Timestamp);
                    if (samples.Count > 0 || !json)
                        return samples;
                }
            }
            if (trimmed.StartsWith("VQ"u8))
                return FromVq(trimmed, correlated, "rtcp-xr", direction, reporter, m.Timestamp, callIds);
            if (trimmed[0] == (byte)'{')
                return FromAgentJson(trimmed, correlated, m.ProtocolType == HepProtocolType.RtcpJson ? "rtcp" : RtpStreamReport.SourceOf(trimmed, "agent"),
                    direction, reporter, m.Timestamp);
            return [];
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            // A report we cannot read is still in the store and in the message search; it only misses the chart.
            return [];
        }
    }

    /// <summary>"MOS 4.2 loss 0.5% jitter 3 ms delay 40 ms (rtcp-xr)": the time-line marker of a sample.</summary>
    public static string Describe(QosSample s)
    {
        var parts = new List<string>(4);
        var c = CultureInfo.InvariantCulture;
        if (s.Mos is { } mos) parts.Add(string.Create(c, $"MOS {mos:0.0#}"));
        if (s.PacketLossPct is { } loss) parts.Add(string.Create(c, $"loss {loss:0.##}%"));
        if (s.JitterMs is { } jitter) parts.Add(string.Create(c, $"jitter {jitter:0.#} ms"));
        if (s.DelayMs is { } delay) parts.Add(string.Create(c, $"delay {delay:0.#} ms"));
        return string.Join(" ", parts) + $" ({s.Source}{(s.Ssrc is null ? "" : " ssrc " + s.Ssrc)})";
    }

    public static string Endpoint(IPAddress address, int port)
    {
        var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + ip + "]" : ip.ToString())
            + ":" + port.ToString(CultureInfo.InvariantCulture);
    }

    private static IReadOnlyList<QosSample> ReadUncorrelated(StoredMessage m, ReadOnlySpan<byte> payload, string direction, string reporter, IReadOnlySet<string> callIds)
    {
        // RFC 6035 text in HEP without a correlation id still names its call inside.
        var trimmed = payload.TrimStart(" \r\n\t"u8);
        return HepProtocolType.IsQualityReport(m.ProtocolType) && trimmed.StartsWith("VQ"u8)
            ? FromVq(trimmed, null, "rtcp-xr", direction, reporter, m.Timestamp, callIds)
            : [];
    }

    private static IReadOnlyList<QosSample> ReadPublish(StoredMessage m, ReadOnlySpan<byte> payload, string direction, IReadOnlySet<string> callIds)
    {
        if (m.Method != "PUBLISH" || !SipParser.TryParse(payload, out var sip, out _)
            || !sip.ContentType.ToString(payload).Contains("vq-rtcpxr", StringComparison.OrdinalIgnoreCase))
            return [];
        return FromVq(sip.Body.Of(payload), null, "vq-rtcpxr", direction, null, m.Timestamp, callIds);
    }

    private static IReadOnlyList<QosSample> FromRtcp(IReadOnlyList<RtcpPacket> packets, string callId, string direction, string reporter, DateTimeOffset ts)
    {
        var samples = new List<QosSample>();
        foreach (var packet in packets)
        {
            // A report block describes the stream the reporter receives from SourceSsrc.
            foreach (var block in packet.ReportBlocks)
                samples.Add(new QosSample(callId, "rtcp", Ssrc(block.SourceSsrc), direction, reporter, ts, null,
                    block.FractionLostPercent,
                    // Inter-arrival jitter is in RTP timestamp units; narrowband audio (8 kHz) makes 8 per ms.
                    block.Jitter / 8.0, null, block.CumulativeLost));
            foreach (var xr in packet.VoipMetrics)
                samples.Add(new QosSample(callId, "rtcp-xr", Ssrc(xr.Ssrc), direction, reporter, ts, xr.MosLq ?? xr.MosCq,
                    xr.LossRatePercent, null, xr.RoundTripDelay == 0 ? null : xr.RoundTripDelay));
        }
        return samples;
    }

    private static IReadOnlyList<QosSample> FromVq(ReadOnlySpan<byte> body, string? correlated, string source, string direction, string? reporter,
        DateTimeOffset ts, IReadOnlySet<string> callIds)
    {
        if (!VqReportParser.TryParse(body, out var vq) || vq.Kind is null)
            return [];
        var callId = correlated ?? vq.CallId;
        if (callId is null || !callIds.Contains(callId))
            return [];
        var local = vq.Local;
        var remote = vq.Remote;
        var sample = new QosSample(callId, source, vq.LocalAddr?.Ssrc is { } ssrc ? Ssrc(ssrc) : null, direction,
            reporter ?? vq.LocalAddr?.Ip, ts,
            local.MosLq ?? local.MosCq ?? remote?.MosLq ?? remote?.MosCq,
            local.NetworkLossRate ?? remote?.NetworkLossRate,
            local.InterArrivalJitter ?? remote?.InterArrivalJitter,
            local.RoundTripDelay ?? local.SymmetricOneWayDelay ?? remote?.RoundTripDelay);
        return sample.IsEmpty ? [] : [sample];
    }

    private static IReadOnlyList<QosSample> FromAgentJson(ReadOnlySpan<byte> json, string callId, string source, string direction, string reporter, DateTimeOffset ts)
    {
        if (!QosJsonFields.TryRead(json, out var f))
            return [];
        var sample = new QosSample(callId, source, f.Ssrc, direction, reporter, ts, f.MosLq ?? f.MosCq, f.LossPct, f.JitterMs, f.DelayMs, f.PacketsLost);
        return sample.IsEmpty ? [] : [sample];
    }

    private static string Ssrc(uint ssrc) => QosJsonFields.SsrcText(ssrc);
}
