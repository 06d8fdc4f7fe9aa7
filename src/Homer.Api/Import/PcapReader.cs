using System.Buffers.Binary;

namespace Homer.Api.Import;

/// <summary>A capture file that cannot be read, with a message for the person who uploaded it.</summary>
public sealed class PcapFormatException(string message, bool notACapture = false) : Exception(message)
{
    /// <summary>The file is no capture at all (as opposed to a capture that is damaged or cut).</summary>
    public bool NotACapture { get; } = notACapture;
}

/// <summary>One captured frame: when, on which link type, and its bytes (only valid until the next frame is read).</summary>
public readonly record struct PcapFrame(long Number, DateTimeOffset Timestamp, int LinkType, ReadOnlyMemory<byte> Data);

/// <summary>
/// Reads classic pcap (either byte order, microsecond or nanosecond timestamps) and pcapng (section header, interface
/// description, enhanced and simple packet blocks; other blocks skipped) from a stream, one frame at a time, so a file
/// of any size is read with one frame's memory.
/// </summary>
public sealed class PcapReader(Stream input)
{
    private const uint PcapMicros = 0xa1b2c3d4, PcapNanos = 0xa1b23c4d, PcapngSection = 0x0a0d0d0a;
    private const uint ByteOrderMagic = 0x1a2b3c4d;
    private const int MaxFrame = 256 * 1024;

    private byte[] _buffer = new byte[64 * 1024];
    private bool _bigEndian;
    private bool _nanos;
    private bool _pcapng;
    private int _linkType;
    private long _number;
    private readonly List<(int LinkType, long TicksPerUnit, bool Divide)> _interfaces = [];

    /// <summary>How many bytes were read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>"pcap" or "pcapng" once the header is read.</summary>
    public string Format => _pcapng ? "pcapng" : "pcap";

    /// <summary>Reads the file header; throws <see cref="PcapFormatException"/> when the stream is not a capture file.</summary>
    public async Task ReadHeaderAsync(CancellationToken ct)
    {
        var head = await ReadExactlyOrLessAsync(4, ct);
        if (head.Length < 4)
            throw new PcapFormatException(head.Length == 0 ? "The file is empty." : "The file is too short to be a PCAP capture.", notACapture: true);
        var le = BinaryPrimitives.ReadUInt32LittleEndian(head.Span);
        var be = BinaryPrimitives.ReadUInt32BigEndian(head.Span);
        if (le is PcapMicros or PcapNanos || be is PcapMicros or PcapNanos)
        {
            _bigEndian = be is PcapMicros or PcapNanos;
            _nanos = (_bigEndian ? be : le) == PcapNanos;
            var rest = await ReadRequiredAsync(20, "the file header", ct);
            _linkType = (int)(U32(rest.Span[16..]) & 0x0fff_ffff);
            return;
        }
        if (le == PcapngSection)
        {
            _pcapng = true;
            await ReadSectionHeaderAsync(ct);
            return;
        }
        throw new PcapFormatException("The file is not a PCAP or pcapng capture: it starts with " + Hex(head.Span) + Hint(head.Span) +
            ". Save the capture as pcap or pcapng (Wireshark: File › Save As; tcpdump -w).", notACapture: true);
    }

    /// <summary>The next frame, or null at the end of the file.</summary>
    public async Task<PcapFrame?> NextAsync(CancellationToken ct)
    {
        return _pcapng ? await NextBlockAsync(ct) : await NextRecordAsync(ct);
    }

    private async Task<PcapFrame?> NextRecordAsync(CancellationToken ct)
    {
        var header = await ReadExactlyOrLessAsync(16, ct);
        if (header.Length == 0)
            return null;
        if (header.Length < 16)
            throw new PcapFormatException($"The capture ends in the middle of the header of packet {_number + 1}.");
        var seconds = U32(header.Span);
        var fraction = U32(header.Span[4..]);
        var length = U32(header.Span[8..]);
        if (length > MaxFrame)
            throw new PcapFormatException($"Packet {_number + 1} claims {length} bytes, more than any capture holds: the file is damaged.");
        var data = await ReadRequiredAsync((int)length, $"packet {_number + 1}", ct);
        var ticks = seconds * TimeSpan.TicksPerSecond + (_nanos ? fraction / 100 : fraction * 10L);
        return new PcapFrame(++_number, DateTimeOffset.UnixEpoch.AddTicks(ticks), _linkType, data);
    }

