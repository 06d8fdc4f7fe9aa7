using System.Buffers.Binary;

namespace Homer.Agent.Output;

/// <summary>
/// A bounded FIFO of packets in one file (uint32 length + bytes per record), used while a TCP server is down.
/// Not thread-safe: the owning output serialises access.
/// </summary>
public sealed class DiskBuffer : IDisposable
{
    private readonly string _path;
    private readonly long _maxBytes;
    private FileStream? _file;
    private long _readPosition;
    private long _writePosition;

    public DiskBuffer(string path, long maxBytes)
    {
        _path = path;
        _maxBytes = maxBytes;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public bool IsEmpty => _readPosition == _writePosition;
    public long Bytes => _writePosition - _readPosition;
    public long Count { get; private set; }

    public bool TryAppend(ReadOnlySpan<byte> packet)
    {
        if (_writePosition + 4 + packet.Length > _maxBytes) return false;
        _file ??= new FileStream(_path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, packet.Length);
        _file.Position = _writePosition;
        _file.Write(header);
        _file.Write(packet);
        _writePosition += 4 + packet.Length;
        Count++;
        return true;
    }

    public bool TryRead(out byte[] packet)
    {
        packet = [];
        if (IsEmpty || _file is null) return false;
        Span<byte> header = stackalloc byte[4];
        _file.Flush();
        _file.Position = _readPosition;
        _file.ReadExactly(header);
        packet = new byte[BinaryPrimitives.ReadInt32LittleEndian(header)];
        _file.ReadExactly(packet);
        _readPosition += 4 + packet.Length;
        Count--;
        if (IsEmpty)
        {
            // Start over so the file never grows past one outage's worth.
            _file.SetLength(0);
            _readPosition = _writePosition = 0;
        }

        return true;
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        try { File.Delete(_path); } catch (IOException) { }
    }
}
