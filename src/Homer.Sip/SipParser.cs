using System.Text;
using static Homer.Sip.SipSyntax;

namespace Homer.Sip;

/// <summary>
/// Parses a SIP request or response in one pass over the header lines, locating the fields we index. Never throws:
/// structural garbage is a <see cref="SipParseError"/>, anything short of that is parsed and described by
/// <see cref="SipFlags"/>.
/// </summary>
public static class SipParser
{
    private enum Header : byte
    {
        Other,
        OtherCompact,
        CallId,
        From,
        To,
        Via,
        Contact,
        CSeq,
        ContentLength,
        ContentType,
        UserAgent,
        Server,
        PAssertedIdentity,
        Diversion,
        Reason,
        Expires,
        Authorization,
        MaxForwards,
        Event,
        XCid,
        RtpStat,
    }

    // Bits of the "seen" mask for headers that may appear only once.
    private const int SeenCallId = 1, SeenFrom = 2, SeenTo = 4, SeenCSeq = 8, SeenContentLength = 16, SeenMaxForwards = 32;

    public static bool TryParse(ReadOnlySpan<byte> data, out SipMessage message, out SipParseError error) =>
        TryParse(data, SipParserOptions.Default, out message, out error);

    public static bool TryParse(ReadOnlySpan<byte> data, SipParserOptions options, out SipMessage message,
        out SipParseError error)
    {
        ArgumentNullException.ThrowIfNull(options);
        message = default;
        message.ContentLength = -1;
        message.MaxForwards = -1;
        message.Expires = -1;
        message.CorrelationSource = -1;
        if (data.IsEmpty)
        {
            error = SipParseError.Empty;
            return false;
        }

        // Keep-alive CRLFs before a message are allowed over streams (RFC 5626); skip them.
        var pos = 0;
        while (pos < data.Length && data[pos] is (byte)'\r' or (byte)'\n')
            pos++;
        if (pos > 0)
            message.Flags |= SipFlags.LeadingLineFeeds;
        if (pos == data.Length)
        {
            error = SipParseError.Empty;
            return false;
        }

        var lf = data[pos..].IndexOf((byte)'\n');
        var lineEnd = lf < 0 ? data.Length : pos + lf;
        var contentEnd = lineEnd > pos && data[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
        if (lf >= 0 && contentEnd == lineEnd)
            message.Flags |= SipFlags.BareLineFeeds;
        error = ParseStartLine(data, pos, contentEnd, ref message);
        if (error != SipParseError.None)
            return false;

        pos = lf < 0 ? data.Length : lineEnd + 1;
        var headersStart = pos;
        var seen = 0;
        int nameStart = -1, colon = -1, valueEnd = -1;
        int bodyStart;
        while (true)
        {
            if (pos >= data.Length)
            {
                message.Flags |= SipFlags.NoHeaderTerminator;
                bodyStart = data.Length;
                break;
            }

            lf = data[pos..].IndexOf((byte)'\n');
            lineEnd = lf < 0 ? data.Length : pos + lf;
            contentEnd = lineEnd > pos && data[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            if (lf >= 0 && contentEnd == lineEnd)
                message.Flags |= SipFlags.BareLineFeeds;
            var next = lf < 0 ? data.Length : lineEnd + 1;
            if (contentEnd == pos)
            {
                bodyStart = next;
                break;
            }

            if (data[pos] is (byte)' ' or (byte)'\t')
            {
                if (nameStart < 0)
                {
                    error = SipParseError.BadHeaderLine;
                    return false;
                }

                valueEnd = contentEnd;
                message.Flags |= SipFlags.FoldedLines;
            }
            else
            {
                if (nameStart >= 0 && !ProcessHeader(data, nameStart, colon, valueEnd, options, ref message, ref seen))
                {
                    error = SipParseError.BadHeaderLine;
                    return false;
                }

                var c = data[pos..contentEnd].IndexOf((byte)':');
                if (c < 0)
                {
                    error = SipParseError.BadHeaderLine;
                    return false;
                }

                nameStart = pos;
                colon = pos + c;
                valueEnd = contentEnd;
            }

            pos = next;
        }

        if (nameStart >= 0 && !ProcessHeader(data, nameStart, colon, valueEnd, options, ref message, ref seen))
        {
            error = SipParseError.BadHeaderLine;
            return false;
        }

        var headersEnd = Math.Max(headersStart, Math.Min(bodyStart, data.Length));
        message.Headers = new SipSlice(headersStart, headersEnd - headersStart);
        message.Body = new SipSlice(bodyStart, data.Length - bodyStart);
        FinishBody(data, ref message);
        Validate(data, ref message);
        return true;
    }

    private static SipParseError ParseStartLine(ReadOnlySpan<byte> d, int start, int end, ref SipMessage m)
    {
        m.StartLine = new SipSlice(start, end - start);
        var line = d[start..end];
        if (line.Length >= 4 && Ascii.EqualsIgnoreCase(line[..4], "SIP/"u8))
        {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            var sp = line.IndexOf((byte)' ');
            if (sp < 0)
                return SipParseError.BadStartLine;
            if (!Ascii.EqualsIgnoreCase(line[..sp], "SIP/2.0"u8))
                return SipParseError.UnsupportedVersion;
            var code = line[(sp + 1)..];
            if (code.Length < 3 || !IsDigit(code[0]) || !IsDigit(code[1]) || !IsDigit(code[2])
                || (code.Length > 3 && code[3] != ' '))
                return SipParseError.BadStatusCode;
            var status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
            if (status is < 100 or > 699)
                return SipParseError.BadStatusCode;
            m.IsRequest = false;
            m.StatusCode = status;
            var reasonStart = start + sp + 1 + Math.Min(4, code.Length);
            m.ReasonPhrase = new SipSlice(reasonStart, end - reasonStart);
            return SipParseError.None;
        }

        // Request-Line = Method SP Request-URI SP SIP-Version, single spaces (RFC 4475 3.1.2.x reject extra LWS).
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0 || !IsToken(line[..sp1]))
            return SipParseError.BadStartLine;
        var rest = line[(sp1 + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0)
            return SipParseError.BadStartLine;
        var version = rest[(sp2 + 1)..];
        if (!Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8))
        {
            return version.Length > 4 && Ascii.EqualsIgnoreCase(version[..4], "SIP/"u8) && version.IndexOf((byte)' ') < 0
                ? SipParseError.UnsupportedVersion
                : SipParseError.BadStartLine;
        }

        m.IsRequest = true;
        m.Method = new SipSlice(start, sp1);
        m.MethodKind = SipFieldParser.ClassifyMethod(line[..sp1]);
        var uriStart = start + sp1 + 1;
        // A Request-URI may not carry headers (RFC 3261 19.1.1 table); RFC 4475 "escruri" tests exactly this.
        if (!SipFieldParser.TryParseUri(d, uriStart, uriStart + sp2, out m.RequestUri) || !m.RequestUri.Headers.IsEmpty)
            m.Flags |= SipFlags.BadRequestUri;
        return SipParseError.None;
    }

    private static bool ProcessHeader(ReadOnlySpan<byte> d, int nameStart, int colon, int valueEnd, SipParserOptions options,
        ref SipMessage m, ref int seen)
    {
        // HCOLON allows whitespace between the name and the colon.
        var nameEnd = colon;
        while (nameEnd > nameStart && d[nameEnd - 1] is (byte)' ' or (byte)'\t')
            nameEnd--;
        var name = d[nameStart..nameEnd];
        if (!IsToken(name))
            return false;

        m.HeaderCount++;
        var value = Trimmed(d, colon + 1, valueEnd);
        if (name.Length == 1)
            m.Flags |= SipFlags.CompactForms;
        var kind = Classify(name);
        if (kind is Header.Other or Header.XCid && options.Count > 0)
            MatchCorrelation(d, name, value, options, ref m);

        switch (kind)
        {
            case Header.CallId:
                if (Once(ref seen, SeenCallId))
                    m.CallId = value;
                else if (!value.Of(d).SequenceEqual(m.CallId.Of(d)))
                    m.Flags |= SipFlags.DuplicateSingleHeader;
                break;
            case Header.From:
                if (Once(ref seen, SeenFrom))
                {
                    if (!SipFieldParser.TryParseNameAddr(d, value.Offset, value.End, out m.From))
                        m.Flags |= SipFlags.BadFrom;
                }
                else
                {
                    m.Flags |= SipFlags.DuplicateSingleHeader;
                }

                break;
            case Header.To:
                if (Once(ref seen, SeenTo))
                {
                    if (!SipFieldParser.TryParseNameAddr(d, value.Offset, value.End, out m.To))
                        m.Flags |= SipFlags.BadTo;
                }
                else
                {
                    m.Flags |= SipFlags.DuplicateSingleHeader;
                }

                break;
            case Header.Via:
                if (m.ViaCount == 0)
                {
                    var first = TopLevelComma(d, value.Offset, value.End);
                    if (!SipFieldParser.TryParseVia(d, value.Offset, first, out m.Via))
                        m.Flags |= SipFlags.BadVia;
                }

                if (!CountViaElements(d, value, ref m.ViaCount))
                    m.Flags |= SipFlags.BadVia;
                break;
            case Header.Contact:
                if (m.Contact.IsEmpty && !m.ContactStar)
                {
                    if (value.Length == 1 && d[value.Offset] == '*')
                    {
                        m.ContactStar = true;
                    }
                    else
                    {
                        var first = TopLevelComma(d, value.Offset, value.End);
                        if (!SipFieldParser.TryParseNameAddr(d, value.Offset, first, out m.Contact))
                            m.Flags |= SipFlags.BadContact;
                    }
                }

                break;
            case Header.CSeq:
                if (Once(ref seen, SeenCSeq))
                    ParseCSeq(d, value, ref m);
                else
                    m.Flags |= SipFlags.DuplicateSingleHeader;
                break;
            case Header.ContentLength:
            {
                var ok = TryParseInt(value.Of(d), out var length);
                if (Once(ref seen, SeenContentLength))
                {
                    m.ContentLength = ok ? length : -1;
                    if (!ok)
                        m.Flags |= SipFlags.ContentLengthInvalid;
                }
                else if (!ok || length != m.ContentLength)
                {
                    m.Flags |= SipFlags.DuplicateSingleHeader | SipFlags.ContentLengthInvalid;
                }

                break;
            }

            case Header.ContentType:
                if (m.ContentType.IsEmpty)
                    m.ContentType = value;
                break;
            case Header.UserAgent:
                if (m.UserAgent.IsEmpty)
                    m.UserAgent = value;
                break;
            case Header.Server:
                if (m.Server.IsEmpty)
                    m.Server = value;
                break;
            case Header.PAssertedIdentity:
                if (m.PAssertedIdentity.IsEmpty)
                    SipFieldParser.TryParseNameAddr(d, value.Offset, TopLevelComma(d, value.Offset, value.End), out m.PAssertedIdentity);
                break;
            case Header.Diversion:
                if (m.Diversion.IsEmpty)
                    SipFieldParser.TryParseNameAddr(d, value.Offset, TopLevelComma(d, value.Offset, value.End), out m.Diversion);
                break;
            case Header.Reason:
                if (m.Reason.IsEmpty)
                    SipFieldParser.TryParseReason(d, value.Offset, TopLevelComma(d, value.Offset, value.End), out m.Reason);
                break;
            case Header.Expires:
                if (m.Expires < 0)
                {
                    if (TryParseInt(value.Of(d), out var expires))
                        m.Expires = expires;
                    else
                        m.Flags |= SipFlags.BadExpires;
                }

                break;
            case Header.Authorization:
                if (m.AuthorizationUser.IsEmpty)
                {
                    // "Digest username=..., realm=...": skip the scheme, then comma-separated parameters.
                    var i = value.Offset;
                    while (i < value.End && !IsLws(d[i]))
                        i++;
                    if (TryFindParameter(d, i, value.End, "username"u8, (byte)',', out var user))
                        m.AuthorizationUser = user;
                }

                break;
            case Header.MaxForwards:
                if (Once(ref seen, SeenMaxForwards))
                {
                    if (TryParseNumber(value.Of(d), 255, out var hops))
                        m.MaxForwards = (int)hops;
                    else
                        m.Flags |= SipFlags.BadMaxForwards;
                }
                else
                {
                    m.Flags |= SipFlags.DuplicateSingleHeader;
                }

                break;
            case Header.Event:
                if (m.Event.IsEmpty)
                    m.Event = value;
                break;
            case Header.XCid:
                if (m.XCid.IsEmpty)
                    m.XCid = value;
                break;
            case Header.RtpStat:
                if (m.RtpStat.IsEmpty)
                    m.RtpStat = value;
                break;
        }

        return true;
    }

    /// <summary>Counts Via values and checks each cheaply (only the top one is parsed): each must start "token /".</summary>
    private static bool CountViaElements(ReadOnlySpan<byte> d, SipSlice value, ref int count)
    {
        var valid = true;
        var start = value.Offset;
        while (start < value.End)
        {
            var comma = TopLevelComma(d, start, value.End);
            var i = SkipLws(d, start, comma);
            var tokenStart = i;
            while (i < comma && IsTokenChar(d[i]))
                i++;
            i = SkipLws(d, i, comma);
            if (i == tokenStart || i >= comma || d[i] != '/')
                valid = false;
            if (comma > tokenStart)
                count++;
            start = comma + 1;
        }

        return valid;
    }

    private static bool Once(ref int seen, int bit)
    {
        if ((seen & bit) != 0)
            return false;
        seen |= bit;
        return true;
    }

    private static void MatchCorrelation(ReadOnlySpan<byte> d, ReadOnlySpan<byte> name, SipSlice value,
        SipParserOptions options, ref SipMessage m)
    {
        var limit = m.CorrelationSource < 0 ? options.Count : m.CorrelationSource;
        for (var i = 0; i < limit; i++)
        {
            if (!Ascii.EqualsIgnoreCase(name, options.Name(i)))
                continue;
            SipSlice found;
            if (options.HasParameter(i))
            {
                if (!TryFindParameter(d, value.Offset, value.End, options.Parameter(i), (byte)';', out found))
                    continue;
            }
            else
            {
                // Session-ID and friends carry ";remote=..." style parameters after the identifier.
                var semi = IndexOf(d, value.Offset, value.End, (byte)';');
                found = semi < 0 ? value : Trimmed(d, value.Offset, semi);
            }

            if (found.IsEmpty)
                continue;
            m.CorrelationId = found;
            m.CorrelationSource = i;
            return;
        }
    }

    private static void ParseCSeq(ReadOnlySpan<byte> d, SipSlice value, ref SipMessage m)
    {
        var i = value.Offset;
        var end = value.End;
        var numberStart = i;
        while (i < end && IsDigit(d[i]))
            i++;
        // RFC 3261 8.1.1.5: the sequence number must be below 2**31.
        var okNumber = TryParseNumber(d[numberStart..i], int.MaxValue, out var number);
        var methodStart = SkipLws(d, i, end);
        var methodEnd = methodStart;
        while (methodEnd < end && IsTokenChar(d[methodEnd]))
            methodEnd++;
        if (!okNumber || methodStart == i || methodEnd == methodStart || methodEnd != end)
            m.Flags |= SipFlags.BadCSeq;
        if (okNumber)
            m.CSeqNumber = (uint)number;
        if (methodEnd > methodStart)
        {
            m.CSeqMethod = new SipSlice(methodStart, methodEnd - methodStart);
            m.CSeqMethodKind = SipFieldParser.ClassifyMethod(d[methodStart..methodEnd]);
        }
    }

    private static void FinishBody(ReadOnlySpan<byte> d, ref SipMessage m)
    {
        var bodyLength = m.Body.Length;
        if (m.ContentLength < 0)
        {
            if (bodyLength > 0 && (m.Flags & SipFlags.ContentLengthInvalid) == 0)
                m.Flags |= SipFlags.ContentLengthMissing;
        }
        else if (m.ContentLength != bodyLength)
        {
            m.Flags |= SipFlags.ContentLengthMismatch;
        }

        if (bodyLength == 0 || m.ContentType.IsEmpty)
            return;
        var type = m.ContentType.Of(d);
        if (StartsWithIgnoreCase(type, "application/sdp"u8))
        {
            m.Sdp = m.Body;
        }
        else if (StartsWithIgnoreCase(type, "multipart/"u8))
        {
            m.Flags |= SipFlags.MultipartBody;
            var semi = type.IndexOf((byte)';');
            if (semi >= 0
                && TryFindParameter(d, m.ContentType.Offset + semi, m.ContentType.End, "boundary"u8, (byte)';', out var boundary)
                && SipMultipart.TryFindPart(d, m.Body, boundary, "application/sdp"u8, out var part))
                m.Sdp = part;
        }
    }

    private static void Validate(ReadOnlySpan<byte> d, ref SipMessage m)
    {
        if (m.CallId.IsEmpty)
            m.Flags |= SipFlags.MissingCallId;
        if (m.CSeqMethod.IsEmpty)
            m.Flags |= SipFlags.MissingCSeq;
        if (m.From.IsEmpty)
            m.Flags |= SipFlags.MissingFrom;
        if (m.To.IsEmpty)
            m.Flags |= SipFlags.MissingTo;
        if (m.ViaCount == 0)
            m.Flags |= SipFlags.MissingVia;
        if (m.IsRequest && !m.CSeqMethod.IsEmpty && !m.CSeqMethod.Of(d).SequenceEqual(m.Method.Of(d)))
            m.Flags |= SipFlags.CSeqMethodMismatch;
    }

    internal static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> prefix) =>
        s.Length >= prefix.Length && Ascii.EqualsIgnoreCase(s[..prefix.Length], prefix);

