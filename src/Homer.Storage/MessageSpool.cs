using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Homer.Storage;

/// <summary>
/// A bounded on-disk queue of batches that PostgreSQL did not take. Each batch is one file, written to a temporary
/// name and renamed, so a crash never leaves half a batch to replay; files replay oldest first and are deleted only
/// once stored. When the spool is full the caller counts the loss: nothing is dropped silently.
/// </summary>
public sealed class MessageSpool
{
    /// <summary>2 adds the raw HEP packet of each message; files of format 1 are still read (without it).</summary>
    private const int FormatVersion = 2;
    private const string Extension = ".batch";

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private long _bytes;
    private long _sequence;

    public MessageSpool(string directory, long maxBytes, ILogger logger)
    {
        _directory = System.IO.Path.GetFullPath(directory);
        _maxBytes = maxBytes;
        _logger = logger;
        System.IO.Directory.CreateDirectory(_directory);
        foreach (var stale in System.IO.Directory.EnumerateFiles(_directory, "*.tmp"))
            File.Delete(stale);
        var files = Files();
        _bytes = files.Sum(f => new FileInfo(f).Length);
        _sequence = files.Count == 0 ? 0 : files.Max(f => long.Parse(System.IO.Path.GetFileNameWithoutExtension(f).Split('-')[1], System.Globalization.CultureInfo.InvariantCulture));
        if (files.Count > 0)
            _logger.LogWarning("Message spool {Directory} holds {Files} batches ({Bytes} bytes) from before; they will be replayed", _directory, files.Count, _bytes);
    }

    public string Path => _directory;
    public long Bytes => Interlocked.Read(ref _bytes);
    public int Batches => Files().Count;

