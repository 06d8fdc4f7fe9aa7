using System.Buffers.Text;
using System.Text;

namespace Homer.Sip.Rtcp;

/// <summary>
/// End-of-call media statistics that an endpoint put in its BYE (or the 200 OK to it) instead of, or besides, RTCP.
/// Counts are as the reporter (the message's sender) saw them: "received" and "lost" describe the stream it received.
/// </summary>
public sealed class RtpStatReport
{
    /// <summary>The header the figures came from, lower-case ("x-rtp-stat", "p-rtp-stat", "rtp-rxstat", …).</summary>
    public string Header { get; init; } = "";
    public long? PacketsSent { get; set; }
    public long? PacketsReceived { get; set; }
    public long? PacketsLost { get; set; }
    public long? OctetsSent { get; set; }
    public long? OctetsReceived { get; set; }
    /// <summary>Inter-arrival jitter of the received stream in milliseconds.</summary>
    public double? JitterMs { get; set; }
    /// <summary>One-way latency or jitter-buffer delay the reporter states (LA, VoOneWayDelayMs), in milliseconds.</summary>
    public double? LatencyMs { get; set; }
    /// <summary>Round-trip delay in milliseconds (Cisco's rtt).</summary>
    public double? RoundTripMs { get; set; }
    /// <summary>Listening-quality MOS (Poly's MOS, Cisco's MOSlq).</summary>
    public double? MosLq { get; set; }
    /// <summary>Conversational-quality MOS (Cisco's MOScq).</summary>
    public double? MosCq { get; set; }
    public int? DurationSeconds { get; set; }
    public string? Encoder { get; set; }
    public string? Decoder { get; set; }

    /// <summary>Lost packets as a share of the packets expected (received + lost), in percent.</summary>
    public double? PacketLossPct =>
        PacketsLost is { } lost && PacketsReceived is { } received && lost >= 0 && received + lost > 0
            ? Math.Round(100.0 * lost / (received + lost), 3)
            : null;

    public bool HasFigures =>
        PacketsSent is not null || PacketsReceived is not null || PacketsLost is not null || JitterMs is not null
        || LatencyMs is not null || RoundTripMs is not null || MosLq is not null || MosCq is not null;
}

/// <summary>
/// Reads the vendor headers that carry a call's RTP statistics in a BYE or its 200 OK:
/// <list type="bullet">
/// <item><c>X-RTP-Stat</c> (AudioCodes gateways, Poly/Obihai ATAs, AVM FRITZ!Box) and <c>P-RTP-Stat</c> (Sipura / Linksys /
/// Cisco SPA, TelcoBridges): <c>PS, OS, PR, OR, PL, JI, LA, DU, EN, DE, MOS</c>, separated by ';' or ','.</item>
/// <item><c>X-RTP-Stat-Add</c> (AVM's supplement to X-RTP-Stat): recognised and folded into the same report; AVM does not
/// document its fields publicly, so none of them is read.</item>
/// <item><c>X-Siemens-RTP-stats</c> and <c>X-Siemens-RTP-stats-list</c> (Unify/Siemens): the same two-letter keys.</item>
/// <item><c>RTP-RxStat</c> / <c>RTP-TxStat</c> (Cisco IP phones): <c>Dur, Pkt, Oct, LatePkt, LostPkt, AvgJit, rtt</c> and
/// inside the quoted <c>VQMetrics</c>: <c>MOSlq, MOScq, VoOneWayDelayMs</c>.</item>
/// </list>
/// Tolerant: unknown keys are skipped, an unreadable number stays null, a value of several comma-separated numbers
/// (AVM's <c>PL=0,0</c>, <c>JI=23,2</c>) gives its first. Never throws.
/// </summary>
public static class RtpStatParser
{
    /// <summary>Header names this parser reads, lower-case.</summary>
    public static readonly IReadOnlyList<string> HeaderNames =
        ["x-rtp-stat", "p-rtp-stat", "x-rtp-stat-add", "x-siemens-rtp-stats", "x-siemens-rtp-stats-list", "rtp-rxstat", "rtp-txstat"];

    private enum Kind { None, XRtpStat, PRtpStat, XRtpStatAdd, Siemens, CiscoRx, CiscoTx }