    private async Task ReadSectionHeaderAsync(CancellationToken ct)
    {
        // Block type (read), block length, byte-order magic: the magic says the section's byte order.
        var fixedPart = await ReadRequiredAsync(8, "the section header", ct);
        var magicLe = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart.Span[4..]);
        _bigEndian = magicLe != ByteOrderMagic;
        if (_bigEndian && BinaryPrimitives.ReadUInt32BigEndian(fixedPart.Span[4..]) != ByteOrderMagic)
            throw new PcapFormatException("The pcapng section header has no valid byte-order magic: the file is damaged.");
        var length = U32(fixedPart.Span);
        if (length < 28 || length % 4 != 0 || length > MaxFrame)
            throw new PcapFormatException("The pcapng section header has an impossible length: the file is damaged.");
        await ReadRequiredAsync((int)length - 12, "the section header", ct);
        _interfaces.Clear();
    }

    private async Task<PcapFrame?> NextBlockAsync(CancellationToken ct)
    {
        while (true)
        {
            var head = await ReadExactlyOrLessAsync(4, ct);
            if (head.Length == 0)
                return null;
            if (head.Length < 4)
                throw new PcapFormatException("The capture ends in the middle of a block.");
            if (BinaryPrimitives.ReadUInt32LittleEndian(head.Span) == PcapngSection)
            {
                await ReadSectionHeaderAsync(ct);
                continue;
            }
            var type = U32(head.Span);
            var lengthBytes = await ReadRequiredAsync(4, "a block", ct);
            var length = U32(lengthBytes.Span);
            if (length < 12 || length % 4 != 0 || length > MaxFrame + 64)
                throw new PcapFormatException($"A pcapng block after packet {_number} has an impossible length ({length}): the file is damaged.");
            var body = await ReadRequiredAsync((int)length - 8, "a block", ct);
            var span = body.Span[..^4];
            switch (type)
            {
                case 1: // interface description: link type, then options (if_tsresol)
                    _interfaces.Add(Interface(span));
                    break;
                case 6: // enhanced packet
                {
                    var id = (int)U32(span);
                    if (id >= _interfaces.Count)
                        throw new PcapFormatException($"Packet {_number + 1} names interface {id}, which the file never described.");
                    var (linkType, ticksPerUnit, divide) = _interfaces[id];
                    var units = ((ulong)U32(span[4..]) << 32) | U32(span[8..]);
                    var captured = (int)U32(span[12..]);
                    if (captured > span.Length - 20)
                        throw new PcapFormatException($"Packet {_number + 1} is longer than its block: the file is damaged.");
                    var ticks = divide ? (long)(units / (ulong)ticksPerUnit) : (long)units * ticksPerUnit;
                    return new PcapFrame(++_number, DateTimeOffset.UnixEpoch.AddTicks(ticks), linkType, body.Slice(20, captured));
                }
                case 3: // simple packet: no timestamp of its own
                {
                    if (_interfaces.Count == 0)
                        throw new PcapFormatException("A packet comes before any interface description: the file is damaged.");
                    var captured = Math.Min((int)U32(span), span.Length - 4);
                    return new PcapFrame(++_number, DateTimeOffset.UnixEpoch, _interfaces[0].LinkType, body.Slice(4, captured));
                }
            }
        }
    }

    /// <summary>An interface's link type and timestamp unit (if_tsresol: a power of 10, or of 2 with the high bit; default µs).</summary>
    private (int LinkType, long TicksPerUnit, bool Divide) Interface(ReadOnlySpan<byte> span)
    {
        var linkType = span.Length >= 2 ? (_bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span)) : 1;
        var (ticks, divide) = (10L, false); // microseconds
        var options = span.Length > 8 ? span[8..] : [];
        while (options.Length >= 4)
        {
            var code = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(options) : BinaryPrimitives.ReadUInt16LittleEndian(options);
            var length = _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(options[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(options[2..]);
            if (code == 0 || 4 + length > options.Length)
                break;
            if (code == 9 && length >= 1)
            {
                var r = options[4];
                if ((r & 0x80) == 0)
                {
                    // 10^-r seconds: 7 or fewer digits are whole ticks per unit, more are units per tick.
                    var exponent = r & 0x7f;
                    (ticks, divide) = exponent <= 7 ? ((long)Math.Pow(10, 7 - exponent), false) : ((long)Math.Pow(10, exponent - 7), true);
                }
                else
                {
                    var perSecond = Math.Pow(2, r & 0x7f);
                    (ticks, divide) = perSecond <= TimeSpan.TicksPerSecond
                        ? ((long)(TimeSpan.TicksPerSecond / perSecond), false)
                        : ((long)(perSecond / TimeSpan.TicksPerSecond), true);
                }
            }
            options = options[(4 + (length + 3) / 4 * 4)..];
        }
        return (linkType, Math.Max(1, ticks), divide);
    }

    private uint U32(ReadOnlySpan<byte> span) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);

    private async Task<ReadOnlyMemory<byte>> ReadRequiredAsync(int count, string what, CancellationToken ct)
    {
        var data = await ReadExactlyOrLessAsync(count, ct);
        if (data.Length < count)
            throw new PcapFormatException($"The capture ends in the middle of {what}: the upload was cut or the file is damaged.");
        return data;
    }

    /// <summary>Up to <paramref name="count"/> bytes into the reused buffer; fewer only at the end of the stream.</summary>
    private async Task<ReadOnlyMemory<byte>> ReadExactlyOrLessAsync(int count, CancellationToken ct)
    {
        if (_buffer.Length < count)
            _buffer = new byte[count];
        var read = await input.ReadAtLeastAsync(_buffer.AsMemory(0, count), count, throwOnEndOfStream: false, ct);
        BytesRead += read;
        return _buffer.AsMemory(0, read);
    }

    private static string Hex(ReadOnlySpan<byte> head) => string.Join(' ', head.ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    private static string Hint(ReadOnlySpan<byte> head) => head switch
    {
        [(byte)'P', (byte)'K', ..] => " (a ZIP archive: unpack it first)",
        [0x1f, 0x8b, ..] => " (gzip-compressed: gunzip it first)",
        [(byte)'{', ..] or [(byte)'[', ..] => " (JSON text)",
        [>= 0x20 and < 0x7f, >= 0x20 and < 0x7f, >= 0x20 and < 0x7f, >= 0x20 and < 0x7f] => " (text)",
        _ => "",
    };
}
