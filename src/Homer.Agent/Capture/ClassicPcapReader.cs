using System.Buffers.Binary;

namespace Homer.Agent.Capture;

/// <summary>
/// Reads classic pcap files (microsecond or nanosecond, either byte order) straight from a buffered stream. Replays
/// spend most of their time per frame, and libpcap through SharpPcap costs a native call, a header copy and a
/// timestamp object for each; this costs a bounds check. pcapng files still go through libpcap.
/// </summary>
public sealed class ClassicPcapReader : IDisposable
{
    private const uint Micro = 0xa1b2c3d4;
    private const uint Nano = 0xa1b23c4d;
    private readonly FileStream _stream;
    private readonly bool _swapped;
    private readonly bool _nanos;
    private readonly string _path;
    private byte[] _frame = new byte[65_536];
    private readonly byte[] _header = new byte[16];

    public int LinkType { get; }

    private ClassicPcapReader(string path, FileStream stream, bool swapped, bool nanos, int linkType)
    {
        _path = path;
        _stream = stream;
        _swapped = swapped;
        _nanos = nanos;
        LinkType = linkType;
    }

    public static bool IsClassicPcap(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            if (f.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4) return false;
            var m = BinaryPrimitives.ReadUInt32LittleEndian(magic);
            return m is Micro or Nano || BinaryPrimitives.ReverseEndianness(m) is Micro or Nano;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // libpcap will say what is wrong
        }
    }

    public static ClassicPcapReader Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot open '{path}': {e.Message}", e);
        }

        Span<byte> header = stackalloc byte[24];
        if (stream.ReadAtLeast(header, 24, throwOnEndOfStream: false) < 24)
        {
            stream.Dispose();
            throw new InputException($"cannot open '{path}' as pcap: the file header is cut short.");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var swapped = magic is not (Micro or Nano);
        if (swapped) magic = BinaryPrimitives.ReverseEndianness(magic);
        var network = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        if (swapped) network = BinaryPrimitives.ReverseEndianness(network);
        // The upper bits carry the FCS length and flags (pcap-linktype: LINKTYPE_...); the type is the low 16 bits.
        return new ClassicPcapReader(path, stream, swapped, magic == Nano, (int)(network & 0xffff));
    }

    /// <summary>The next frame (valid until the next call) and its capture time; false at the end of the file.</summary>
    public bool TryRead(out ReadOnlySpan<byte> frame, out long micros)
    {
        frame = default;
        micros = 0;
        var got = _stream.ReadAtLeast(_header, 16, throwOnEndOfStream: false);
        if (got == 0) return false;
        // A record cut by a capture that was stopped mid-write ends the file, as tcpdump and libpcap treat it.
        if (got < 16) return false;
        var seconds = Read(_header.AsSpan(0));
        var fraction = Read(_header.AsSpan(4));
        var included = Read(_header.AsSpan(8));
        if (included > 256 * 1024)
            throw new InputException($"error reading '{_path}': a record of {included} bytes is not a frame (file damaged?).");
        if (_frame.Length < included) _frame = new byte[included];
        var length = (int)included;
        if (_stream.ReadAtLeast(_frame.AsSpan(0, length), length, throwOnEndOfStream: false) < length) return false;
        micros = (long)seconds * 1_000_000 + (_nanos ? fraction / 1000 : fraction);
        frame = _frame.AsSpan(0, length);
        return true;
    }

    private uint Read(ReadOnlySpan<byte> b) => _swapped ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    public void Dispose() => _stream.Dispose();
}
