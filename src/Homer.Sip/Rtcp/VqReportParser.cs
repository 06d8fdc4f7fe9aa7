using System.Globalization;
using System.Text;

namespace Homer.Sip.Rtcp;

/// <summary>
/// Parses RFC 6035 vq-rtcpxr text. Tolerant: unknown lines and parameters are kept in <c>Other</c>, unreadable numbers
/// stay null, and metric lines before any "LocalMetrics:" header are taken as local.
/// </summary>
public static class VqReportParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out VqReport report)
    {
        report = new VqReport();
        if (text.IsEmpty)
            return false;
        var s = Encoding.UTF8.GetString(text);
        var metrics = report.Local;
        var sawAny = false;
        foreach (var rawLine in s.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r', ' ', '\t');
            if (line.Length == 0)
                continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key.ToUpperInvariant())
            {
                case "VQSESSIONREPORT" or "VQINTERVALREPORT" or "VQALERTREPORT":
                    report.Kind = key;
                    report.Qualifier = value.Length > 0 ? value : null;
                    break;
                case "CALLID": report.CallId = value; break;
                case "LOCALID": report.LocalId = value; break;
                case "REMOTEID": report.RemoteId = value; break;
                case "ORIGID": report.OrigId = value; break;
                case "LOCALGROUP": report.LocalGroup = value; break;
                case "REMOTEGROUP": report.RemoteGroup = value; break;
                case "LOCALADDR": report.LocalAddr = Address(value); break;
                case "REMOTEADDR": report.RemoteAddr = Address(value); break;
                case "LOCALMAC": report.LocalMac = value; break;
                case "REMOTEMAC": report.RemoteMac = value; break;
                case "DIALOGID": report.DialogId = value; break;
                case "LOCALMETRICS": metrics = report.Local; break;
                case "REMOTEMETRICS": metrics = report.Remote = new VqMetrics(); break;
                case "TIMESTAMPS" or "SESSIONDESC" or "JITTERBUFFER" or "PACKETLOSS" or "BURSTGAPLOSS" or "DELAY" or "SIGNAL"
                    or "QUALITYEST":
                    Metrics(key.ToUpperInvariant(), value, metrics);
                    break;
                default:
                    report.Other[key] = value;
                    continue;
            }

            sawAny = true;
        }

        return sawAny;
    }

    private static IEnumerable<(string Key, string Value)> Pairs(string value)
    {
        foreach (var part in value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                yield return (part[..eq], part[(eq + 1)..]);
        }
    }

    private static VqAddress Address(string value)
    {
        string? ip = null;
        int? port = null;
        uint? ssrc = null;
        foreach (var (k, v) in Pairs(value))
        {
            switch (k.ToUpperInvariant())
            {
                case "IP": ip = v; break;
                case "PORT": port = Int(v); break;
                case "SSRC":
                    var hex = v.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
                    ssrc = uint.TryParse(hex ? v[2..] : v, hex ? NumberStyles.HexNumber : NumberStyles.Integer,
                        CultureInfo.InvariantCulture, out var x) ? x : null;
                    break;
            }
        }

        return new VqAddress(ip, port, ssrc);
    }

    private static void Metrics(string line, string value, VqMetrics m)
    {
        foreach (var (key, v) in Pairs(value))
        {
            var k = key.ToUpperInvariant();
            var known = true;
            switch (line + "." + k)
            {
                case "TIMESTAMPS.START": m.Start = Time(v); break;
                case "TIMESTAMPS.STOP": m.Stop = Time(v); break;
                case "SESSIONDESC.PT": m.PayloadType = Int(v); break;
                case "SESSIONDESC.PD": m.PayloadDescription = v; break;
                case "SESSIONDESC.SR": m.SampleRate = Int(v); break;
                case "SESSIONDESC.FD": m.FrameDuration = Int(v); break;
                case "SESSIONDESC.FPP": m.FramesPerPacket = Int(v); break;
                case "SESSIONDESC.PPS": m.PacketsPerSecond = Int(v); break;
                case "SESSIONDESC.PLC": m.PacketLossConcealment = v; break;
                case "SESSIONDESC.SSUP": m.SilenceSuppression = v; break;
                case "JITTERBUFFER.JBA": m.JitterBufferAdaptive = Int(v); break;
                case "JITTERBUFFER.JBR": m.JitterBufferRate = Int(v); break;
                case "JITTERBUFFER.JBN": m.JitterBufferNominal = Int(v); break;
                case "JITTERBUFFER.JBM": m.JitterBufferMax = Int(v); break;
                case "JITTERBUFFER.JBX": m.JitterBufferAbsMax = Int(v); break;
                case "PACKETLOSS.NLR": m.NetworkLossRate = Dbl(v); break;
                case "PACKETLOSS.JDR": m.JitterDiscardRate = Dbl(v); break;
                case "BURSTGAPLOSS.BLD": m.BurstLossDensity = Dbl(v); break;
                case "BURSTGAPLOSS.BD": m.BurstDuration = Int(v); break;
                case "BURSTGAPLOSS.GLD": m.GapLossDensity = Dbl(v); break;
                case "BURSTGAPLOSS.GD": m.GapDuration = Int(v); break;
                case "BURSTGAPLOSS.GMIN": m.MinGapThreshold = Int(v); break;
                case "DELAY.RTD": m.RoundTripDelay = Int(v); break;
                case "DELAY.ESD": m.EndSystemDelay = Int(v); break;
                case "DELAY.SOWD": m.SymmetricOneWayDelay = Int(v); break;
                case "DELAY.IAJ": m.InterArrivalJitter = Int(v); break;
                case "DELAY.MAJ": m.MeanAbsoluteJitter = Int(v); break;
                case "SIGNAL.SL": m.SignalLevel = Int(v); break;
                case "SIGNAL.NL": m.NoiseLevel = Int(v); break;
                case "SIGNAL.RERL": m.ResidualEchoReturnLoss = Int(v); break;
                case "QUALITYEST.RLQ": m.RListeningQuality = Dbl(v); break;
                case "QUALITYEST.RCQ": m.RConversationalQuality = Dbl(v); break;
                case "QUALITYEST.EXTRI": m.ExternalRIn = Dbl(v); break;
                case "QUALITYEST.EXTRO": m.ExternalROut = Dbl(v); break;
                case "QUALITYEST.MOSLQ": m.MosLq = Dbl(v); break;
                case "QUALITYEST.MOSCQ": m.MosCq = Dbl(v); break;
                case "QUALITYEST.QOEESTALG": m.QoeEstimationAlgorithm = v; break;
                default: known = false; break;
            }

            if (!known)
                m.Other[$"{line}.{key}"] = v;
        }
    }

    private static int? Int(string v) =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) ? x
        : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            && Math.Abs(d) < int.MaxValue ? (int)Math.Round(d) : null;

    private static double? Dbl(string v) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x : null;

    private static DateTimeOffset? Time(string v) =>
        DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out var t) ? t : null;
}