    private static Header Classify(ReadOnlySpan<byte> n)
    {
        switch (n.Length)
        {
            case 1:
                return (n[0] | 0x20) switch
                {
                    'i' => Header.CallId,
                    'f' => Header.From,
                    't' => Header.To,
                    'v' => Header.Via,
                    'm' => Header.Contact,
                    'l' => Header.ContentLength,
                    'c' => Header.ContentType,
                    'o' => Header.Event,
                    _ => Header.OtherCompact,
                };
            case 2:
                return Ascii.EqualsIgnoreCase(n, "To"u8) ? Header.To : Header.Other;
            case 3:
                return Ascii.EqualsIgnoreCase(n, "Via"u8) ? Header.Via : Header.Other;
            case 4:
                return Ascii.EqualsIgnoreCase(n, "From"u8) ? Header.From
                    : Ascii.EqualsIgnoreCase(n, "CSeq"u8) ? Header.CSeq
                    : Header.Other;
            case 5:
                return Ascii.EqualsIgnoreCase(n, "X-CID"u8) ? Header.XCid
                    : Ascii.EqualsIgnoreCase(n, "Event"u8) ? Header.Event
                    : Header.Other;
            case 6:
                return Ascii.EqualsIgnoreCase(n, "Server"u8) ? Header.Server
                    : Ascii.EqualsIgnoreCase(n, "Reason"u8) ? Header.Reason
                    : Header.Other;
            case 7:
                return Ascii.EqualsIgnoreCase(n, "Call-ID"u8) ? Header.CallId
                    : Ascii.EqualsIgnoreCase(n, "Contact"u8) ? Header.Contact
                    : Ascii.EqualsIgnoreCase(n, "Expires"u8) ? Header.Expires
                    : Header.Other;
            case 9:
                return Ascii.EqualsIgnoreCase(n, "Diversion"u8) ? Header.Diversion : Header.Other;
            case 10:
                return Ascii.EqualsIgnoreCase(n, "User-Agent"u8) ? Header.UserAgent
                    : Ascii.EqualsIgnoreCase(n, "X-RTP-Stat"u8) || Ascii.EqualsIgnoreCase(n, "P-RTP-Stat"u8) ? Header.RtpStat
                    : Header.Other;
            case 12:
                return Ascii.EqualsIgnoreCase(n, "Content-Type"u8) ? Header.ContentType
                    : Ascii.EqualsIgnoreCase(n, "Max-Forwards"u8) ? Header.MaxForwards
                    : Header.Other;
            case 13:
                return Ascii.EqualsIgnoreCase(n, "Authorization"u8) ? Header.Authorization : Header.Other;
            case 14:
                return Ascii.EqualsIgnoreCase(n, "Content-Length"u8) ? Header.ContentLength : Header.Other;
            case 19:
                return Ascii.EqualsIgnoreCase(n, "P-Asserted-Identity"u8) ? Header.PAssertedIdentity
                    : Ascii.EqualsIgnoreCase(n, "Proxy-Authorization"u8) ? Header.Authorization
                    : Header.Other;
            default:
                return Header.Other;
        }
    }
}
