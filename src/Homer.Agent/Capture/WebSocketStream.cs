using System.Buffers.Binary;

namespace Homer.Agent.Capture;

/// <summary>
/// One direction of a SIP-over-WebSocket connection (RFC 7118 on RFC 6455), fed with the in-order bytes of the TCP
/// stream: the HTTP Upgrade request and its 101 answer are skipped, client frames are unmasked, text and binary
/// messages are put together from their continuation fragments (control frames in between are skipped), and each
/// complete message, which RFC 7118 says carries exactly one SIP message, is handed on. Single-threaded, like the
/// <see cref="TcpReassembler"/> that owns it.
/// </summary>
public sealed class WebSocketStream
{
    /// <summary>An HTTP head longer than this is not a WebSocket handshake.</summary>
    private const int MaxHandshake = 16 * 1024;

    private byte[] _message = new byte[2048];
    private int _messageLength;
    private bool _inMessage;
    private bool _skipMessage;
    private bool _compressed;
    private long _messageTimestamp;

    public enum Status { Ok, Invalid }

    public void Reset()
    {
        _messageLength = 0;
        _inMessage = false;
        _skipMessage = false;
        _compressed = false;
        if (_message.Length > 65_536) _message = new byte[2048];
    }

    /// <summary>
    /// True when a segment can be where we start following a connection seen mid-way: the HTTP handshake, or a text or
    /// binary frame (not a continuation) whose unmasked payload starts like SIP.
    /// </summary>
    public static bool LooksLikeStart(ReadOnlySpan<byte> data)
    {
        if (IsHttpStart(data)) return true;
        if (!TryHeader(data, out var opcode, out _, out var rsv, out var masked, out var mask, out var headerLength, out var length)) return false;
        if (opcode is not (1 or 2) || rsv != 0) return false;
        var available = (int)Math.Min(length, Math.Min(256, data.Length - headerLength));
        if (available < 8) return false;
        Span<byte> start = stackalloc byte[256];
        Unmask(data.Slice(headerLength, available), start, masked ? mask : 0);
        return SipFraming.LooksLikeSip(start[..available]) || LooksLikeSipPrefix(start[..available]);
    }

