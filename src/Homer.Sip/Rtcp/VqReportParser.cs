using System.Buffers.Text;
using System.Globalization;
using System.Text;
using static Homer.Sip.SipSyntax;

namespace Homer.Sip.Rtcp;

/// <summary>
/// Parses RFC 6035 vq-rtcpxr text. Tolerant: unknown lines and parameters are kept in <c>Other</c>, unreadable numbers
/// stay null, and metric lines before any "LocalMetrics:" header are taken as local. Works on the bytes; only values
/// that are text end up as strings.
/// </summary>
public static class VqReportParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out VqReport report)
    {
        report = new VqReport();
        var metrics = report.Local;
        var sawAny = false;
        var pos = 0;
        while (pos < text.Length)
        {
            var lf = text[pos..].IndexOf((byte)'\n');
            var lineEnd = lf < 0 ? text.Length : pos + lf;
            var line = text[pos..lineEnd];
            pos = lineEnd + 1;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
                continue;
            var key = line[..colon].Trim(" \t"u8);
            var value = line[(colon + 1)..].Trim(" \t\r"u8);
            if (Is(key, "VQSessionReport"u8) || Is(key, "VQIntervalReport"u8) || Is(key, "VQAlertReport"u8))
            {
                report.Kind = Str(key);
                report.Qualifier = value.IsEmpty ? null : Str(value);
            }
            else if (Is(key, "CallID"u8)) report.CallId = Str(value);
            else if (Is(key, "LocalID"u8)) report.LocalId = Str(value);
            else if (Is(key, "RemoteID"u8)) report.RemoteId = Str(value);
            else if (Is(key, "OrigID"u8)) report.OrigId = Str(value);
            else if (Is(key, "LocalGroup"u8)) report.LocalGroup = Str(value);
            else if (Is(key, "RemoteGroup"u8)) report.RemoteGroup = Str(value);
            else if (Is(key, "LocalAddr"u8)) report.LocalAddr = Address(value);
            else if (Is(key, "RemoteAddr"u8)) report.RemoteAddr = Address(value);
            else if (Is(key, "LocalMAC"u8)) report.LocalMac = Str(value);
            else if (Is(key, "RemoteMAC"u8)) report.RemoteMac = Str(value);
            else if (Is(key, "DialogID"u8)) report.DialogId = Str(value);
            else if (Is(key, "LocalMetrics"u8)) metrics = report.Local;
            else if (Is(key, "RemoteMetrics"u8)) metrics = report.Remote = new VqMetrics();
            else if (!Metrics(key, value, metrics))
            {
                report.Other[Str(key)] = Str(value);
                continue;
            }

            sawAny = true;
        }

        return sawAny;
    }

    private static bool Is(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Ascii.EqualsIgnoreCase(a, b);

    private static string Str(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    /// <summary>Space-separated "KEY=value" pairs of one metrics line.</summary>
    private ref struct Pairs(ReadOnlySpan<byte> value)
    {
        private ReadOnlySpan<byte> _rest = value;

        public bool Next(out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> v)
        {
            while (true)
            {
                _rest = _rest.TrimStart(" \t"u8);
                if (_rest.IsEmpty)
                {
                    key = v = default;
                    return false;
                }

                var sp = _rest.IndexOfAny((byte)' ', (byte)'\t');
                var part = sp < 0 ? _rest : _rest[..sp];
                _rest = sp < 0 ? default : _rest[sp..];
                var eq = part.IndexOf((byte)'=');
                if (eq <= 0)
                    continue;
                key = part[..eq];
                v = part[(eq + 1)..];
                return true;
            }
        }
    }

    private static VqAddress Address(ReadOnlySpan<byte> value)
    {
        string? ip = null;
        int? port = null;
        uint? ssrc = null;
        var pairs = new Pairs(value);
        while (pairs.Next(out var k, out var v))
        {
            if (Is(k, "IP"u8))
                ip = Str(v);
            else if (Is(k, "PORT"u8))
                port = Int(v);
            else if (Is(k, "SSRC"u8))
            {
                var hex = v.Length > 2 && v[0] == '0' && (v[1] | 0x20) == 'x';
                ssrc = (hex ? Utf8Parser.TryParse(v[2..], out uint x, out var used, 'x') : Utf8Parser.TryParse(v, out x, out used))
                    && used == v.Length - (hex ? 2 : 0) ? x : null;
            }
        }

        return new VqAddress(ip, port, ssrc);
    }

    /// <summary>Reads one metrics line into <paramref name="m"/>; false when the line is not a metrics line.</summary>
    private static bool Metrics(ReadOnlySpan<byte> line, ReadOnlySpan<byte> value, VqMetrics m)
    {
        var kind = Is(line, "Timestamps"u8) ? 1 : Is(line, "SessionDesc"u8) ? 2 : Is(line, "JitterBuffer"u8) ? 3
            : Is(line, "PacketLoss"u8) ? 4 : Is(line, "BurstGapLoss"u8) ? 5 : Is(line, "Delay"u8) ? 6 : Is(line, "Signal"u8) ? 7
            : Is(line, "QualityEst"u8) ? 8 : 0;
        if (kind == 0)
            return false;
        var pairs = new Pairs(value);
        while (pairs.Next(out var k, out var v))
        {
            var known = true;
            switch (kind)
            {
                case 1:
                    if (Is(k, "START"u8)) m.Start = Time(v);
                    else if (Is(k, "STOP"u8)) m.Stop = Time(v);
                    else known = false;
                    break;
                case 2:
                    if (Is(k, "PT"u8)) m.PayloadType = Int(v);
                    else if (Is(k, "PD"u8)) m.PayloadDescription = Str(v);
                    else if (Is(k, "SR"u8)) m.SampleRate = Int(v);
                    else if (Is(k, "FD"u8)) m.FrameDuration = Int(v);
                    else if (Is(k, "FPP"u8)) m.FramesPerPacket = Int(v);
                    else if (Is(k, "PPS"u8)) m.PacketsPerSecond = Int(v);
                    else if (Is(k, "PLC"u8)) m.PacketLossConcealment = Str(v);
                    else if (Is(k, "SSUP"u8)) m.SilenceSuppression = Str(v);
                    else known = false;
                    break;
                case 3:
                    if (Is(k, "JBA"u8)) m.JitterBufferAdaptive = Int(v);
                    else if (Is(k, "JBR"u8)) m.JitterBufferRate = Int(v);
                    else if (Is(k, "JBN"u8)) m.JitterBufferNominal = Int(v);
                    else if (Is(k, "JBM"u8)) m.JitterBufferMax = Int(v);
                    else if (Is(k, "JBX"u8)) m.JitterBufferAbsMax = Int(v);
                    else known = false;
                    break;
                case 4:
                    if (Is(k, "NLR"u8)) m.NetworkLossRate = Dbl(v);
                    else if (Is(k, "JDR"u8)) m.JitterDiscardRate = Dbl(v);
                    else known = false;
                    break;
                case 5:
                    if (Is(k, "BLD"u8)) m.BurstLossDensity = Dbl(v);
                    else if (Is(k, "BD"u8)) m.BurstDuration = Int(v);
                    else if (Is(k, "GLD"u8)) m.GapLossDensity = Dbl(v);
                    else if (Is(k, "GD"u8)) m.GapDuration = Int(v);
                    else if (Is(k, "GMIN"u8)) m.MinGapThreshold = Int(v);
                    else known = false;
                    break;
                case 6:
                    if (Is(k, "RTD"u8)) m.RoundTripDelay = Int(v);
                    else if (Is(k, "ESD"u8)) m.EndSystemDelay = Int(v);
                    else if (Is(k, "SOWD"u8)) m.SymmetricOneWayDelay = Int(v);
                    else if (Is(k, "IAJ"u8)) m.InterArrivalJitter = Int(v);
                    else if (Is(k, "MAJ"u8)) m.MeanAbsoluteJitter = Int(v);
                    else known = false;
                    break;
                case 7:
                    if (Is(k, "SL"u8)) m.SignalLevel = Int(v);
                    else if (Is(k, "NL"u8)) m.NoiseLevel = Int(v);
                    else if (Is(k, "RERL"u8)) m.ResidualEchoReturnLoss = Int(v);
                    else known = false;
                    break;
                case 8:
                    if (Is(k, "RLQ"u8)) m.RListeningQuality = Dbl(v);
                    else if (Is(k, "RCQ"u8)) m.RConversationalQuality = Dbl(v);
                    else if (Is(k, "EXTRI"u8)) m.ExternalRIn = Dbl(v);
                    else if (Is(k, "EXTRO"u8)) m.ExternalROut = Dbl(v);
                    else if (Is(k, "MOSLQ"u8)) m.MosLq = Dbl(v);
                    else if (Is(k, "MOSCQ"u8)) m.MosCq = Dbl(v);
                    else if (Is(k, "QoEEstAlg"u8)) m.QoeEstimationAlgorithm = Str(v);
                    else known = false;
                    break;
            }

            if (!known)
                m.Other[$"{Str(line).ToUpperInvariant()}.{Str(k)}"] = Str(v);
        }

        return true;
    }

    private static int? Int(ReadOnlySpan<byte> v)
    {
        if (Utf8Parser.TryParse(v, out int x, out var used) && used == v.Length)
            return x;
        return Dbl(v) is { } d && Math.Abs(d) < int.MaxValue ? (int)Math.Round(d) : null;
    }

    private static double? Dbl(ReadOnlySpan<byte> v) =>
        Utf8Parser.TryParse(v, out double x, out var used) && used == v.Length && double.IsFinite(x) ? x : null;

    private static DateTimeOffset? Time(ReadOnlySpan<byte> v) =>
        DateTimeOffset.TryParse(Str(v), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out var t) ? t : null;
}
