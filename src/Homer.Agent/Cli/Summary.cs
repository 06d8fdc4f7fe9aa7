using System.Text;
using System.Text.Json;
using Homer.Agent.Capture;
using Homer.Agent.Output;

namespace Homer.Agent.Cli;

/// <summary>End-of-run statistics as text or JSON.</summary>
public static class Summary
{
    public static string Json(CaptureStats? capture, long encodeErrors, IReadOnlyCollection<HepOutputGroup> groups, double seconds, long linesRead = -1, long linesRejected = -1, long planDropped = 0, long jsonWritten = -1, Relay.RelayStats? relay = null)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("seconds", Math.Round(seconds, 3));
            if (relay is not null) WriteRelay(w, relay, groups);
            if (capture is not null)
            {
                capture.WriteCounters(w);
                w.WriteNumber("sip", capture.SipMessages);
                w.WriteNumber("framesPerSecond", seconds > 0 ? Math.Round(capture.Frames / seconds) : 0);
                capture.WriteDrops(w);
            }

            if (linesRead >= 0)
            {
                w.WriteNumber("lines", linesRead);
                w.WriteNumber("linesRejected", linesRejected);
            }

            w.WriteNumber("encodeErrors", encodeErrors);
            w.WriteNumber("planDropped", planDropped);
            if (jsonWritten >= 0) w.WriteNumber("jsonWritten", jsonWritten);
            w.WriteNumber("undelivered", groups.Sum(g => g.Dropped));
            w.WriteStartArray("outputs");
            foreach (var group in groups)
            foreach (var o in group.Outputs)
            {
                w.WriteStartObject();
                w.WriteString("output", group.Name);
                w.WriteString("name", o.Name);
                o.Stats.WriteCounters(w);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The relay's counters; "buffered" is what its outputs hold now (memory and disk), "spilled" what went to disk.</summary>
    public static void WriteRelay(Utf8JsonWriter w, Relay.RelayStats relay, IEnumerable<HepOutputGroup> groups)
    {
        w.WriteStartObject("relay");
        w.WriteNumber("received", Interlocked.Read(ref relay.Received));
        w.WriteNumber("forwarded", Interlocked.Read(ref relay.Forwarded));
        w.WriteNumber("invalid", Interlocked.Read(ref relay.Invalid));
        w.WriteNumber("streamBytesSkipped", Interlocked.Read(ref relay.StreamBytesSkipped));
        w.WriteNumber("udpReceived", Interlocked.Read(ref relay.UdpReceived));
        w.WriteNumber("tcpReceived", Interlocked.Read(ref relay.TcpReceived));
        w.WriteNumber("tcpConnections", Interlocked.Read(ref relay.TcpConnections));
        w.WriteNumber("converted", Interlocked.Read(ref relay.Converted));
        var outputs = groups.SelectMany(g => g.Outputs).ToList();
        w.WriteNumber("buffered", outputs.Sum(o => Interlocked.Read(ref o.Stats.Queued)));
        w.WriteNumber("spilled", outputs.Sum(o => Interlocked.Read(ref o.Stats.Spilled)));
        w.WriteEndObject();
    }

    public static string Text(CaptureStats? capture, long encodeErrors, IReadOnlyCollection<HepOutputGroup> groups, double seconds, long linesRead = -1, long linesRejected = -1,
        Relay.RelayStats? relay = null)
    {
        var sb = new StringBuilder();
        if (capture is not null)
        {
            sb.Append($"frames {capture.Frames}, SIP {capture.SipMessages} (UDP {capture.SipUdp}, TCP {capture.SipTcp}, WebSocket {capture.SipWs}, SCTP {capture.SipSctp}), RTCP {capture.Rtcp}, RTP {capture.Rtp} ({capture.RtpReports} stream reports) in {seconds:F2} s");
            var drops = capture.DropsByReason();
            if (drops.Count > 0)
                sb.Append("; skipped: ").AppendJoin(", ", drops.Select(d => $"{d.Key} {d.Value}"));
            sb.AppendLine();
        }

        if (linesRead >= 0)
            sb.AppendLine($"lines {linesRead}, rejected {linesRejected}");
        if (relay is not null)
            sb.AppendLine($"relay: received {relay.Received} (UDP {relay.UdpReceived}, TCP {relay.TcpReceived}), forwarded {relay.Forwarded}, invalid {relay.Invalid}");
        if (encodeErrors > 0) sb.AppendLine($"too large for HEP: {encodeErrors}");
        foreach (var group in groups)
        foreach (var o in group.Outputs)
            sb.AppendLine($"{group.Name} {o.Name}: sent {o.Stats.Sent}, dropped {o.Stats.Dropped}, errors {o.Stats.Errors}, connects {o.Stats.Connects}");
        return sb.ToString();
    }
}
