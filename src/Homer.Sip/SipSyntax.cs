using System.Buffers;
using System.Text;

namespace Homer.Sip;

/// <summary>Low-level grammar helpers shared by the SIP, SDP and vq-rtcpxr parsers. Offsets are into the whole payload.</summary>
internal static class SipSyntax
{
    public static bool IsLws(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    public static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    public static bool IsAlpha(byte c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';

    /// <summary>RFC 3261 token characters.</summary>
    public static bool IsTokenChar(byte c) =>
        IsAlpha(c) || IsDigit(c) || c is (byte)'-' or (byte)'.' or (byte)'!' or (byte)'%' or (byte)'*' or (byte)'_'
            or (byte)'+' or (byte)'`' or (byte)'\'' or (byte)'~';

    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"u8);

    private static readonly SearchValues<byte> LwsChars = SearchValues.Create(" \t\r\n"u8);

    private static readonly SearchValues<byte> CommaStructure = SearchValues.Create(",\"<>"u8);

    /// <summary>Vectorised: every header name passes through here.</summary>
    public static bool IsToken(ReadOnlySpan<byte> s) => !s.IsEmpty && !s.ContainsAnyExcept(TokenChars);

    public static bool ContainsLws(ReadOnlySpan<byte> s) => s.ContainsAny(LwsChars);

    public static int SkipLws(ReadOnlySpan<byte> d, int i, int end)
    {
        while (i < end && IsLws(d[i]))
            i++;
        return i;
    }

    public static int TrimEnd(ReadOnlySpan<byte> d, int start, int end)
    {
        while (end > start && IsLws(d[end - 1]))
            end--;
        return end;
    }

    public static SipSlice Trimmed(ReadOnlySpan<byte> d, int start, int end)
    {
        start = SkipLws(d, start, end);
        end = TrimEnd(d, start, end);
        return new SipSlice(start, end - start);
    }

    public static int IndexOf(ReadOnlySpan<byte> d, int start, int end, byte c)
    {
        var i = d[start..end].IndexOf(c);
        return i < 0 ? -1 : start + i;
    }

    /// <summary>Digits only; false on empty, on any other character, or above <paramref name="max"/>.</summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> s, ulong max, out ulong value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 20)
            return false;
        foreach (var c in s)
        {
            if (!IsDigit(c))
                return false;
            var next = value * 10 + (ulong)(c - '0');
            if (next < value || next > max)
                return false;
            value = next;
        }

        return true;
    }

    public static bool TryParseInt(ReadOnlySpan<byte> s, out int value)
    {
        var ok = TryParseNumber(s, int.MaxValue, out var v);
        value = (int)v;
        return ok;
    }

    /// <summary>End of a quoted string starting at <paramref name="quote"/> (index of the closing quote), or -1.</summary>
    public static int QuotedEnd(ReadOnlySpan<byte> d, int quote, int end)
    {
        for (var i = quote + 1; i < end; i++)
        {
            if (d[i] == '\\')
                i++;
            else if (d[i] == '"')
                return i;
        }

        return -1;
    }

    /// <summary>Index of the first comma outside quotes and angle brackets, or <paramref name="end"/>.</summary>
    public static int TopLevelComma(ReadOnlySpan<byte> d, int start, int end)
    {
        var angle = false;
        var i = start;
        while (i < end)
        {
            // Jump straight to the next byte that matters: most values have no quotes, brackets or commas at all.
            var next = d[i..end].IndexOfAny(CommaStructure);
            if (next < 0)
                return end;
            i += next;
            var c = d[i];
            if (c == '"')
            {
                var q = QuotedEnd(d, i, end);
                if (q < 0)
                    return end;
                i = q;
            }
            else if (c == '<')
            {
                angle = true;
            }
            else if (c == '>')
            {
                angle = false;
            }
            else if (!angle)
            {
                return i;
            }

            i++;
        }

        return end;
    }

    /// <summary>Finds <paramref name="name"/> (case-insensitive) among ";name=value" (or ",name=value") parameters.</summary>
    public static bool TryFindParameter(ReadOnlySpan<byte> d, int start, int end, ReadOnlySpan<byte> name, byte separator,
        out SipSlice value)
    {
        var reader = new ParameterReader(d, start, end, separator);
        while (reader.Next(out var n, out var v))
        {
            if (Ascii.EqualsIgnoreCase(d.Slice(n.Offset, n.Length), name))
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }
}

/// <summary>Reads "name[=value]" pairs split by ';' (or ','), with LWS allowed around separators and quoted values.</summary>
internal ref struct ParameterReader(ReadOnlySpan<byte> data, int start, int end, byte separator)
{
    private readonly ReadOnlySpan<byte> _d = data;
    private readonly int _end = end;
    private readonly byte _separator = separator;
    private int _pos = start;

    /// <summary>Next parameter; a quoted value is returned without its quotes.</summary>
    public bool Next(out SipSlice name, out SipSlice value)
    {
        var d = _d;
        var i = _pos;
        while (i < _end && (SipSyntax.IsLws(d[i]) || d[i] == _separator))
            i++;
        if (i >= _end)
        {
            name = default;
            value = default;
            _pos = _end;
            return false;
        }

        var nameStart = i;
        while (i < _end && d[i] != '=' && d[i] != _separator && !SipSyntax.IsLws(d[i]))
            i++;
        name = new SipSlice(nameStart, i - nameStart);
        i = SipSyntax.SkipLws(d, i, _end);
        value = default;
        if (i < _end && d[i] == '=')
        {
            i = SipSyntax.SkipLws(d, i + 1, _end);
            if (i < _end && d[i] == '"')
            {
                var close = SipSyntax.QuotedEnd(d, i, _end);
                var valueEnd = close < 0 ? _end : close;
                value = new SipSlice(i + 1, valueEnd - i - 1);
                i = close < 0 ? _end : close + 1;
            }
            else
            {
                var valueStart = i;
                while (i < _end && d[i] != _separator && !SipSyntax.IsLws(d[i]))
                    i++;
                value = new SipSlice(valueStart, i - valueStart);
            }
        }

        // Anything else up to the next separator (a stray token) belongs to no parameter: skip it.
        while (i < _end && d[i] != _separator)
            i++;
        _pos = i;
        return true;
    }
}
