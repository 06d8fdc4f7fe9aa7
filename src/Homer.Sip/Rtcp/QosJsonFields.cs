using System.Globalization;
using System.Text.Json;

namespace Homer.Sip.Rtcp;

/// <summary>
/// The quality figures of an agent's JSON QoS report (HEP 34/35/99, or a type-5 summary), wherever they sit in the
/// object: the first value of each kind found wins. Names are matched without case and underscores, so
/// <c>mos_lq</c>, <c>MOSLQ</c> and <c>mosLq</c> are one field. Both the dialogs (attaching reports) and the API
/// (drawing QoS series) read reports through this one reader.
/// </summary>
/// <param name="PacketsLost">Packets lost so far (RTCP's cumulative count), when the report gives it.</param>
public readonly record struct QosJsonFields(double? MosLq, double? MosCq, double? LossPct, double? JitterMs, double? DelayMs,
    string? Ssrc, string? CallId, long? PacketsLost = null)
{
    /// <summary>False when the text is not JSON.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out QosJsonFields fields)
    {
        double? mosLq = null, mosCq = null, loss = null, jitter = null, delay = null;
        long? lost = null;
        string? ssrc = null, callId = null;
        fields = default;
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
                            case "delay" or "rtt" or "roundtripdelay" or "delayms":
                                delay ??= n;
                                break;
                            // RTCP report blocks (heplify, captagent) and agent summaries: a count, not a rate.
                            case "packetslost" or "cumulativelost" or "lostpackets":
                                lost ??= (long)Math.Round(n);
                                break;
                            case "ssrc":
                                ssrc ??= SsrcText((uint)Math.Clamp(n, 0, uint.MaxValue));
                                break;
                        }
                        property = null;
                        break;
                    case JsonTokenType.String when property is "ssrc":
                        ssrc ??= reader.GetString();
                        property = null;
                        break;
                    case JsonTokenType.String when property is "callid" or "correlationid" or "rtpsipcallid":
                        callId ??= reader.GetString();
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
        fields = new QosJsonFields(mosLq, mosCq, loss, jitter, delay, ssrc, callId, lost);
        return true;
    }

    /// <summary>An SSRC as the dashboards show it: 0x and eight hex digits.</summary>
    public static string SsrcText(uint ssrc) => "0x" + ssrc.ToString("X8", CultureInfo.InvariantCulture);
}
