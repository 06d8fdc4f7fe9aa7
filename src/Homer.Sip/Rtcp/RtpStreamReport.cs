using System.Text.Json;

namespace Homer.Sip.Rtcp;

/// <summary>
/// The RTP stream report of homer-agent's RTP analysis: HEP type 34, the call's Call-ID as correlation id, a JSON object
/// with <c>"type": "rtp-stream"</c> (shape in docs/agent.md). Its figures are read by <see cref="QosJsonFields"/> like any
/// agent JSON (its <c>interval</c> object comes first, so each report charts its own period); this only names the kind,
/// so dialogs, QoS charts and alarms show it as <see cref="Source"/> rather than as an unknown agent's report.
/// </summary>
public static class RtpStreamReport
{
    public const string Type = "rtp-stream";
    /// <summary>The report source the dialogs and the QoS charts give these reports.</summary>
    public const string Source = "rtp";

    /// <summary>True when the JSON object's top-level <c>type</c> is <c>rtp-stream</c>. Never throws.</summary>
    public static bool Is(ReadOnlySpan<byte> json)
    {
        // The agent writes "type" first; a cheap look before reading it as JSON.
        if (json.IndexOf("\"rtp-stream\""u8) < 0)
            return false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                if (!reader.Read())
                    return false;
                if (isType)
                    return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(Type);
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return false;
    }

    /// <summary><see cref="Source"/> for an RTP stream report, else <paramref name="otherwise"/>.</summary>
    public static string SourceOf(ReadOnlySpan<byte> json, string otherwise) => Is(json) ? Source : otherwise;
}
