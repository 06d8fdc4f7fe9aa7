using System.Text;

namespace Homer.Storage;

/// <summary>
/// One condition of the search on any SIP header: the header's name (any case, compact form or full) and a value
/// pattern that the whole header value must match: exact, or with <c>*</c> (any run of characters) and <c>?</c>
/// (one character) as wildcards, so <c>+4930*</c> is a prefix search and <c>*+4930*</c> a substring one. Values are
/// compared case-sensitively, as the other text fields of the search are.
/// </summary>
public sealed record HeaderCondition(string Name, string Value);

/// <summary>
/// SIP header names as the search and the extractor of configured fields see them: case-insensitive, with the compact
/// forms of RFC 3261 §7.3.3 and later RFCs folded into the full name.
/// </summary>
public static class SipHeaderNames
{
    /// <summary>Compact form → full name (RFC 3261, 3265, 3515, 3892, 3841, 4028, 4474, 6665).</summary>
    public static readonly IReadOnlyDictionary<char, string> Compact = new Dictionary<char, string>
    {
        ['i'] = "Call-ID", ['f'] = "From", ['t'] = "To", ['m'] = "Contact", ['v'] = "Via", ['e'] = "Content-Encoding",
        ['l'] = "Content-Length", ['c'] = "Content-Type", ['k'] = "Supported", ['s'] = "Subject", ['o'] = "Event",
        ['r'] = "Refer-To", ['b'] = "Referred-By", ['x'] = "Session-Expires", ['u'] = "Allow-Events",
        ['a'] = "Accept-Contact", ['j'] = "Reject-Contact", ['d'] = "Request-Disposition", ['y'] = "Identity",
        ['n'] = "Identity-Info",
    };

    private static readonly Dictionary<string, char> CompactOf =
        Compact.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>The full name for a compact form; any other name as given, trimmed.</summary>
    public static string Full(string name)
    {
        var n = name.Trim();
        return n.Length == 1 && Compact.TryGetValue(char.ToLowerInvariant(n[0]), out var full) ? full : n;
    }

    /// <summary>Every spelling a sender may use for this header: the full name and, if it has one, the compact form.</summary>
    public static IReadOnlyList<string> Spellings(string name)
    {
        var full = Full(name);
        return CompactOf.TryGetValue(full, out var c) ? [full, c.ToString()] : [full];
    }

    /// <summary>A header name is an RFC 3261 token; anything else cannot be a header and is refused with a clear message.</summary>
    public static bool IsToken(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~');

    /// <summary>
    /// The values of every occurrence of the header in a SIP message's header section (before the blank line), in
    /// order, trimmed; folded continuation lines are joined with a space. Empty when the header is absent.
    /// </summary>
    public static List<string> Values(ReadOnlySpan<byte> payload, string name)
    {
        var spellings = Spellings(name);
        var found = new List<string>();
        var first = true;
        var lastMatched = false;
        while (payload.Length > 0)
        {
            var eol = payload.IndexOf((byte)'\n');
            var line = eol < 0 ? payload : payload[..eol];
            payload = eol < 0 ? default : payload[(eol + 1)..];
            if (line.Length > 0 && line[^1] == '\r')
                line = line[..^1];
            if (line.Length == 0)
                break; // the blank line ends the headers
            if (first)
            {
                first = false; // the request or status line
                continue;
            }
            if (line[0] is (byte)' ' or (byte)'\t')
            {
                if (found.Count > 0 && lastMatched)
                    found[^1] = found[^1] + " " + Encoding.UTF8.GetString(line).Trim();
                continue;
            }
            lastMatched = false;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
                continue;
            var header = Encoding.ASCII.GetString(line[..colon]).TrimEnd(' ', '\t');
            foreach (var s in spellings)
            {
                if (!header.Equals(s, StringComparison.OrdinalIgnoreCase))
                    continue;
                found.Add(Encoding.UTF8.GetString(line[(colon + 1)..]).Trim(' ', '\t'));
                lastMatched = true;
                break;
            }
        }
        return found;
    }
}

/// <summary>
/// The SQL of a header condition. The payload is stored raw (bytea), so the condition is a regular expression over
/// the message's header section (the bytes before the first blank line) in PostgreSQL's <c>escape</c> text form, which
/// never fails on bytes that are not UTF-8 (they become <c>\ooo</c>, and a backslash <c>\\</c>; the pattern encodes the
/// asked value the same way). A cheap byte search for the value's longest literal part runs first, so the regular
/// expression only sees rows that can match. There is no index: the time range bounds the rows, and the search's
/// statement timeout bounds the time (docs/benchmarks.md, "Search on any header").
/// </summary>
public static class HeaderSearchSql
{
    public const int MaxConditions = 8;

    /// <summary>A header search counts its matches up to this many (the page says when the total is a lower bound).</summary>
    public const int CountCap = 10_000;

    public static readonly TimeSpan FirstSlice = TimeSpan.FromHours(1);

