using System.Text;
using static Homer.Sip.SipSyntax;

namespace Homer.Sip;

/// <summary>Finds parts of a multipart body (RFC 2046) without copying: SIP uses it for SDP + ISUP, SDP + PIDF, etc.</summary>
public static class SipMultipart
{
    /// <summary>The body of the first part whose Content-Type starts with <paramref name="contentType"/>.</summary>
    public static bool TryFindPart(ReadOnlySpan<byte> data, SipSlice body, SipSlice boundary, ReadOnlySpan<byte> contentType,
        out SipSlice part)
    {
        part = default;
        var b = boundary.Of(data);
        if (b.IsEmpty)
            return false;
        var end = body.End;
        var pos = body.Offset;
        var delimiter = NextDelimiter(data, body.Offset, pos, end, b);
        while (delimiter >= 0)
        {
            // After "--boundary": "--" closes the body, otherwise the rest of the line is padding.
            var afterBoundary = delimiter + 2 + b.Length;
            if (afterBoundary + 1 < end && data[afterBoundary] == '-' && data[afterBoundary + 1] == '-')
                return false;
            var lineEnd = IndexOf(data, afterBoundary, end, (byte)'\n');
            if (lineEnd < 0)
                return false;
            var partStart = lineEnd + 1;
            var nextDelimiter = NextDelimiter(data, body.Offset, partStart, end, b);
            var partEnd = nextDelimiter < 0 ? end : nextDelimiter;
            // The CRLF before a delimiter belongs to the delimiter.
            if (partEnd > partStart && data[partEnd - 1] == '\n')
                partEnd--;
            if (partEnd > partStart && data[partEnd - 1] == '\r')
                partEnd--;
            if (TryMatchPart(data, partStart, partEnd, contentType, out part))
                return true;
            delimiter = nextDelimiter;
        }

        return false;
    }

    private static bool TryMatchPart(ReadOnlySpan<byte> d, int start, int end, ReadOnlySpan<byte> contentType, out SipSlice part)
    {
        part = default;
        var pos = start;
        var matched = false;
        while (pos < end)
        {
            var lf = IndexOf(d, pos, end, (byte)'\n');
            var lineEnd = lf < 0 ? end : lf;
            var contentEnd = lineEnd > pos && d[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            var next = lf < 0 ? end : lf + 1;
            if (contentEnd == pos)
            {
                if (matched)
                    part = new SipSlice(next, Math.Max(0, end - next));
                return matched;
            }

            var colon = IndexOf(d, pos, contentEnd, (byte)':');
            if (colon > pos)
            {
                var name = d[pos..TrimEnd(d, pos, colon)];
                if (Ascii.EqualsIgnoreCase(name, "Content-Type"u8) || Ascii.EqualsIgnoreCase(name, "c"u8))
                {
                    var value = Trimmed(d, colon + 1, contentEnd);
                    matched = SipParser.StartsWithIgnoreCase(value.Of(d), contentType);
                }
            }

            pos = next;
        }

        return false;
    }

    private static int NextDelimiter(ReadOnlySpan<byte> d, int bodyStart, int pos, int end, ReadOnlySpan<byte> boundary)
    {
        while (pos < end)
        {
            var i = d[pos..end].IndexOf(boundary);
            if (i < 0)
                return -1;
            var at = pos + i;
            // A delimiter is "--boundary" at the start of the body or of a line.
            if (at - 2 >= bodyStart && d[at - 1] == '-' && d[at - 2] == '-' && (at - 2 == bodyStart || d[at - 3] == '\n'))
                return at - 2;
            pos = at + 1;
        }

        return -1;
    }
}
