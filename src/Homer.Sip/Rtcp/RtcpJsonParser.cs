using System.Text.Json;

namespace Homer.Sip.Rtcp;

/// <summary>
/// RTCP reports as capture agents send them in HEP protocol type 5 (captagent, heplify, rtpengine, FreeSWITCH, Asterisk
/// res_hep_rtcp): one JSON object per RTCP packet with "type", "ssrc", "sender_information", "report_blocks" and
/// optionally "report_blocks_xr" and "sdes_*", or an array of such objects for a compound packet. Numbers may arrive
/// quoted or as decimals; both are read.
/// </summary>
public static class RtcpJsonParser
{
    public static bool TryParse(ReadOnlySpan<byte> json, out IReadOnlyList<RtcpPacket> packets, out RtcpParseError error)
    {
        packets = [];
        if (json.IsEmpty)
        {
            error = RtcpParseError.Empty;
            return false;
        }

        // JsonDocument defers UTF-8 validation of strings to GetString(), which would then throw: check once here.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            error = RtcpParseError.BadJson;
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException)
        {
            // System.Text.Json reports malformed input only by exception; type-5 payloads are small and infrequent.
            error = RtcpParseError.BadJson;
            return false;
        }

        using (document)
        {
            var list = new List<RtcpPacket>(1);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in root.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                        list.Add(Packet(item));
                }
            }
            else if (root.ValueKind == JsonValueKind.Object)
            {
                list.Add(Packet(root));
            }

            if (list.Count == 0)
            {
                error = RtcpParseError.BadJson;
                return false;
            }

            packets = list;
            error = RtcpParseError.None;
            return true;
        }
    }

    private static RtcpPacket Packet(JsonElement e)
    {
        RtcpSenderInfo? info = null;
        if (e.TryGetProperty("sender_information", out var si) && si.ValueKind == JsonValueKind.Object)
        {
            // Agents give NTP as seconds + microseconds; keep the wire form (fraction of 2^32) for one model.
            var usec = U32(si, "ntp_timestamp_usec");
            info = new RtcpSenderInfo(U32(si, "ntp_timestamp_sec"), (uint)((ulong)usec * 4294967296UL / 1_000_000UL),
                U32(si, "rtp_timestamp"), U32(si, "packets"), U32(si, "octets"));
        }

        var blocks = new List<RtcpReportBlock>();
        if (e.TryGetProperty("report_blocks", out var rb) && rb.ValueKind == JsonValueKind.Array)
        {
            foreach (var b in rb.EnumerateArray())
            {
                if (b.ValueKind != JsonValueKind.Object)
                    continue;
                blocks.Add(new RtcpReportBlock(U32(b, "source_ssrc"), (byte)Math.Clamp(I64(b, "fraction_lost"), 0, 255),
                    (int)Math.Clamp(I64(b, "packets_lost"), int.MinValue, int.MaxValue), U32(b, "highest_seq_no"),
                    U32(b, "ia_jitter"), U32(b, "lsr"), U32(b, "dlsr")));
            }
        }

        var xr = new List<RtcpVoipMetrics>();
        if (e.TryGetProperty("report_blocks_xr", out var rx))
        {
            if (rx.ValueKind == JsonValueKind.Object)
                xr.Add(Xr(rx));
            else if (rx.ValueKind == JsonValueKind.Array)
            {
                foreach (var x in rx.EnumerateArray())
                {
                    if (x.ValueKind == JsonValueKind.Object)
                        xr.Add(Xr(x));
                }
            }
        }

        var sdes = new List<RtcpSdesItem>();
        if (e.TryGetProperty("sdes_information", out var sd) && sd.ValueKind == JsonValueKind.Array)
        {
            var sdesSsrc = U32(e, "sdes_ssrc");
            foreach (var s in sd.EnumerateArray())
            {
                if (s.ValueKind == JsonValueKind.Object && s.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    sdes.Add(new RtcpSdesItem(sdesSsrc, (byte)Math.Clamp(I64(s, "type"), 0, 255), text.GetString() ?? string.Empty));
            }
        }

        return new RtcpPacket
        {
            PacketType = (byte)Math.Clamp(I64(e, "type"), 0, 255),
            Ssrc = U32(e, "ssrc"),
            SenderInfo = info,
            ReportBlocks = blocks,
            VoipMetrics = xr,
            SdesItems = sdes,
        };
    }

    private static RtcpVoipMetrics Xr(JsonElement x) => new(
        U32(x, "id"), B(x, "fraction_lost"), B(x, "fraction_discard"), B(x, "burst_density"), B(x, "gap_density"),
        U16(x, "burst_duration"), U16(x, "gap_duration"), U16(x, "round_trip_delay"), U16(x, "end_system_delay"),
        0, 0, 0, 0, B(x, "r_factor"), 0, MosRaw(x, "mos_lq"), MosRaw(x, "mos_cq"), 0, 0, 0, 0);

    private static byte MosRaw(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d)
            ? (byte)Math.Clamp(Math.Round(d <= 5 ? d * 10 : d), 0, 127)
            : (byte)127;

    private static byte B(JsonElement e, string name) => (byte)Math.Clamp(I64(e, name), 0, 255);

    private static ushort U16(JsonElement e, string name) => (ushort)Math.Clamp(I64(e, name), 0, ushort.MaxValue);

    private static uint U32(JsonElement e, string name) => (uint)Math.Clamp(I64(e, name), 0, uint.MaxValue);

    /// <summary>Numbers, numeric strings (some agents quote them) and doubles; 0 when absent or unreadable.</summary>
    private static long I64(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v))
            return 0;
        switch (v.ValueKind)
        {
            case JsonValueKind.Number:
                if (v.TryGetInt64(out var l))
                    return l;
                return v.TryGetDouble(out var d) && double.IsFinite(d) ? (long)Math.Clamp(d, long.MinValue, long.MaxValue) : 0;
            case JsonValueKind.String:
                var text = v.GetString();
                if (long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var s))
                    return s;
                return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture,
                    out var f) && double.IsFinite(f) ? (long)Math.Clamp(f, long.MinValue, long.MaxValue) : 0;
            default:
                return 0;
        }
    }
}