    /// <summary>
    /// The slices a header search reads, in the page's direction, from the cursor when there is one: each [lower, upper)
    /// (null: the range's own bound, inclusive), the first <see cref="FirstSlice"/> long and each next one twice as long.
    /// </summary>
    public static IEnumerable<(DateTimeOffset? Lower, DateTimeOffset? Upper)> Slices(DateTimeOffset from, DateTimeOffset to, bool descending, DateTimeOffset? cursor)
    {
        var width = FirstSlice;
        if (!descending)
        {
            var lower = cursor is { } c && c > from ? c : from;
            while (true)
            {
                var upper = lower + width;
                if (upper > to)
                {
                    yield return (lower, null);
                    yield break;
                }
                yield return (lower, upper);
                lower = upper;
                width *= 2;
            }
        }
        // Newest first: the upper bound is exclusive, so the first slice keeps the range's own (inclusive) end; the
        // cursor's own row is excluded by the cursor condition, not by the slice.
        DateTimeOffset? top = null;
        var end = cursor is { } d && d < to ? d : to;
        while (true)
        {
            var bottom = end - width;
            if (bottom <= from)
            {
                yield return (null, top);
                yield break;
            }
            yield return (bottom, top);
            top = bottom;
            end = bottom;
            width *= 2;
        }
    }

    /// <summary>The header section of <c>payload</c> as escape-encoded text.</summary>
    public const string HeaderSectionText =
        "encode(substring(payload for coalesce(nullif(position('\\x0d0a0d0a'::bytea in payload), 0), octet_length(payload))), 'escape')";

    /// <summary>Validates a condition; throws <see cref="MessageFilterException"/> saying which part is wrong.</summary>
    public static void Validate(HeaderCondition c)
    {
        if (!SipHeaderNames.IsToken(c.Name.Trim()))
            throw new MessageFilterException($"headers: '{c.Name}' is not a SIP header name");
        if (c.Value.Length == 0 || c.Value.AsSpan().IndexOfAny("\r\n") >= 0)
            throw new MessageFilterException($"headers: the value for '{c.Name}' must be one line of text (use * to match any value)");
    }

    /// <summary>
    /// The regular expression (newline-sensitive ARE) that finds a header named as asked whose whole
    /// trimmed value matches the pattern, also when the sender folded it over several lines: a blank in the pattern
    /// matches a fold, and so do the wildcards.
    /// </summary>
    public static string Regex(HeaderCondition c)
    {
        var names = SipHeaderNames.Spellings(c.Name).Select(CaseInsensitive);
        var re = new StringBuilder("(?n)^(");
        re.Append(string.Join("|", names));
        re.Append(")[ \\t]*:[ \\t]*(?:").Append(Fold).Append(")?");
        foreach (var ch in c.Value.Trim(' ', '\t'))
        {
            if (ch == '*') re.Append("(?:[^\\r\\n]|").Append(Fold).Append(")*");
            else if (ch == '?') re.Append("(?:[^\\r\\n]|").Append(Fold).Append(')');
            else if (ch is ' ' or '\t') re.Append("(?:[ \\t]|").Append(Fold).Append(')');
            else AppendLiteral(re, ch.ToString());
        }
        // The value ends with its line only if no continuation line follows.
        re.Append("[ \\t]*\\r?(?!\\n[ \\t])$");
        return re.ToString();
    }

    /// <summary>
    /// A folded line break (RFC 3261 §7.3.1: a line that starts with blanks continues the header before it), which the
    /// value reads as one space, as <see cref="SipHeaderNames.Values"/> joins it.
    /// </summary>
    private const string Fold = "[ \\t]*\\r?\\n[ \\t]+";

    /// <summary>
    /// The longest run of the value without wildcards or blanks (a blank may be a folded line break in the payload), as
    /// UTF-8 bytes; null when shorter than 3 bytes.
    /// </summary>
    public static byte[]? Literal(HeaderCondition c)
    {
        var longest = c.Value.Split(['*', '?', ' ', '\t']).MaxBy(p => Encoding.UTF8.GetByteCount(p)) ?? "";
        var bytes = Encoding.UTF8.GetBytes(longest);
        return bytes.Length >= 3 ? bytes : null;
    }

    private static string CaseInsensitive(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name)
        {
            if (char.IsAsciiLetter(ch))
                sb.Append('[').Append(char.ToUpperInvariant(ch)).Append(char.ToLowerInvariant(ch)).Append(']');
            else
                AppendLiteral(sb, ch.ToString());
        }
        return sb.ToString();
    }

    // A character as PostgreSQL's escape encoding writes its UTF-8 bytes, then quoted for the regular expression:
    // letters and digits as they are, every other ASCII character behind a backslash (a literal in an ARE), and bytes
    // that the encoding turns into \ooo as a literal backslash and the digits.
    private static void AppendLiteral(StringBuilder re, string ch)
    {
        foreach (var b in Encoding.UTF8.GetBytes(ch))
        {
            if (b == 0 || b >= 0x80)
                re.Append("\\\\").Append(Convert.ToString(b, 8).PadLeft(3, '0'));
            else if (b == '\\')
                re.Append("\\\\\\\\");
            else if (char.IsAsciiLetterOrDigit((char)b))
                re.Append((char)b);
            else
                re.Append('\\').Append((char)b);
        }
    }
}