    /// <summary>A segment cut before the first line ends still counts if it starts like a status or request line.</summary>
    private static bool LooksLikeSipPrefix(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("SIP/2.0 "u8)) return true;
        var space = data.IndexOf((byte)' ');
        if (space is < 3 or > 32) return false;
        foreach (var b in data[..space])
            if (b is not (>= (byte)'A' and <= (byte)'Z' or (byte)'-' or (byte)'_')) return false;
        var uri = data[(space + 1)..];
        return uri.StartsWith("sip:"u8) || uri.StartsWith("sips:"u8) || uri.StartsWith("tel:"u8);
    }

    /// <summary>
    /// Takes whole frames (and handshake heads) from the start of <paramref name="data"/> and returns how many bytes
    /// they used; what is left is an unfinished frame to be given again with more bytes. <paramref name="timestamp"/>
    /// is the capture time of the first byte of <paramref name="data"/>, <paramref name="nextTimestamp"/> of the rest.
    /// </summary>
    public Status Consume(ReadOnlySpan<byte> data, long timestamp, long nextTimestamp, ref L4Packet packet, IPacketSink sink,
        CaptureStats? stats, out int consumed)
    {
        consumed = 0;
        while (consumed < data.Length)
        {
            var rest = data[consumed..];
            var frameTimestamp = consumed == 0 ? timestamp : nextTimestamp;
            if (IsHttpStart(rest))
            {
                var end = rest.IndexOf("\r\n\r\n"u8);
                if (end < 0) return rest.Length > MaxHandshake ? Status.Invalid : Status.Ok;
                consumed += end + 4;
                continue;
            }

            if (!TryHeader(rest, out var opcode, out var fin, out var rsv, out var masked, out var mask, out var headerLength, out var length))
            {
                // Too short for the header yet, or a header that cannot be one.
                return rest.Length >= 14 || (rest.Length >= 2 && !PlausibleFirstByte(rest[0])) ? Status.Invalid : Status.Ok;
            }

            if (length > SipFraming.MaxMessage + 1024) return Status.Invalid;
            if (rest.Length < headerLength + length) return Status.Ok;
            var payload = rest.Slice(headerLength, (int)length);
            consumed += headerLength + (int)length;

            if (opcode >= 8)
            {
                // Ping, pong and close may come between the fragments of a message; a control frame is never fragmented.
                if (!fin || length > 125) return Status.Invalid;
                continue;
            }

            if (opcode is not (0 or 1 or 2)) return Status.Invalid;
            if (opcode != 0)
            {
                if (_inMessage) stats?.Drop(DropReason.WsIncomplete); // a new message before the last one ended
                _inMessage = true;
                _messageLength = 0;
                _messageTimestamp = frameTimestamp;
                // RSV1 is permessage-deflate: compressed with a window shared by the whole connection, which we
                // cannot rebuild from a capture that may have started mid-way.
                _compressed = rsv != 0;
                _skipMessage = _compressed;
            }
            else if (!_inMessage)
            {
                continue; // the rest of a message whose start we did not see
            }

            if (!_skipMessage)
            {
                if (_messageLength + payload.Length > SipFraming.MaxMessage)
                {
                    stats?.Drop(DropReason.SipTooLarge);
                    _skipMessage = true;
                    _messageLength = 0;
                }
                else
                {
                    if (_message.Length < _messageLength + payload.Length)
                        Array.Resize(ref _message, Math.Max(_message.Length * 2, _messageLength + payload.Length));
                    // Each fragment has its own key, applied from the fragment's first byte.
                    Unmask(payload, _message.AsSpan(_messageLength), masked ? mask : 0);
                    _messageLength += payload.Length;
                }
            }

            if (!fin) continue;
            _inMessage = false;
            if (_skipMessage)
            {
                if (_compressed) stats?.Drop(DropReason.WsCompressed);
                _skipMessage = false;
                continue;
            }

            var message = _message.AsSpan(0, _messageLength);
            var sip = SipFraming.SkipCrLf(message, out _);
            if (sip.IsEmpty) continue; // RFC 7118 keep-alive: an empty or CRLF-only message
            if (!SipFraming.LooksLikeSip(sip))
            {
                stats?.Drop(DropReason.NotSip);
                continue;
            }

            // Stamped with the frame that began the message; addresses and ports are the TCP segment's.
            var copy = packet;
            copy.Payload = sip;
            copy.TimestampMicros = _messageTimestamp;
            sink.OnSip(ref copy);
        }

        return Status.Ok;
    }

    private static bool IsHttpStart(ReadOnlySpan<byte> data) =>
        data.StartsWith("GET "u8) || data.StartsWith("HTTP/1."u8);

    /// <summary>FIN with a known opcode, or a first/continuation fragment: what a frame's first byte can be.</summary>
    private static bool PlausibleFirstByte(byte b) => (b & 0x0f) is 0 or 1 or 2 or 8 or 9 or 10;

    private static bool TryHeader(ReadOnlySpan<byte> data, out int opcode, out bool fin, out int rsv, out bool masked, out uint mask,
        out int headerLength, out long length)
    {
        opcode = 0;
        fin = false;
        rsv = 0;
        masked = false;
        mask = 0;
        headerLength = 0;
        length = 0;
        if (data.Length < 2) return false;
        fin = (data[0] & 0x80) != 0;
        rsv = data[0] & 0x70;
        opcode = data[0] & 0x0f;
        masked = (data[1] & 0x80) != 0;
        length = data[1] & 0x7f;
        headerLength = 2;
        if (length == 126)
        {
            if (data.Length < 4) return false;
            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            headerLength = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10) return false;
            var l = BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            length = l > int.MaxValue ? int.MaxValue : (long)l;
            headerLength = 10;
        }

        if (masked)
        {
            if (data.Length < headerLength + 4) return false;
            mask = BinaryPrimitives.ReadUInt32BigEndian(data[headerLength..]);
            headerLength += 4;
        }

        return PlausibleFirstByte(data[0]);
    }

    private static void Unmask(ReadOnlySpan<byte> source, Span<byte> target, uint mask)
    {
        if (mask == 0)
        {
            source.CopyTo(target);
            return;
        }

        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, mask);
        for (var i = 0; i < source.Length; i++)
            target[i] = (byte)(source[i] ^ key[i & 3]);
    }
}
