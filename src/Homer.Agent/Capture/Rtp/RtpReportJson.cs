using System.Net;
using System.Text.Json;

namespace Homer.Agent.Capture.Rtp;

/// <summary>
/// The JSON of one RTP stream report (HEP type 34, correlation id = the call's Call-ID; shape in docs/agent.md).
/// <c>interval</c> (since the previous report of the stream) comes before <c>total</c> (since the stream began) on
/// purpose: readers that take the first <c>mos</c> / <c>packetLossPct</c> / <c>jitterMs</c> they find, as the server's
/// generic QoS JSON reader does, chart each report's own period, as RTCP's receiver reports are charted.
/// </summary>
public static class RtpReportJson
{
    public const string Type = "rtp-stream";

    public static void Write(Utf8JsonWriter w, RtpStream stream, long now, bool final)
    {
        var s = stream.Stats;
        var codec = stream.CodecName;
        w.WriteStartObject();
        w.WriteString("type", Type);
        w.WriteString("report", final ? "final" : "interim");
        w.WriteNumber("seq", stream.ReportCount + 1);
        w.WriteString("callId", stream.Announced.CallId);
        w.WriteNumber("ssrc", s.Ssrc);
        w.WriteString("srcIp", new IPAddress(stream.Source).ToString());
        w.WriteNumber("srcPort", stream.SourcePort);
        w.WriteString("dstIp", new IPAddress(stream.Destination).ToString());
        w.WriteNumber("dstPort", stream.DestinationPort);
        w.WriteNumber("payloadType", s.PayloadType);
        if (codec is not null) w.WriteString("codec", codec);
        w.WriteNumber("clockRate", s.ClockRate);
        w.WriteNumber("firstMicros", s.FirstMicros);
        w.WriteNumber("lastMicros", s.LastMicros);
        w.WriteNumber("reportMicros", now);
        // Cumulative, as an RTCP report block's packets lost: what the server's report table lists per report.
        w.WriteNumber("packetsLost", s.Lost);

        var expected = s.Expected - stream.ExpectedPrior;
        var received = s.Received - stream.ReceivedPrior;
        var lost = Math.Max(0, expected - received);
        var intervalLoss = expected > 0 ? 100.0 * lost / expected : 0;
        var intervalR = EModel.RFactor(intervalLoss, s.MeanBurst, s.JitterMs, codec);
        w.WriteStartObject("interval");
        w.WriteNumber("seconds", Round((s.LastMicros - (stream.IntervalStartMicros < 0 ? s.FirstMicros : stream.IntervalStartMicros)) / 1e6, 3));
        w.WriteNumber("expected", expected);
        w.WriteNumber("received", received);
        w.WriteNumber("lost", lost);
        w.WriteNumber("lossBursts", s.LossBursts - stream.BurstsPrior);
        if (expected > 0)
        {
            w.WriteNumber("packetLossPct", Round(intervalLoss, 3));
            w.WriteNumber("jitterMs", Round(s.JitterMs, 3));
            w.WriteNumber("rFactor", Round(intervalR, 1));
            w.WriteNumber("mos", Round(EModel.Mos(intervalR), 2));
        }

        // An interval without packets (a final report after silence) has no quality of its own: without these keys,
        // readers of the first figures found get the stream's totals instead of a perfect score for nothing.
        w.WriteEndObject();

        var totalLoss = s.Expected > 0 ? 100.0 * s.Lost / s.Expected : 0;
        var totalR = EModel.RFactor(totalLoss, s.MeanBurst, s.MeanJitterMs, codec);
        w.WriteStartObject("total");
        w.WriteNumber("seconds", Round((s.LastMicros - s.FirstMicros) / 1e6, 3));
        w.WriteNumber("packets", s.Packets);
        w.WriteNumber("expected", s.Expected);
        w.WriteNumber("received", s.Received);
        w.WriteNumber("lost", s.Lost);
        w.WriteNumber("packetLossPct", Round(totalLoss, 3));
        w.WriteNumber("lossBursts", s.LossBursts);
        w.WriteNumber("maxBurst", s.MaxBurst);
        w.WriteNumber("meanBurst", Round(s.MeanBurst, 2));
        w.WriteNumber("outOfOrder", s.OutOfOrder);
        w.WriteNumber("duplicates", s.Duplicates);
        w.WriteNumber("jitterMs", Round(s.JitterMs, 3));
        w.WriteNumber("meanJitterMs", Round(s.MeanJitterMs, 3));
        w.WriteNumber("maxJitterMs", Round(s.MaxJitterMs, 3));
        w.WriteNumber("maxDeltaMs", Round(s.MaxDeltaMs, 3));
        w.WriteNumber("payloadTypeChanges", s.PayloadTypeChanges);
        w.WriteNumber("ssrcChanges", s.SsrcChanges);
        w.WriteNumber("rFactor", Round(totalR, 1));
        w.WriteNumber("mos", Round(EModel.Mos(totalR), 2));
        w.WriteEndObject();
        w.WriteString("mosModel", EModel.Description);
        w.WriteEndObject();
        w.Flush();
    }

    private static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
