using System.Text.Json;
using Homer.Agent.Capture;

namespace Homer.Agent.Output;

/// <summary>Messages as JSON lines in a file (one object per line), for tools that do not speak HEP.</summary>
public sealed class JsonOutput : IDisposable
{
    private readonly Lock _lock = new();
    private readonly FileStream _file;
    private readonly Utf8JsonWriter _writer;

    public JsonOutput(string name, string path)
    {
        Name = name;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        _writer = new Utf8JsonWriter(_file);
    }

    public string Name { get; }
    public long Written;

    public void Write(ref L4Packet p, IReadOnlyList<string> tags)
    {
        lock (_lock)
        {
            _writer.Reset(_file);
            _writer.WriteStartObject();
            _writer.WriteString("time", DateTimeOffset.UnixEpoch.AddTicks(p.TimestampMicros * 10).ToString("O"));
            _writer.WriteNumber("timestampMicros", p.TimestampMicros);
            _writer.WriteString("protocol", p.Protocol == FrameDecoder.Tcp ? "tcp" : "udp");
            _writer.WriteString("srcIp", new System.Net.IPAddress(p.Source).ToString());
            _writer.WriteNumber("srcPort", p.SourcePort);
            _writer.WriteString("dstIp", new System.Net.IPAddress(p.Destination).ToString());
            _writer.WriteNumber("dstPort", p.DestinationPort);
            if (p.HasVlan) _writer.WriteNumber("vlan", p.Vlan);
            if (tags.Count > 0)
            {
                _writer.WriteStartArray("tags");
                foreach (var t in tags) _writer.WriteStringValue(t);
                _writer.WriteEndArray();
            }

            _writer.WriteString("payload", System.Text.Encoding.UTF8.GetString(p.Payload));
            _writer.WriteEndObject();
            _writer.Flush();
            _file.WriteByte((byte)'\n');
            Written++;
        }
    }

    public void Flush()
    {
        lock (_lock) _file.Flush();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
            _file.Dispose();
        }
    }
}
