using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using Homer.Agent.Capture;

namespace Homer.Agent.Output;

/// <summary>
/// Messages as JSON objects, one per line, for tools that do not speak HEP: to a file (<see cref="JsonFileOutput"/>)
/// or POSTed in batches to an HTTP endpoint (<see cref="JsonHttpOutput"/>).
/// </summary>
public abstract class JsonOutput : IDisposable
{
    private readonly Lock _format = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;

    protected JsonOutput(string name)
    {
        Name = name;
        _writer = new Utf8JsonWriter(_buffer);
    }

    public string Name { get; }
    public long Written;
    /// <summary>Lines lost: the HTTP queue was full, or a batch failed every attempt.</summary>
    public long Dropped;

    public void Write(ref L4Packet p, IReadOnlyList<string> tags)
    {
        lock (_format)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            _writer.WriteStartObject();
            _writer.WriteString("time", DateTimeOffset.UnixEpoch.AddTicks(p.TimestampMicros * 10).ToString("O"));
            _writer.WriteNumber("timestampMicros", p.TimestampMicros);
            _writer.WriteString("protocol", p.Protocol switch { FrameDecoder.Tcp => "tcp", FrameDecoder.Sctp => "sctp", _ => "udp" });
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
            WriteLine(_buffer.WrittenSpan);
        }
    }

    /// <summary>One JSON object without its newline; called under the formatting lock.</summary>
    protected abstract void WriteLine(ReadOnlySpan<byte> json);

    public abstract void Flush();

    public virtual void Dispose() => _writer.Dispose();
}

public sealed class JsonFileOutput : JsonOutput
{
    private readonly FileStream _file;

    public JsonFileOutput(string name, string path) : base(name)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
    }

    protected override void WriteLine(ReadOnlySpan<byte> json)
    {
        _file.Write(json);
        _file.WriteByte((byte)'\n');
        Written++;
    }

    public override void Flush()
    {
        lock (_file) _file.Flush();
    }

    public override void Dispose()
    {
        base.Dispose();
        _file.Dispose();
    }
}

/// <summary>
/// POSTs lines as <c>application/x-ndjson</c> batches (up to <see cref="MaxBatch"/> lines or every
/// <see cref="BatchInterval"/>) from a background task, so capture never waits for the endpoint. A bounded queue
/// absorbs a slow endpoint; beyond it lines are dropped and counted. A failed batch is retried with doubling delays.
/// </summary>
public sealed class JsonHttpOutput : JsonOutput
{
    public const int MaxBatch = 500;
    public const int QueueCapacity = 20_000;
    public const int Attempts = 5;
    public static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(200);

    private static readonly MediaTypeHeaderValue NdJson = new("application/x-ndjson");
    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Uri _url;
    private readonly Task _sender;
    private long _queued;
    /// <summary>Batches that failed an attempt (each retry counts).</summary>
    public long Errors;

    public JsonHttpOutput(string name, Uri url) : base(name)
    {
        _url = url;
        _sender = Task.Run(SendLoopAsync);
    }

    protected override void WriteLine(ReadOnlySpan<byte> json)
    {
        if (_queue.Writer.TryWrite(json.ToArray()))
            Interlocked.Increment(ref _queued);
        else
            Interlocked.Increment(ref Dropped);
    }

    private async Task SendLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<byte[]>(MaxBatch);
        while (await reader.WaitToReadAsync())
        {
            var deadline = DateTime.UtcNow + BatchInterval;
            while (batch.Count < MaxBatch)
            {
                if (reader.TryRead(out var line))
                {
                    batch.Add(line);
                    continue;
                }
                var wait = deadline - DateTime.UtcNow;
                if (wait <= TimeSpan.Zero)
                    break;
                using var cts = new CancellationTokenSource(wait);
                try
                {
                    if (!await reader.WaitToReadAsync(cts.Token))
                        break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            await PostAsync(batch);
            Interlocked.Add(ref _queued, -batch.Count);
            batch.Clear();
        }
    }

    private async Task PostAsync(List<byte[]> batch)
    {
        var body = new byte[batch.Sum(l => l.Length + 1)];
        var at = 0;
        foreach (var line in batch)
        {
            line.CopyTo(body, at);
            at += line.Length;
            body[at++] = (byte)'\n';
        }
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = NdJson;
                using var response = await _http.PostAsync(_url, content);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Add(ref Written, batch.Count);
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            Interlocked.Increment(ref Errors);
            if (attempt < Attempts)
            {
                await Task.Delay(delay);
                delay *= 2;
            }
        }
        Interlocked.Add(ref Dropped, batch.Count);
    }

    /// <summary>Waits (up to 10 s) until every queued line was sent or given up on.</summary>
    public override void Flush()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Interlocked.Read(ref _queued) > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
    }

    public override void Dispose()
    {
        _queue.Writer.TryComplete();
        _sender.Wait(TimeSpan.FromSeconds(10));
        _http.Dispose();
        base.Dispose();
    }
}
