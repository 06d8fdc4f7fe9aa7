using System.Text;
using Npgsql;

namespace Homer.Storage.Tests;

public sealed class StorableTextTests
{
    [Fact]
    public void Nul_becomes_the_symbol_for_null_and_invalid_utf8_the_replacement_character()
    {
        Assert.Equal("a\u2400b", StorableText.FromUtf8("a\0b"u8));
        // A lone continuation byte, a truncated 3-byte sequence, an overlong NUL (C0 80): each maximal subpart is one U+FFFD.
        Assert.Equal("x\uFFFDy", StorableText.FromUtf8([(byte)'x', 0x80, (byte)'y']));
        Assert.Equal("x\uFFFDy", StorableText.FromUtf8([(byte)'x', 0xE2, 0x82, (byte)'y']));
        Assert.Equal("\uFFFD\uFFFD", StorableText.FromUtf8([0xC0, 0x80]));
        Assert.Equal("caf\u00e9 \U0001F600", StorableText.FromUtf8(Encoding.UTF8.GetBytes("caf\u00e9 \U0001F600")));
        Assert.Equal("", StorableText.FromUtf8([]));
        Assert.Null(StorableText.FromUtf8OrNull([]));
    }

    [Fact]
    public void Clean_follows_the_same_rule_and_keeps_clean_strings_as_they_are()
    {
        const string clean = "alice \U0001F600 \u00e9";
        Assert.Same(clean, StorableText.Clean(clean));
        Assert.True(StorableText.IsClean(clean));
        Assert.Equal("a\u2400b\u2400", StorableText.Clean("a\0b\0"));
        Assert.Equal("a\uFFFDb\uFFFD", StorableText.Clean("a\uD800b\uDC00"));
        Assert.Equal("\U0001F600\uFFFD", StorableText.Clean("\U0001F600\uD83D"));
        Assert.False(StorableText.IsClean("x\0"));
        Assert.Null(StorableText.Clean(null));
    }

    [Fact]
    public void A_nul_escape_in_json_becomes_the_symbol_for_null_but_an_escaped_backslash_stays()
    {
        var json = Encoding.UTF8.GetBytes("""{"a":"x\u0000y","b":"\\u0000","c":"\"\u0000"}""");
        Assert.Equal("""{"a":"x\u2400y","b":"\\u0000","c":"\"\u2400"}""", Encoding.UTF8.GetString(PgBinaryCopyWriter.EscapeJsonNul(json)));
    }

    [Fact]
    public void The_index_prefix_counts_code_points_as_postgresql_left_does()
    {
        var ascii = new string('a', 300);
        Assert.Equal(new string('a', 256), IndexedText.Prefix(ascii));
        Assert.Equal("short", IndexedText.Prefix("short"));
        var astral = string.Concat(Enumerable.Repeat("\U0001F600", 300));
        Assert.Equal(512, IndexedText.Prefix(astral).Length);
        Assert.Equal(["ab", new string('a', 256)], IndexedText.Prefixes(["ab", ascii, ascii + "b"]));
    }

    [Fact]
    public async Task The_index_prefix_is_what_postgresql_left_gives_for_any_text()
    {
        await using var db = await StoreDatabase.CreateAsync();
        string[] values = [new string('a', 300), string.Concat(Enumerable.Repeat("\U0001F600\u00e9x", 120)), "\u2400" + new string('z', 400), "short"];
        await using var cmd = db.DataSource.CreateCommand("SELECT left(v, 256) FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i");
        cmd.Parameters.Add(new NpgsqlParameter { Value = values });
        var fromServer = new List<string>();
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
                fromServer.Add(r.GetString(0));
        Assert.Equal(values.Select(IndexedText.Prefix), fromServer);
    }
}
