using System.Text.Json;
using Homer.Sip.Rtcp;

namespace Homer.Agent.Capture;

/// <summary>
/// Binary RTCP to the JSON that captagent and heplify send as HEP type 5 (one object: the SR/RR with its report blocks,
/// SDES CNAME when present), which our ingest's RtcpJsonParser reads.
/// </summary>
public static class RtcpJson
{
    public static bool TryWrite(ReadOnlySpan<byte> rtcp, Utf8JsonWriter w)
    {
        if (!RtcpParser.TryParse(rtcp, out var packets, out _, out _)) return false;
        var report = packets.FirstOrDefault(p => p.PacketType is (byte)RtcpPacketType.SenderReport or (byte)RtcpPacketType.ReceiverReport);
        if (report is null) return false;
        w.WriteStartObject();
        w.WriteNumber("type", report.PacketType);
        w.WriteNumber("ssrc", report.Ssrc);
        w.WriteNumber("report_count", report.ReportBlocks.Count);
        if (report.SenderInfo is { } si)
        {
            w.WriteStartObject("sender_information");
            w.WriteNumber("ntp_timestamp_sec", si.NtpSeconds);
            w.WriteNumber("ntp_timestamp_usec", (uint)((ulong)si.NtpFraction * 1_000_000UL >> 32));
            w.WriteNumber("rtp_timestamp", si.RtpTimestamp);
            w.WriteNumber("packets", si.PacketCount);
            w.WriteNumber("octets", si.OctetCount);
            w.WriteEndObject();
        }

        w.WriteStartArray("report_blocks");
        foreach (var b in report.ReportBlocks)
        {
            w.WriteStartObject();
            w.WriteNumber("source_ssrc", b.SourceSsrc);
            w.WriteNumber("fraction_lost", b.FractionLost);
            w.WriteNumber("packets_lost", b.CumulativeLost);
            w.WriteNumber("highest_seq_no", b.HighestSequence);
            w.WriteNumber("ia_jitter", b.Jitter);
            w.WriteNumber("lsr", b.LastSenderReport);
            w.WriteNumber("dlsr", b.DelaySinceLastSenderReport);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        var cname = packets.SelectMany(p => p.SdesItems).FirstOrDefault(i => i.Type == RtcpSdesItem.CName);
        if (cname is not null)
        {
            w.WriteNumber("sdes_ssrc", cname.Ssrc);
            w.WriteStartArray("sdes_information");
            w.WriteStartObject();
            w.WriteNumber("type", cname.Type);
            w.WriteString("text", cname.Value);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.Flush();
        return true;
    }
}
