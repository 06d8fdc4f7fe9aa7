using System.Globalization;
using System.Text;
using System.Text.Json;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Reduces quality reports to the few figures a dialog keeps (MOS, loss, jitter). The full report stays in the
/// message store. RFC 6035 text and the JSON that agents send (heplify/captagent RTCP, RTP stats) are read here
/// directly: only four numbers are needed, not the whole model.
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
        if (trimmed[0] == (byte)'{')
            return TryParseJson(trimmed, timestampMicros, protocolType == DialogRouting.RtcpProtocolType ? "rtcp" : "agent", reporter, out callId, out report);
        if (trimmed.StartsWith("VQ"u8))
            return TryParseVqReport(trimmed, timestampMicros, "rtcp-xr", out callId, out report, reporter);
        return false;
    }

    /// <summary>An RFC 6035 report ("VQSessionReport: CallTerm", "CallID:", "QualityEst: MOSLQ=4.2 …").</summary>
    public static bool TryParseVqReport(ReadOnlySpan<byte> body, long timestampMicros, string source, out string? callId,
        out QosReport report, string? reporter = null)
    {
        callId = null;
        double? mosLq = null, mosCq = null, loss = null, jitter = null;
        var isReport = false;
        foreach (var raw in Encoding.UTF8.GetString(body).Split('\n'))
        {
            var line = raw.Trim();
            var colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.StartsWith("VQ", StringComparison.OrdinalIgnoreCase) && name.EndsWith("Report", StringComparison.OrdinalIgnoreCase))
                isReport = true;
            else if (name.Equals("CallID", StringComparison.OrdinalIgnoreCase))
                callId ??= value;
            else if (name.Equals("LocalAddr", StringComparison.OrdinalIgnoreCase) && reporter is null)
                reporter = Pair(value, "IP");
            else
            {
                // The first metrics block is the reporter's own (LocalMetrics); RemoteMetrics only fills gaps.
                mosLq ??= Number(Pair(value, "MOSLQ"));
                mosCq ??= Number(Pair(value, "MOSCQ"));
                loss ??= Number(Pair(value, "NLR"));
                jitter ??= Number(Pair(value, "IAJ"));
            }
        }
        report = new QosReport(source, timestampMicros, mosLq, mosCq, loss, jitter, reporter);
        return isReport;
    }

    private static bool TryParseJson(ReadOnlySpan<byte> json, long timestampMicros, string source, string? reporter,
        out string? callId, out QosReport report)
    {
        callId = null;
        report = null!;
        double? mosLq = null, mosCq = null, loss = null, jitter = null;
        string? foundCallId = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            string? property = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString()?.ToLowerInvariant().Replace("_", "", StringComparison.Ordinal);
                        break;
                    case JsonTokenType.Number when property is not null && reader.TryGetDouble(out var n):
                        switch (property)
                        {
                            case "mos" or "moslq" or "mosl":
                                mosLq ??= n > 0 ? n : null;
                                break;
                            case "moscq" or "mosc":
                                mosCq ??= n > 0 ? n : null;
                                break;
                            // RTCP report blocks carry the loss fraction in 1/256ths.
                            case "fractionlost":
                                loss ??= n * 100.0 / 256.0;
                                break;
                            case "packetloss" or "packetlosspct" or "losspct" or "lossrate":
                                loss ??= n;
                                break;
                            // RTCP inter-arrival jitter is in RTP timestamp units; 8 kHz audio makes 8 per ms.
                            case "iajitter":
                                jitter ??= n / 8.0;
                                break;
                            case "jitter" or "jitterms" or "meanjitter":
                                jitter ??= n;
                                break;
                        }
                        property = null;
                        break;
                    case JsonTokenType.String when property is "callid" or "correlationid" or "rtpsipcallid":
                        foundCallId ??= reader.GetString();
                        property = null;
                        break;
                    default:
                        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                            property = null;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }
        callId = foundCallId;
        report = new QosReport(source, timestampMicros, mosLq, mosCq, loss, jitter, reporter);
        return true;
    }

    private static string? Pair(string value, string key)
    {
        foreach (var item in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = item.IndexOf('=');
            if (eq > 0 && item.AsSpan(0, eq).Equals(key, StringComparison.OrdinalIgnoreCase))
                return item[(eq + 1)..];
        }
        return null;
    }

    private static double? Number(string? text) =>
        text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}
