using System.Text;

namespace Homer.Agent.Capture;

/// <summary>Cheap SIP recognition and Content-Length framing, for content sniffing and TCP streams.</summary>
public static class SipFraming
{
    /// <summary>HEP3's uint16 length bounds what one packet can carry; leave room for the metadata chunks.</summary>
    public const int MaxMessage = 65_000;

    /// <summary>
    /// True when the bytes start with a status line (<c>SIP/2.0 </c>) or a request line whose first line ends with
    /// <c>SIP/2.0</c>. Leading CR/LF (keep-alives) are skipped. An unfinished first line counts if what is there fits.
    /// </summary>
    public static bool LooksLikeSip(ReadOnlySpan<byte> data)
    {
        data = SkipCrLf(data, out _);
        if (data.Length < 8) return false;
        if (data.StartsWith("SIP/2.0 "u8)) return true;
        var i = 0;
        while (i < data.Length && i < 32 && IsMethodChar(data[i])) i++;
        if (i < 3 || i >= data.Length || data[i] != (byte)' ') return false;
        var line = data[..Math.Min(data.Length, 2048)];
        var end = line.IndexOf((byte)'\n');
        if (end < 0) return false;
        var first = line[..end].TrimEnd((byte)'\r');
        return first.EndsWith(" SIP/2.0"u8);
    }

    private static bool IsMethodChar(byte b) => b is >= (byte)'A' and <= (byte)'Z' or (byte)'-' or (byte)'_';

    public static ReadOnlySpan<byte> SkipCrLf(ReadOnlySpan<byte> data, out int skipped)
    {
        skipped = 0;
        while (skipped < data.Length && data[skipped] is (byte)'\r' or (byte)'\n') skipped++;
        return data[skipped..];
    }

    public enum FrameStatus { Complete, NeedMore, Invalid }

    /// <summary>
    /// Finds the end of the first message: the blank line after the headers plus Content-Length bytes (0 when the
    /// header is missing, as RFC 3261 18.3 requires it on streams). <paramref name="data"/> must start at the message.
    /// </summary>
    public static FrameStatus TryFrame(ReadOnlySpan<byte> data, out int length)
    {
        length = 0;
        var headerEnd = data.IndexOf("\r\n\r\n"u8);
        var terminator = 4;
        if (headerEnd < 0)
        {
            headerEnd = data.IndexOf("\n\n"u8);
            terminator = 2;
        }

        if (headerEnd < 0)
            return data.Length > MaxMessage ? FrameStatus.Invalid : FrameStatus.NeedMore;

        var headers = data[..headerEnd];
        var contentLength = 0;
        while (!headers.IsEmpty)
        {
            var nl = headers.IndexOf((byte)'\n');
            var line = nl < 0 ? headers : headers[..nl];
            headers = nl < 0 ? default : headers[(nl + 1)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon].TrimEnd(" \t"u8);
            if (!Ascii.EqualsIgnoreCase(name, "Content-Length"u8) && !Ascii.EqualsIgnoreCase(name, "l"u8)) continue;
            var value = line[(colon + 1)..].Trim(" \t\r"u8);
            if (!TryParseInt(value, out contentLength) || contentLength > MaxMessage)
                return FrameStatus.Invalid;
            break;
        }

        var total = headerEnd + terminator + contentLength;
        if (total > MaxMessage) return FrameStatus.Invalid;
        if (data.Length < total) return FrameStatus.NeedMore;
        length = total;
        return FrameStatus.Complete;
    }

    private static bool TryParseInt(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 9) return false;
        foreach (var b in s)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }

        return true;
    }
}
