using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Homer.Storage;

/// <summary>
/// Encodes rows in PostgreSQL's binary COPY format (the "PGCOPY" file format of the COPY documentation) into a
/// pooled buffer, which the caller sends in chunks over Npgsql's raw copy stream for
/// <c>COPY … FROM STDIN (FORMAT BINARY)</c>.
/// Npgsql's own importer resolves a type handler and binds a parameter for every value (about 7.5 µs per message
/// row of 30 columns); the columns of our tables are fixed, so their wire form is written straight.
/// </summary>
public sealed class PgBinaryCopyWriter : IDisposable
{
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private const long PostgresEpochMicros = 946_684_800_000_000; // 2000-01-01T00:00:00Z in Unix microseconds
    // PostgreSQL's inet family codes (utils/inet.h), not the operating system's.
    private const byte PgAfInet = 2;
    private const byte PgAfInet6 = 3;

    private byte[] _buffer;
    private int _length;

    public PgBinaryCopyWriter(int initialCapacity = 128 * 1024) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    /// <summary>Bytes written since the last <see cref="Clear"/>.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public int Length => _length;

    /// <summary>Forgets what was written (after it was sent), keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>The file header: signature, flags, header extension length.</summary>
    public void Start() => Append(Header);

    public void StartRow(short columns) => Int16Raw(columns);

    /// <summary>Ends the data: the trailer, a field count of -1.</summary>
    public void Finish() => Int16Raw(-1);

    public void Null() => Int32Raw(-1);

    public void Int16(short value)
    {
        Int32Raw(2);
        Int16Raw(value);
    }

    public void Int32(int value)
    {
        Int32Raw(4);
        Int32Raw(value);
    }

    public void Int64(long value)
    {
        Int32Raw(8);
        BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);
    }

    public void TimestampTz(long unixMicros) => Int64(unixMicros - PostgresEpochMicros);

    /// <summary>
    /// text under <see cref="StorableText"/>'s rule (NUL becomes U+2400, lone surrogates U+FFFD), so one stray byte never
    /// fails a batch. The decoder has applied it already; this is the last guard for text made elsewhere.
    /// </summary>
    public void Text(string? value)
    {
        if (value is null)
        {
            Null();
            return;
        }
        Utf8(value);
    }

    /// <summary>jsonb: a version byte (1) and the JSON text.</summary>
    public void Jsonb(string? json)
    {
        if (json is null)
        {
            Null();
            return;
        }
        Jsonb(Encoding.UTF8.GetBytes(StorableText.Clean(json)!));
    }

    /// <summary>jsonb from JSON already in UTF-8.</summary>
    public void Jsonb(byte[]? utf8Json)
    {
        if (utf8Json is null)
        {
            Null();
            return;
        }
        // JSON escapes control characters, so a NUL (which PostgreSQL refuses in text) means the bytes are not JSON
        // as a writer makes it: the text path replaces it, and PostgreSQL then reports the row if it still is not JSON.
        if (utf8Json.AsSpan().IndexOf((byte)0) >= 0)
        {
            Jsonb(Encoding.UTF8.GetString(utf8Json));
            return;
        }
        // jsonb refuses the escape \u0000 (22P05): it becomes \u2400, the same rule as text, and the same length.
        if (utf8Json.AsSpan().IndexOf("\\u0000"u8) >= 0)
            utf8Json = EscapeJsonNul(utf8Json);
        Int32Raw(utf8Json.Length + 1);
        var span = Reserve(utf8Json.Length + 1);
        span[0] = 1;
        utf8Json.CopyTo(span[1..]);
    }

    /// <summary>A copy of UTF-8 JSON with each \u0000 escape (not a literal backslash before "u0000") made \u2400.</summary>
    public static byte[] EscapeJsonNul(byte[] utf8Json)
    {
        var copy = (byte[])utf8Json.Clone();
        for (var i = 0; i + 6 <= copy.Length; i++)
        {
            if (copy[i] != (byte)'\\')
                continue;
            if (copy.AsSpan(i, 6).SequenceEqual("\\u0000"u8))
            {
                copy[i + 2] = (byte)'2';
                copy[i + 3] = (byte)'4';
                i += 5;
            }
            else
            {
                i++; // an escape of two characters (\\, \", \n …) or the start of another \uXXXX: skip its second one
            }
        }
        return copy;
    }

    public void Bytea(ReadOnlySpan<byte> value)
    {
        Int32Raw(value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>inet of a host address: family, mask bits, is-cidr flag, address length, address bytes.</summary>
    public void Inet(IPAddress address)
    {
        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        var size = v4 ? 4 : 16;
        Int32Raw(4 + size);
        var span = Reserve(4 + size);
        span[0] = v4 ? PgAfInet : PgAfInet6;
        span[1] = (byte)(size * 8);
        span[2] = 0;
        span[3] = (byte)size;
        if (!address.TryWriteBytes(span[4..], out _))
            throw new ArgumentException($"cannot write address {address}", nameof(address));
    }

    private void Utf8(string value)
    {
        value = StorableText.Clean(value)!;
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var lengthAt = _length;
        Int32Raw(0);
        var count = Encoding.UTF8.GetBytes(value, Reserve(max));
        _length -= max - count;
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(lengthAt, 4), count);
    }

    private void Int16Raw(short value) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), value);

    private void Int32Raw(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    private void Append(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }
}
