using System.Buffers.Binary;

namespace Homer.Hep;

/// <summary>What a HEP byte stream did wrong.</summary>
public enum HepStreamError : byte
{
    None,
    /// <summary>The bytes where a packet should start are not "HEP3"/"EEP3".</summary>
    BadMagic,
    /// <summary>A declared length below the 6-byte header: the stream can not advance by it.</summary>
    DeclaredLengthTooSmall,
    /// <summary>HEPv1/v2 carry no length, so packets can not be delimited on a stream.</summary>
    UnframableVersion,
}

/// <summary>What to do when a stream holds something other than a HEP3 packet where one should start.</summary>
public enum HepGarbagePolicy : byte
{
    /// <summary>Skip to the next "HEP3"/"EEP3" and carry on, counting what was skipped.</summary>
    Resync,
    /// <summary>Stop: the caller closes the connection with <see cref="HepStreamFramer.CloseReason"/>.</summary>
    Close,
}

public enum HepFrameResult : byte
{
    /// <summary>A whole packet is available.</summary>
    Packet,
    NeedMoreData,
    /// <summary>The stream is broken and the policy is <see cref="HepGarbagePolicy.Close"/>; see <see cref="HepStreamFramer.CloseReason"/>.</summary>
    Closed,
}

/// <summary>
/// Splits a TCP/TLS byte stream into HEP3 packets. HEP3's length field counts the whole packet including its own
/// 6-byte header (unlike most length-prefixed protocols). Not thread-safe: one per connection.
/// </summary>
public sealed class HepStreamFramer(HepGarbagePolicy policy = HepGarbagePolicy.Resync)
{
    private byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    public HepGarbagePolicy Policy { get; } = policy;

    public bool IsClosed => CloseReason != HepStreamError.None;

    public HepStreamError CloseReason { get; private set; }

    /// <summary>The reason the last bytes were skipped in <see cref="HepGarbagePolicy.Resync"/> mode.</summary>
    public HepStreamError LastSkipReason { get; private set; }

    public long SkippedBytes { get; private set; }

    /// <summary>Times the framer lost and re-found packet boundaries.</summary>
    public int Resyncs { get; private set; }

    public int BufferedBytes => _end - _start;

    /// <summary>
    /// Length of the packet at the start of <paramref name="buffered"/> when it is a complete HEP3 packet; 0 when
    /// more bytes are needed; -1 when the bytes can not start a HEP3 packet (then <paramref name="error"/> says why).
    /// Stateless, for stream stages that keep their own buffer.
    /// </summary>
    public static int FrameLength(ReadOnlySpan<byte> buffered, out HepStreamError error)
    {
        error = HepStreamError.None;
        if (buffered.IsEmpty)
            return 0;
        if (buffered[0] is 1 or 2)
        {
            error = HepStreamError.UnframableVersion;
            return -1;
        }

        var prefix = Math.Min(4, buffered.Length);
        if (!"HEP3"u8[..prefix].SequenceEqual(buffered[..prefix]) && !"EEP3"u8[..prefix].SequenceEqual(buffered[..prefix]))
        {
            error = HepStreamError.BadMagic;
            return -1;
        }

        if (buffered.Length < HepDecoder.Hep3HeaderLength)
            return 0;
        int declared = BinaryPrimitives.ReadUInt16BigEndian(buffered[4..]);
        if (declared < HepDecoder.Hep3HeaderLength)
        {
            error = HepStreamError.DeclaredLengthTooSmall;
            return -1;
        }

        return buffered.Length >= declared ? declared : 0;
    }

    /// <summary>Adds received bytes. Ignored once the framer is closed.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (IsClosed || data.IsEmpty)
            return;
        if (_end + data.Length > _buffer.Length)
        {
            var live = _end - _start;
            if (live + data.Length > _buffer.Length)
            {
                var bigger = new byte[Math.Max(_buffer.Length * 2, live + data.Length)];
                _buffer.AsSpan(_start, live).CopyTo(bigger);
                _buffer = bigger;
            }
            else
            {
                _buffer.AsSpan(_start, live).CopyTo(_buffer);
            }

            _start = 0;
            _end = live;
        }

        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
    }

    /// <summary>
    /// The next whole packet. <paramref name="packet"/> points into the framer's buffer and stays valid until the next
    /// call to <see cref="Append"/> or <see cref="Next"/>.
    /// </summary>
    public HepFrameResult Next(out ReadOnlySpan<byte> packet)
    {
        packet = default;
        while (true)
        {
            if (IsClosed)
                return HepFrameResult.Closed;
            var buffered = _buffer.AsSpan(_start, _end - _start);
            var length = FrameLength(buffered, out var error);
            if (length > 0)
            {
                packet = buffered[..length];
                _start += length;
                if (_start == _end)
                    _start = _end = 0;
                return HepFrameResult.Packet;
            }

            if (length == 0)
                return HepFrameResult.NeedMoreData;

            if (Policy == HepGarbagePolicy.Close)
            {
                CloseReason = error;
                return HepFrameResult.Closed;
            }

            Skip(buffered, error);
        }
    }

    private void Skip(ReadOnlySpan<byte> buffered, HepStreamError reason)
    {
        LastSkipReason = reason;
        Resyncs++;
        // Look for the next magic after the first byte; if none, keep up to 3 bytes that may start one.
        var next = IndexOfMagic(buffered[1..]);
        var skip = next >= 0 ? next + 1 : Math.Max(1, buffered.Length - 3);
        SkippedBytes += skip;
        _start += skip;
        if (_start == _end)
            _start = _end = 0;
    }

    private static int IndexOfMagic(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        while (true)
        {
            var i = data[offset..].IndexOf("EP3"u8);
            if (i < 0)
                return -1;
            var at = offset + i - 1;
            if (at >= 0 && data[at] is (byte)'H' or (byte)'E')
                return at;
            offset += i + 1;
        }
    }
}