    /// <summary>
    /// The statistics in the headers of a parsed SIP message. A Cisco phone's RTP-RxStat and RTP-TxStat make one report,
    /// as do AVM's X-RTP-Stat and X-RTP-Stat-Add; when a message carries several vendors' headers the first one wins.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, in SipMessage sip, out RtpStatReport report)
    {
        report = null!;
        if (sip.Headers.IsEmpty || sip.Headers.End > payload.Length)
            return false;
        var headers = sip.Headers.Of(payload);
        // Cheap guard: most messages carry none of these, and every name contains "stat" (case varies by vendor).
        if (headers.IndexOf("tat"u8) < 0 && headers.IndexOf("TAT"u8) < 0)
            return false;

        RtpStatReport? found = null;
        var pos = 0;
        while (pos < headers.Length)
        {
            var line = Line(headers, ref pos);
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
                continue;
            var kind = KindOf(line[..colon].Trim(" \t"u8));
            if (kind == Kind.None)
                continue;
            // Folded continuation lines (leading white space) belong to this header's value.
            var value = new List<byte>(line.Length);
            value.AddRange(line[(colon + 1)..]);
            while (pos < headers.Length && headers[pos] is (byte)' ' or (byte)'\t')
            {
                var more = Line(headers, ref pos);
                value.Add((byte)' ');
                value.AddRange(more);
            }
            var bytes = value.ToArray();
            if (found is null)
                found = new RtpStatReport { Header = HeaderOf(kind) };
            else if (!SameFamily(found.Header, kind))
                continue;
            Apply(found, kind, bytes);
        }
        if (found is null || !found.HasFigures)
            return false;
        report = found;
        return true;
    }

    /// <summary>One header's value, as named by <paramref name="headerName"/> (any case); false for another header or no figures.</summary>
    public static bool TryParseValue(string headerName, ReadOnlySpan<byte> value, out RtpStatReport report)
    {
        report = null!;
        var kind = KindOf(Encoding.ASCII.GetBytes(headerName.Trim()));
        if (kind == Kind.None)
            return false;
        var r = new RtpStatReport { Header = HeaderOf(kind) };
        Apply(r, kind, value);
        if (!r.HasFigures)
            return false;
        report = r;
        return true;
    }

