namespace Homer.Sip.Tests;

/// <summary>RFC 4475-style torture messages (Fixtures/torture, written for this project by make-torture.py).</summary>
public class TortureTests
{
    private const SipFlags Bad = SipFlags.BadRequestUri | SipFlags.BadFrom | SipFlags.BadTo | SipFlags.BadVia
        | SipFlags.BadContact | SipFlags.BadCSeq | SipFlags.BadMaxForwards | SipFlags.BadExpires | SipFlags.ContentLengthInvalid
        | SipFlags.ContentLengthMismatch | SipFlags.DuplicateSingleHeader | SipFlags.CSeqMethodMismatch | SipFlags.MissingCallId
        | SipFlags.MissingCSeq | SipFlags.MissingFrom | SipFlags.MissingTo | SipFlags.MissingVia;

    private static byte[] Load(string name) => Fixture.Bytes(Path.Combine("torture", name));

    public static TheoryData<string> ValidFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "torture"), "valid-*.sip"))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Valid_torture_messages_parse_without_problem_flags(string name)
    {
        var d = Load(name);

        Assert.True(SipParser.TryParse(d, out var m, out var error), $"{name}: {error}");

        Assert.Equal(SipFlags.None, m.Flags & Bad);
        Assert.False(m.CallId.IsEmpty);
    }

    [Theory]
    [InlineData("invalid-lwsstart.sip", SipParseError.BadStartLine)]
    [InlineData("invalid-trws.sip", SipParseError.BadStartLine)]
    [InlineData("invalid-lwsruri.sip", SipParseError.BadStartLine)]
    [InlineData("invalid-badvers.sip", SipParseError.UnsupportedVersion)]
    [InlineData("invalid-bigcode.sip", SipParseError.BadStatusCode)]
    [InlineData("invalid-binary.sip", SipParseError.BadStartLine)]
    [InlineData("invalid-http.sip", SipParseError.BadStartLine)]
    public void Invalid_torture_messages_that_are_rejected(string name, SipParseError expected)
    {
        Assert.False(SipParser.TryParse(Load(name), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("invalid-ltgtruri.sip", SipFlags.BadRequestUri)]
    [InlineData("invalid-escruri.sip", SipFlags.BadRequestUri)]
    [InlineData("invalid-clerr.sip", SipFlags.ContentLengthMismatch)]
    [InlineData("invalid-ncl.sip", SipFlags.ContentLengthInvalid)]
    [InlineData("invalid-mcl01.sip", SipFlags.DuplicateSingleHeader | SipFlags.ContentLengthInvalid)]
    [InlineData("invalid-scalar02.sip", SipFlags.BadCSeq | SipFlags.BadMaxForwards | SipFlags.BadExpires)]
    [InlineData("invalid-quotbal.sip", SipFlags.BadTo)]
    [InlineData("invalid-insuf.sip", SipFlags.MissingCallId | SipFlags.MissingFrom | SipFlags.MissingTo)]
    [InlineData("invalid-multi01.sip", SipFlags.DuplicateSingleHeader)]
    [InlineData("invalid-mismatch01.sip", SipFlags.CSeqMethodMismatch)]
    [InlineData("invalid-badaspec.sip", SipFlags.BadTo)]
    [InlineData("invalid-baddn.sip", SipFlags.BadFrom | SipFlags.BadTo)]
    [InlineData("invalid-regbadct.sip", SipFlags.BadContact)]
    [InlineData("invalid-badinv01.sip", SipFlags.BadVia | SipFlags.BadContact)]
    public void Invalid_torture_messages_that_are_flagged(string name, SipFlags expected)
    {
        var d = Load(name);

        Assert.True(SipParser.TryParse(d, out var m, out var error), error.ToString());

        Assert.Equal(expected, m.Flags & expected);
    }

    [Fact]
    public void Whitespace_torture_fields()
    {
        var d = Load("valid-wsinv.sip");
        Assert.True(SipParser.TryParse(d, out var m, out _));
        Assert.True(m.Has(SipFlags.FoldedLines));
        Assert.True(m.Has(SipFlags.CompactForms));
        Assert.Equal("1918181833n", m.To.Tag.ToString(d));
        Assert.Equal("vivekg", m.To.Uri.User.ToString(d));
        Assert.Equal("98asjd8", m.From.Tag.ToString(d));
        Assert.Equal("J Rosenberg \\\\\\\"", m.From.Display.ToString(d));
        Assert.Equal(9u, m.CSeqNumber);
        Assert.Equal("INVITE", m.CSeqMethod.ToString(d));
        Assert.Equal(68, m.MaxForwards);
        Assert.Equal("UDP", m.Via.Transport.ToString(d));
        Assert.Equal("192.0.2.2", m.Via.Host.ToString(d));
        Assert.Equal("390skdjuw", m.Via.Branch.ToString(d));
        Assert.True(m.Via.HasRPort);
        Assert.Equal(3, m.ViaCount);
        Assert.Equal("jdrosen", m.Contact.Uri.User.ToString(d));
        Assert.Equal(m.Body, m.Sdp);
        Assert.Equal(m.ContentLength, m.Body.Length);
    }

    [Fact]
    public void Unusual_characters_torture_fields()
    {
        var d = Load("valid-intmeth.sip");
        Assert.True(SipParser.TryParse(d, out var m, out _));
        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", m.Method.ToString(d));
        Assert.Equal(SipMethod.Unknown, m.MethodKind);
        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", m.RequestUri.User.ToString(d));
        Assert.Equal("example.com", m.RequestUri.Host.ToString(d));
        Assert.Equal("_token~1'+`*%!-.", m.From.Tag.ToString(d));
        Assert.Equal("token1~` token2'+_ token3*%!.-", m.From.Display.ToString(d));
        Assert.Equal("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", m.CallId.ToString(d));
    }

    [Fact]
    public void Multipart_torture_finds_the_sdp_part()
    {
        var d = Load("valid-mpart01.sip");
        Assert.True(SipParser.TryParse(d, out var m, out _));
        Assert.True(m.Has(SipFlags.MultipartBody));
        var sdp = m.Sdp.ToString(d);
        Assert.StartsWith("v=0\r\n", sdp);
        Assert.EndsWith("a=rtpmap:0 PCMU/8000\r\n", sdp);
    }

    [Fact]
    public void Tel_and_sips_uris()
    {
        var d = Load("valid-tel.sip");
        Assert.True(SipParser.TryParse(d, out var m, out _));
        Assert.Equal(SipUriScheme.Tel, m.RequestUri.Kind);
        Assert.Equal("+1-201-555-0123", m.RequestUri.User.ToString(d));
        Assert.Equal("phone-context=example.com", m.RequestUri.Parameters.ToString(d));
        Assert.True(m.RequestUri.Host.IsEmpty);
        Assert.Equal(SipUriScheme.Sips, m.From.Uri.Kind);
        Assert.Equal(SipUriScheme.Tel, m.To.Uri.Kind);
        Assert.Equal("TLS", m.Via.Transport.ToString(d));
        Assert.Equal(5061, m.Via.Port);
    }

    [Fact]
    public void Unknown_schemes_are_kept_raw()
    {
        var d = Load("valid-unksm2.sip");
        Assert.True(SipParser.TryParse(d, out var m, out _));
        Assert.Equal(SipUriScheme.Other, m.To.Uri.Kind);
        Assert.Equal("isbn:2983792873", m.To.Uri.Raw.ToString(d));
        Assert.Equal("http", m.From.Uri.Scheme.ToString(d));
    }
}
