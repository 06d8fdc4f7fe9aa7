using System.Text;

namespace Homer.Storage;

/// <summary>
/// The one rule for text that comes off the wire and goes into PostgreSQL (message columns, the headers JSON, dialog
/// rows, correlation ids, node names, QoS and log text), applied where the text is decoded, so the store, the dialogs,
/// the catch-up reads and the searches all see the same string:
/// <list type="bullet">
/// <item>bytes that are not UTF-8 become U+FFFD (one per maximal invalid subsequence, as .NET's and the WHATWG decoders
/// do), and so do lone UTF-16 surrogates in strings made elsewhere;</item>
/// <item>NUL (U+0000), which PostgreSQL refuses in <c>text</c> and as <c>\u0000</c> in <c>jsonb</c>, becomes
/// U+2400 (␀, SYMBOL FOR NULL).</item>
/// </list>
/// U+2400 rather than a backslash escape such as <c>\0</c>: one character stands for one byte, so lengths and positions
/// still match the payload; it never collides with text a SIP message really holds (backslashes do occur, in quoted
/// strings, and escaping them too would rewrite ordinary values); it shows in the dashboard and in logs as what it
/// is. Search filters go through the same rule, so a value typed with a NUL (JSON <c>"\u0000"</c>) or with ␀ finds
/// the stored row. The raw payload (<c>bytea</c>) is never touched: it stays byte-exact.
/// </summary>
public static class StorableText
{
    /// <summary>What a NUL becomes: U+2400 SYMBOL FOR NULL (␀).</summary>
    public const char NulEscape = '\u2400';

    /// <summary>What undecodable bytes and lone surrogates become: U+FFFD REPLACEMENT CHARACTER.</summary>
    public const char Replacement = '\uFFFD';

    /// <summary>UTF-8 bytes from the wire as storable text; "" when empty.</summary>
    public static string FromUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return string.Empty;
        // Encoding.UTF8 replaces invalid sequences with U+FFFD; it never yields lone surrogates.
        var text = Encoding.UTF8.GetString(utf8);
        return utf8.IndexOf((byte)0) < 0 ? text : text.Replace('\0', NulEscape);
    }

    /// <summary>As <see cref="FromUtf8"/>, null for empty input.</summary>
    public static string? FromUtf8OrNull(ReadOnlySpan<byte> utf8) => utf8.IsEmpty ? null : FromUtf8(utf8);

    /// <summary>A string made elsewhere (JSON, configuration, a search filter) under the same rule; the same instance when already clean.</summary>
    public static string? Clean(string? value)
    {
        if (value is null || FirstToChange(value) < 0)
            return value;
        return string.Create(value.Length, value, static (dest, source) =>
        {
            source.AsSpan().CopyTo(dest);
            for (var i = FirstToChange(source); i < dest.Length; i++)
            {
                var c = dest[i];
                if (c == '\0')
                    dest[i] = NulEscape;
                else if (char.IsHighSurrogate(c) && i + 1 < dest.Length && char.IsLowSurrogate(dest[i + 1]))
                    i++;
                else if (char.IsSurrogate(c))
                    dest[i] = Replacement;
            }
        });
    }

    // Index of the first NUL or lone surrogate, -1 when there is none.
    private static int FirstToChange(string value)
    {
        var span = value.AsSpan();
        var nul = span.IndexOf('\0');
        var surrogate = span.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (nul < 0 && surrogate < 0)
            return -1;
        var i = nul < 0 ? surrogate : surrogate < 0 ? nul : Math.Min(nul, surrogate);
        for (; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '\0')
                return i;
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return i;
        }
        return -1;
    }

    /// <summary>Whether <paramref name="value"/> already follows the rule (what PostgreSQL takes in text and jsonb).</summary>
    public static bool IsClean(string? value) => ReferenceEquals(Clean(value), value);
}

/// <summary>
/// Bounded indexes on values that come off the wire. A btree entry must fit a third of a page (2 704 bytes), so a
/// 10 KB Call-ID or From user made PostgreSQL refuse its whole batch (54000, "index row requires … bytes"). The
/// row keeps the full value; the indexes hold its first <see cref="PrefixLength"/> characters
/// (<c>left(column, 256)</c>, at most 1 KB in UTF-8), and every lookup says both: the prefix, which the index
/// answers, and the full value, which the row confirms. The dialogs' unique key adds a SHA-256 of values longer than
/// the prefix, so two long Call-IDs that share their first 256 characters are still two dialogs.
/// </summary>
public static class IndexedText
{
    /// <summary>Characters of a value the indexes hold.</summary>
    public const int PrefixLength = 256;

    /// <summary>Columns indexed by their prefix: message tables (call_id, correlation_id, from_user, to_user) and dialogs (the same and ruri_user, correlation_group).</summary>
    public static readonly IReadOnlySet<string> Columns = new HashSet<string>(StringComparer.Ordinal)
    {
        "call_id", "correlation_id", "from_user", "to_user", "ruri_user", "correlation_group",
    };

    /// <summary>The index expression of a column: <c>left(column, 256)</c>.</summary>
    public static string Of(string column) => $"left({column}, {PrefixLength})";

    /// <summary>
    /// The dialogs' unique key over call_id: its prefix, and a SHA-256 of its UTF-8 bytes when the value is longer than
    /// that (decode(…, 'escape') with backslashes doubled is the immutable way from text to its bytes; textsend is not).
    /// </summary>
    public static readonly string DialogKey =
        $"""({Of("call_id")}), (CASE WHEN length(call_id) > {PrefixLength} THEN sha256(decode(replace(call_id, '\', '\\'), 'escape')) ELSE ''::bytea END)""";

    /// <summary><c>column = parameter</c> in a form the prefix index answers.</summary>
    public static string EqualsSql(string column, string parameter) =>
        $"({Of(column)} = left({parameter}, {PrefixLength}) AND {column} = {parameter})";

    /// <summary>
    /// <c>column = ANY(values)</c> in a form the prefix index answers; <paramref name="prefixes"/> is a parameter holding
    /// <see cref="Prefixes"/> of the values.
    /// </summary>
    public static string AnySql(string column, string values, string prefixes) =>
        $"({Of(column)} = ANY({prefixes}) AND {column} = ANY({values}))";

    /// <summary>What PostgreSQL's <c>left(value, 256)</c> gives: the first 256 characters (code points, not UTF-16 units).</summary>
    public static string Prefix(string value)
    {
        if (value.Length <= PrefixLength)
            return value;
        var units = 0;
        var points = 0;
        while (units < value.Length && points < PrefixLength)
        {
            units += char.IsHighSurrogate(value[units]) && units + 1 < value.Length && char.IsLowSurrogate(value[units + 1]) ? 2 : 1;
            points++;
        }
        return value[..units];
    }

    public static string[] Prefixes(IEnumerable<string> values) => values.Select(Prefix).Distinct(StringComparer.Ordinal).ToArray();
}