    /// <summary>The line at <paramref name="pos"/> without its line end; moves <paramref name="pos"/> past it.</summary>
    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> text, ref int pos)
    {
        var lf = text[pos..].IndexOf((byte)'\n');
        var end = lf < 0 ? text.Length : pos + lf;
        var line = text[pos..end].TrimEnd((byte)'\r');
        pos = end + 1;
        return line;
    }

    private static Kind KindOf(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "X-RTP-Stat"u8) ? Kind.XRtpStat
        : Ascii.EqualsIgnoreCase(name, "P-RTP-Stat"u8) ? Kind.PRtpStat
        : Ascii.EqualsIgnoreCase(name, "X-RTP-Stat-Add"u8) ? Kind.XRtpStatAdd
        : Ascii.EqualsIgnoreCase(name, "X-Siemens-RTP-stats"u8) || Ascii.EqualsIgnoreCase(name, "X-Siemens-RTP-stats-list"u8) ? Kind.Siemens
        : Ascii.EqualsIgnoreCase(name, "RTP-RxStat"u8) ? Kind.CiscoRx
        : Ascii.EqualsIgnoreCase(name, "RTP-TxStat"u8) ? Kind.CiscoTx
        : Kind.None;

    private static string HeaderOf(Kind kind) => kind switch
    {
        Kind.XRtpStat or Kind.XRtpStatAdd => "x-rtp-stat",
        Kind.PRtpStat => "p-rtp-stat",
        Kind.Siemens => "x-siemens-rtp-stats",
        _ => "rtp-rxstat",
    };

    private static bool SameFamily(string header, Kind kind) => header == HeaderOf(kind);

    private static void Apply(RtpStatReport r, Kind kind, ReadOnlySpan<byte> value)
    {
        var separator = Separator(value);
        foreach (var (key, val) in Pairs(value, separator))
        {
            switch (kind)
            {
                case Kind.CiscoRx:
                    CiscoReceive(r, key, val);
                    break;
                case Kind.CiscoTx:
                    if (Is(key, "Pkt"u8)) r.PacketsSent ??= Long(val);
                    else if (Is(key, "Oct"u8)) r.OctetsSent ??= Long(val);
                    else if (Is(key, "Dur"u8)) r.DurationSeconds ??= (int?)Long(val);
                    break;
                case Kind.XRtpStatAdd:
                    // AVM's supplement (DQ, DSS, DS, PLCS, JS): its meaning is not publicly documented, so nothing is read.
                    break;
                default:
                    TwoLetter(r, key, val);
                    break;
            }
        }
    }

    private static void TwoLetter(RtpStatReport r, ReadOnlySpan<byte> key, ReadOnlySpan<byte> val)
    {
        if (Is(key, "PS"u8)) r.PacketsSent ??= Long(val);
        else if (Is(key, "PR"u8)) r.PacketsReceived ??= Long(val);
        else if (Is(key, "PL"u8)) r.PacketsLost ??= Long(val);
        else if (Is(key, "OS"u8)) r.OctetsSent ??= Long(val);
        else if (Is(key, "OR"u8)) r.OctetsReceived ??= Long(val);
        else if (Is(key, "JI"u8)) r.JitterMs ??= Double(val);
        else if (Is(key, "LA"u8)) r.LatencyMs ??= Double(val);
        else if (Is(key, "DU"u8)) r.DurationSeconds ??= (int?)Long(val);
        else if (Is(key, "EN"u8)) r.Encoder ??= Text(val);
        else if (Is(key, "DE"u8)) r.Decoder ??= Text(val);
        else if (Is(key, "MOS"u8)) r.MosLq ??= Mos(val);
    }

    private static void CiscoReceive(RtpStatReport r, ReadOnlySpan<byte> key, ReadOnlySpan<byte> val)
    {
        if (Is(key, "Pkt"u8)) r.PacketsReceived ??= Long(val);
        else if (Is(key, "Oct"u8)) r.OctetsReceived ??= Long(val);
        else if (Is(key, "LostPkt"u8)) r.PacketsLost ??= Long(val);
        // RFC 3550 inter-arrival jitter in RTP timestamp units (Cisco's documentation); narrowband audio makes 8 per ms.
        else if (Is(key, "AvgJit"u8)) r.JitterMs ??= Double(val) / 8.0;
        else if (Is(key, "rtt"u8)) r.RoundTripMs ??= Double(val);
        else if (Is(key, "Dur"u8)) r.DurationSeconds ??= (int?)Long(val);
        else if (Is(key, "VQMetrics"u8))
        {
            foreach (var (k, v) in Pairs(Unquote(val), (byte)';'))
            {
                if (Is(k, "MOSlq"u8)) r.MosLq ??= Mos(v);
                else if (Is(k, "MOScq"u8)) r.MosCq ??= Mos(v);
                else if (Is(k, "VoOneWayDelayMs"u8)) r.LatencyMs ??= Double(v);
                else if (Is(k, "VoRxCodec"u8)) r.Decoder ??= Text(v);
            }
        }
    }

    /// <summary>';' when the value uses it outside quotes (AudioCodes, AVM, Siemens), else ',' (Sipura, Poly, Cisco).</summary>
    private static byte Separator(ReadOnlySpan<byte> value)
    {
        var quoted = false;
        foreach (var c in value)
        {
            if (c == (byte)'"') quoted = !quoted;
            else if (c == (byte)';' && !quoted) return (byte)';';
        }
        return (byte)',';
    }

    /// <summary>key=value items split on <paramref name="separator"/> outside double quotes; empty items skipped.</summary>
    private static List<(byte[] Key, byte[] Value)> Pairs(ReadOnlySpan<byte> value, byte separator)
    {
        var pairs = new List<(byte[], byte[])>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= value.Length; i++)
        {
            if (i < value.Length)
            {
                if (value[i] == (byte)'"') quoted = !quoted;
                if (quoted || value[i] != separator)
                    continue;
            }
            var item = value[start..i].Trim(" \t\r\n"u8);
            start = i + 1;
            var eq = item.IndexOf((byte)'=');
            if (eq <= 0)
                continue;
            pairs.Add((item[..eq].Trim(" \t"u8).ToArray(), item[(eq + 1)..].Trim(" \t"u8).ToArray()));
        }
        return pairs;
    }

    private static ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> v)
    {
        if (v.Length > 0 && v[0] == (byte)'"')
            v = v[1..];
        // Cisco's own sample leaves TxStat's quote unclosed; take what is there.
        if (v.Length > 0 && v[^1] == (byte)'"')
            v = v[..^1];
        return v;
    }

    private static bool Is(ReadOnlySpan<byte> key, ReadOnlySpan<byte> name) => Ascii.EqualsIgnoreCase(key, name);

    /// <summary>The first number of a value ("0,0" gives 0); null for "-" or text.</summary>
    private static ReadOnlySpan<byte> FirstNumber(ReadOnlySpan<byte> v)
    {
        var comma = v.IndexOfAny(",/ "u8);
        return (comma < 0 ? v : v[..comma]).Trim(" \t"u8);
    }

    private static long? Long(ReadOnlySpan<byte> v) =>
        Utf8Parser.TryParse(FirstNumber(v), out long n, out var used) && used == FirstNumber(v).Length && n >= 0 ? n : null;

    private static double? Double(ReadOnlySpan<byte> v) =>
        Utf8Parser.TryParse(FirstNumber(v), out double d, out var used) && used == FirstNumber(v).Length
            && double.IsFinite(d) && d >= 0 ? d : null;

    /// <summary>A MOS is 1–5; anything else (0 for "not computed") is no MOS.</summary>
    private static double? Mos(ReadOnlySpan<byte> v) => Double(v) is { } m && m is >= 1 and <= 5 ? m : null;

    private static string? Text(ReadOnlySpan<byte> v)
    {
        v = Unquote(v).Trim(" \t"u8);
        return v.IsEmpty || v.SequenceEqual("-"u8) ? null : Encoding.UTF8.GetString(v.Length > 64 ? v[..64] : v);
    }
}
