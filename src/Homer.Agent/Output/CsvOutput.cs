using System.Buffers;
using System.Net;
using System.Text;
using Homer.Agent.Capture;
using Homer.Hep;

namespace Homer.Agent.Output;

/// <summary>
/// One CSV row per message (SIP, and the RTCP / RTP-report JSON a plan sends here), RFC 4180: a header row, fields
/// with a comma, quote, CR or LF quoted with quotes doubled, rows ended by CRLF, UTF-8 without BOM. A file that exists
/// is appended to (no second header). Columns, in order, are <see cref="Columns"/>; docs/agent.md describes each.
/// </summary>
public sealed class CsvOutput : IDisposable
{
    public static readonly string[] Columns =
    [
        "time", "timestamp_us", "type", "protocol", "src_ip", "src_port", "dst_ip", "dst_port", "vlan",
        "method", "status", "call_id", "correlation_id", "tags", "payload",
    ];

    private readonly Lock _gate = new();
    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _row = new(4096);
    private readonly StringBuilder _text = new(2048);

    public CsvOutput(string name, string path)
    {
        Name = name;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        if (_file.Length == 0)
        {
            _file.Write(Encoding.UTF8.GetBytes(string.Join(',', Columns) + "\r\n"));
        }
    }

    public string Name { get; }
    public long Written;

    public void Write(ref L4Packet p, byte protocolType, string? correlationId, IReadOnlyList<string> tags)
    {
        var payload = Encoding.UTF8.GetString(p.Payload);
        string method = "", status = "", callId = "";
        if (protocolType == HepProtocolType.Sip) ReadSip(payload, out method, out status, out callId);
        lock (_gate)
        {
            var t = _text.Clear();
            Field(t, DateTimeOffset.UnixEpoch.AddTicks(p.TimestampMicros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'")).Append(',');
            t.Append(p.TimestampMicros).Append(',');
            t.Append(protocolType switch
            {
                HepProtocolType.Sip => "sip",
                HepProtocolType.RtcpJson => "rtcp",
                HepProtocolType.QosJson => "rtp-report",
                _ => protocolType.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }).Append(',');
            t.Append(p.Protocol switch { FrameDecoder.Tcp => "tcp", FrameDecoder.Sctp => "sctp", _ => "udp" }).Append(',');
            t.Append(new IPAddress(p.Source)).Append(',').Append(p.SourcePort).Append(',');
            t.Append(new IPAddress(p.Destination)).Append(',').Append(p.DestinationPort).Append(',');
            if (p.HasVlan) t.Append(p.Vlan);
            t.Append(',');
            Field(t, method).Append(',');
            t.Append(status).Append(',');
            Field(t, callId).Append(',');
            Field(t, correlationId ?? "").Append(',');
            Field(t, string.Join(';', tags)).Append(',');
            Field(t, payload).Append("\r\n");
            _row.ResetWrittenCount();
            var bytes = _row.GetSpan(Encoding.UTF8.GetMaxByteCount(t.Length));
            var n = 0;
            foreach (var chunk in t.GetChunks())
                n += Encoding.UTF8.GetBytes(chunk.Span, bytes[n..]);
            _file.Write(bytes[..n]);
            Written++;
        }
    }

    /// <summary>RFC 4180 quoting: only when needed, quotes doubled inside.</summary>
    internal static StringBuilder Field(StringBuilder t, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0) return t.Append(value);
        t.Append('"');
        foreach (var c in value)
        {
            if (c == '"') t.Append('"');
            t.Append(c);
        }

        return t.Append('"');
    }

    /// <summary>Method (requests) or status code (replies) from the start line, and the Call-ID (or compact 'i') header.</summary>
    internal static void ReadSip(string message, out string method, out string status, out string callId)
    {
        method = status = callId = "";
        var end = message.IndexOf("\r\n", StringComparison.Ordinal);
        var first = end < 0 ? message : message[..end];
        if (first.StartsWith("SIP/2.0 ", StringComparison.Ordinal))
        {
            if (first.Length >= 11 && int.TryParse(first.AsSpan(8, 3), out var code)) status = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            var space = first.IndexOf(' ');
            if (space > 0) method = first[..space];
        }

        var at = end < 0 ? message.Length : end + 2;
        while (at < message.Length)
        {
            var lineEnd = message.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0) lineEnd = message.Length;
            if (lineEnd == at) break; // the blank line before the body
            var line = message.AsSpan(at, lineEnd - at);
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                var header = line[..colon].Trim();
                if (header.Equals("Call-ID", StringComparison.OrdinalIgnoreCase) || header.Equals("i", StringComparison.OrdinalIgnoreCase))
                {
                    callId = line[(colon + 1)..].Trim().ToString();
                    return;
                }
            }

            at = lineEnd + 2;
        }
    }

    public void Flush()
    {
        lock (_gate) _file.Flush();
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }
}