    /// <summary>Writes the batch to disk; false (and nothing written) when it would exceed the spool's size.</summary>
    public bool TryAdd(IReadOnlyList<CapturedMessage> batch)
    {
        var bytes = Serialize(batch);
        lock (_gate)
        {
            if (_bytes + bytes.Length > _maxBytes)
                return false;
            var name = $"{DateTime.UtcNow:yyyyMMddHHmmssfff}-{++_sequence:D12}";
            var temporary = System.IO.Path.Combine(_directory, name + ".tmp");
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, System.IO.Path.Combine(_directory, name + Extension));
            _bytes += bytes.Length;
        }
        return true;
    }

    /// <summary>
    /// Stores spooled batches oldest first with <paramref name="write"/> until the spool is empty or a write fails
    /// (the failing batch stays for the next round). Returns the number of messages replayed.
    /// </summary>
    public Task<long> ReplayAsync(Func<IReadOnlyList<CapturedMessage>, CancellationToken, Task> write, CancellationToken ct) =>
        ReplayPartialAsync(async (batch, token) =>
        {
            await write(batch, token);
            return [];
        }, ct);

    /// <summary>
    /// Replays spooled batches oldest first. <paramref name="write"/> stores what it can of a batch (refused rows go to
    /// the quarantine, not back) and returns the messages it could not write because PostgreSQL is unreachable: a
    /// batch fully handled is deleted and replay goes on with the next file; a remainder replaces the file (so what
    /// was stored is never stored twice) and waits for the next round. A file that fails for good therefore never
    /// blocks the queue behind it. Returns the number of messages handled (stored or quarantined).
    /// </summary>
    public async Task<long> ReplayPartialAsync(Func<IReadOnlyList<CapturedMessage>, CancellationToken, Task<IReadOnlyList<CapturedMessage>>> write,
        CancellationToken ct)
    {
        long replayed = 0;
        foreach (var file in Files())
        {
            IReadOnlyList<CapturedMessage> batch;
            try
            {
                batch = Deserialize(await File.ReadAllBytesAsync(file, ct));
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException or ArgumentException)
            {
                // A damaged file must not block the queue behind it: set it aside for a human and say so.
                var aside = System.IO.Path.ChangeExtension(file, ".damaged");
                File.Move(file, aside);
                Interlocked.Add(ref _bytes, -new FileInfo(aside).Length);
                _logger.LogError(e, "Spooled batch {File} is damaged; moved aside as {Aside}", file, aside);
                continue;
            }

            var left = await write(batch, ct);
            var length = new FileInfo(file).Length;
            if (left.Count > 0)
            {
                replayed += batch.Count - left.Count;
                if (left.Count < batch.Count)
                {
                    var bytes = Serialize(left);
                    lock (_gate)
                    {
                        var temporary = file + ".tmp";
                        File.WriteAllBytes(temporary, bytes);
                        File.Move(temporary, file, overwrite: true);
                        Interlocked.Add(ref _bytes, bytes.Length - length);
                    }
                }
                break;
            }
            File.Delete(file);
            Interlocked.Add(ref _bytes, -length);
            replayed += batch.Count;
        }
        return replayed;
    }

    private List<string> Files() => System.IO.Directory.EnumerateFiles(_directory, "*" + Extension).Order(StringComparer.Ordinal).ToList();

    public static byte[] Serialize(IReadOnlyList<CapturedMessage> batch)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(FormatVersion);
            w.Write(batch.Count);
            foreach (var m in batch)
            {
                w.Write(m.TimestampMicros);
                w.Write((short)m.Profile);
                w.Write(m.ProtocolType);
                w.Write(m.IpProtocol);
                w.WriteOptional(m.Transport);
                w.WriteOptional(m.Vlan);
                Address(w, m.SourceIp);
                w.Write(m.SourcePort);
                Address(w, m.DestinationIp);
                w.Write(m.DestinationPort);
                w.Write(m.CaptureId);
                w.WriteOptional(m.NodeName);
                w.WriteOptional(m.CorrelationId);
                w.WriteOptional(m.CallId);
                w.WriteOptional(m.Method);
                w.WriteOptional(m.StatusCode);
                w.WriteOptional(m.ReasonPhrase);
                w.WriteOptional(m.RuriUser);
                w.WriteOptional(m.RuriDomain);
                w.WriteOptional(m.FromUser);
                w.WriteOptional(m.FromDomain);
                w.WriteOptional(m.FromTag);
                w.WriteOptional(m.ToUser);
                w.WriteOptional(m.ToDomain);
                w.WriteOptional(m.ToTag);
                w.WriteOptional(m.CSeqNumber);
                w.WriteOptional(m.CSeqMethod);
                w.WriteOptional(m.UserAgent);
                w.WriteOptional(m.ParseError);
                w.WriteOptional(m.HeadersJson);
                w.Write(m.Payload.Length);
                w.Write(m.Payload.Span);
                w.Write(m.RawHep.Length);
                w.Write(m.RawHep.Span);
            }
        }
        return stream.ToArray();
    }

    public static IReadOnlyList<CapturedMessage> Deserialize(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var version = r.ReadInt32();
        if (version is not (1 or FormatVersion))
            throw new InvalidDataException($"Spool format {version} is not {FormatVersion}");
        var count = r.ReadInt32();
        var batch = new List<CapturedMessage>(count);
        for (var i = 0; i < count; i++)
        {
            batch.Add(new CapturedMessage
            {
                TimestampMicros = r.ReadInt64(),
                Profile = (MessageProfile)r.ReadInt16(),
                ProtocolType = r.ReadByte(),
                IpProtocol = r.ReadByte(),
                Transport = r.ReadOptionalString(),
                Vlan = r.ReadOptionalInt32(),
                SourceIp = Address(r),
                SourcePort = r.ReadInt32(),
                DestinationIp = Address(r),
                DestinationPort = r.ReadInt32(),
                CaptureId = r.ReadInt64(),
                NodeName = r.ReadOptionalString(),
                CorrelationId = r.ReadOptionalString(),
                CallId = r.ReadOptionalString(),
                Method = r.ReadOptionalString(),
                StatusCode = r.ReadOptionalInt32(),
                ReasonPhrase = r.ReadOptionalString(),
                RuriUser = r.ReadOptionalString(),
                RuriDomain = r.ReadOptionalString(),
                FromUser = r.ReadOptionalString(),
                FromDomain = r.ReadOptionalString(),
                FromTag = r.ReadOptionalString(),
                ToUser = r.ReadOptionalString(),
                ToDomain = r.ReadOptionalString(),
                ToTag = r.ReadOptionalString(),
                CSeqNumber = r.ReadOptionalInt64(),
                CSeqMethod = r.ReadOptionalString(),
                UserAgent = r.ReadOptionalString(),
                ParseError = r.ReadOptionalString(),
                HeadersJson = r.ReadOptionalString(),
                Payload = r.ReadBytes(r.ReadInt32()),
                RawHep = version >= 2 ? r.ReadBytes(r.ReadInt32()) : ReadOnlyMemory<byte>.Empty,
            });
        }
        return batch;
    }

    private static void Address(BinaryWriter w, IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        w.Write((byte)bytes.Length);
        w.Write(bytes);
    }

    private static IPAddress Address(BinaryReader r) => new(r.ReadBytes(r.ReadByte()));
}
