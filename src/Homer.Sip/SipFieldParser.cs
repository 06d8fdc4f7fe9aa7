using System.Text;
using static Homer.Sip.SipSyntax;

namespace Homer.Sip;

/// <summary>Parsers for the structured header values we index: URIs, name-addr, Via, CSeq, Reason.</summary>
public static class SipFieldParser
{
    /// <summary>Parses a URI occupying <paramref name="uri"/> of <paramref name="data"/>.</summary>
    public static bool TryParseUri(ReadOnlySpan<byte> data, SipSlice uri, out SipUri result) =>
        TryParseUri(data, uri.Offset, uri.End, out result);

    internal static bool TryParseUri(ReadOnlySpan<byte> d, int start, int end, out SipUri u)
    {
        u = default;
        u.Raw = new SipSlice(start, end - start);
        var colon = IndexOf(d, start, end, (byte)':');
        if (colon <= start || !IsAlpha(d[start]))
            return false;
        for (var i = start + 1; i < colon; i++)
        {
            var c = d[i];
            if (!(IsAlpha(c) || IsDigit(c) || c is (byte)'+' or (byte)'-' or (byte)'.'))
                return false;
        }

        var scheme = d[start..colon];
        u.Scheme = new SipSlice(start, colon - start);
        u.Kind = Ascii.EqualsIgnoreCase(scheme, "sip"u8) ? SipUriScheme.Sip
            : Ascii.EqualsIgnoreCase(scheme, "sips"u8) ? SipUriScheme.Sips
            : Ascii.EqualsIgnoreCase(scheme, "tel"u8) ? SipUriScheme.Tel
            : SipUriScheme.Other;
        var p = colon + 1;
        switch (u.Kind)
        {
            case SipUriScheme.Tel:
            {
                var semi = IndexOf(d, p, end, (byte)';');
                var numberEnd = semi < 0 ? end : semi;
                if (numberEnd == p || ContainsLws(d, p, end))
                    return false;
                u.User = new SipSlice(p, numberEnd - p);
                if (semi >= 0)
                    u.Parameters = new SipSlice(semi + 1, end - semi - 1);
                return true;
            }

            case SipUriScheme.Other:
                // Unknown schemes are legal (RFC 4475 "unknown scheme" cases): kept raw, nothing to index.
                return !ContainsLws(d, p, end);
        }

        if (ContainsLws(d, p, end))
            return false;
        // '@' is legal only as the userinfo delimiter ('?', ';' and ':' are legal inside the user part), so find it first.
        var at = IndexOf(d, p, end, (byte)'@');
        var question = IndexOf(d, at < 0 ? p : at, end, (byte)'?');
        var beforeHeaders = question < 0 ? end : question;
        var hostStart = p;
        if (at >= 0)
        {
            var passwordColon = IndexOf(d, p, at, (byte)':');
            var userEnd = passwordColon < 0 ? at : passwordColon;
            u.User = new SipSlice(p, userEnd - p);
            if (passwordColon >= 0)
                u.Password = new SipSlice(passwordColon + 1, at - passwordColon - 1);
            hostStart = at + 1;
        }

        var i2 = hostStart;
        if (i2 < beforeHeaders && d[i2] == '[')
        {
            var close = IndexOf(d, i2, beforeHeaders, (byte)']');
            if (close < 0)
                return false;
            u.Host = new SipSlice(i2 + 1, close - i2 - 1);
            i2 = close + 1;
        }
        else
        {
            while (i2 < beforeHeaders && d[i2] is not ((byte)':' or (byte)';'))
            {
                var c = d[i2];
                if (!(IsAlpha(c) || IsDigit(c) || c is (byte)'-' or (byte)'.' or (byte)'_'))
                    return false;
                i2++;
            }

            u.Host = new SipSlice(hostStart, i2 - hostStart);
        }

        if (u.Host.IsEmpty)
            return false;
        if (i2 < beforeHeaders && d[i2] == ':')
        {
            var portStart = ++i2;
            while (i2 < beforeHeaders && d[i2] != ';')
                i2++;
            if (!TryParseNumber(d[portStart..i2], 65535, out var port))
                return false;
            u.Port = (int)port;
        }

        if (i2 < beforeHeaders)
        {
            if (d[i2] != ';')
                return false;
            u.Parameters = new SipSlice(i2 + 1, beforeHeaders - i2 - 1);
        }

        if (question >= 0)
            u.Headers = new SipSlice(question + 1, end - question - 1);
        return true;
    }

    private static bool ContainsLws(ReadOnlySpan<byte> d, int start, int end) => SipSyntax.ContainsLws(d[start..end]);

    /// <summary>Parses one name-addr or addr-spec (From, To, Contact, P-Asserted-Identity, Diversion elements).</summary>
    public static bool TryParseNameAddr(ReadOnlySpan<byte> data, SipSlice value, out SipNameAddr result) =>
        TryParseNameAddr(data, value.Offset, value.End, out result);

    internal static bool TryParseNameAddr(ReadOnlySpan<byte> d, int start, int end, out SipNameAddr na)
    {
        na = default;
        start = SkipLws(d, start, end);
        end = TrimEnd(d, start, end);
        na.Raw = new SipSlice(start, end - start);
        if (start >= end)
            return false;

        var i = start;
        int uriStart, uriEnd, after;
        var lt = -1;
        if (d[i] == '"')
        {
            var close = QuotedEnd(d, i, end);
            if (close < 0)
                return false;
            na.Display = new SipSlice(i + 1, close - i - 1);
            i = SkipLws(d, close + 1, end);
            if (i >= end || d[i] != '<')
                return false;
            lt = i;
        }
        else
        {
            for (var j = i; j < end; j++)
            {
                var c = d[j];
                if (c == '<')
                {
                    lt = j;
                    break;
                }

                // A ';' or ':' before any '<' means an addr-spec (sip:...;tag=) rather than a display name.
                if (c is (byte)';' or (byte)':' or (byte)'"')
                    break;
            }

            if (lt > i)
            {
                na.Display = Trimmed(d, i, lt);
                // An unquoted display name is tokens and spaces only ("Bell, Alexander" must be quoted).
                for (var j = na.Display.Offset; j < na.Display.End; j++)
                {
                    if (!IsTokenChar(d[j]) && !IsLws(d[j]))
                        return false;
                }
            }
        }

        if (lt >= 0)
        {
            var gt = IndexOf(d, lt + 1, end, (byte)'>');
            if (gt < 0)
                return false;
            uriStart = lt + 1;
            uriEnd = gt;
            after = gt + 1;
        }
        else
        {
            // addr-spec: parameters after the URI are header parameters (RFC 3261 20.10), so the URI stops at ';'.
            uriStart = i;
            uriEnd = i;
            while (uriEnd < end && d[uriEnd] != ';' && !IsLws(d[uriEnd]))
                uriEnd++;
            after = uriEnd;
        }

        var ok = TryParseUri(d, uriStart, uriEnd, out na.Uri);
        // Without angle brackets a URI may not carry headers (RFC 3261 20.10): "sip:a@b?Route=..." is ambiguous.
        if (lt < 0 && !na.Uri.Headers.IsEmpty)
            ok = false;
        after = SkipLws(d, after, end);
        if (after < end)
        {
            if (d[after] != ';' || !ValidParameters(d, after, end))
                return false;
            na.Parameters = new SipSlice(after + 1, end - after - 1);
            if (TryFindParameter(d, after + 1, end, "tag"u8, (byte)';', out var tag))
                na.Tag = tag;
        }

        return ok;
    }

    /// <summary>Parses one Via value: "SIP/2.0/UDP host:port;branch=...;received=...;rport=...".</summary>
    public static bool TryParseVia(ReadOnlySpan<byte> data, SipSlice value, out SipVia result) =>
        TryParseVia(data, value.Offset, value.End, out result);

    internal static bool TryParseVia(ReadOnlySpan<byte> d, int start, int end, out SipVia via)
    {
        via = default;
        start = SkipLws(d, start, end);
        end = TrimEnd(d, start, end);
        via.Raw = new SipSlice(start, end - start);
        // sent-protocol = name LWS? "/" LWS? version LWS? "/" LWS? transport; RFC 4475 puts LWS around the slashes.
        var i = start;
        if (!ReadToken(d, ref i, end, out _))
            return false;
        if (!Expect(d, ref i, end, (byte)'/') || !ReadToken(d, ref i, end, out _) || !Expect(d, ref i, end, (byte)'/')
            || !ReadToken(d, ref i, end, out var transport))
            return false;
        via.Transport = transport;
        i = SkipLws(d, i, end);
        var hostStart = i;
        if (i < end && d[i] == '[')
        {
            var close = IndexOf(d, i, end, (byte)']');
            if (close < 0)
                return false;
            via.Host = new SipSlice(i + 1, close - i - 1);
            i = close + 1;
        }
        else
        {
            while (i < end && d[i] is not ((byte)':' or (byte)';') && !IsLws(d[i]))
                i++;
            via.Host = new SipSlice(hostStart, i - hostStart);
        }

        if (via.Host.IsEmpty)
            return false;
        i = SkipLws(d, i, end);
        if (i < end && d[i] == ':')
        {
            i = SkipLws(d, i + 1, end);
            var portStart = i;
            while (i < end && IsDigit(d[i]))
                i++;
            if (!TryParseNumber(d[portStart..i], 65535, out var port))
                return false;
            via.Port = (int)port;
            i = SkipLws(d, i, end);
        }

        if (i >= end)
            return true;
        if (d[i] != ';' || !ValidParameters(d, i, end))
            return false;
        via.Parameters = new SipSlice(i + 1, end - i - 1);
        var reader = new ParameterReader(d, i + 1, end, (byte)';');
        while (reader.Next(out var name, out var value))
        {
            var n = d.Slice(name.Offset, name.Length);
            if (Ascii.EqualsIgnoreCase(n, "branch"u8))
                via.Branch = value;
            else if (Ascii.EqualsIgnoreCase(n, "received"u8))
                via.Received = value;
            else if (Ascii.EqualsIgnoreCase(n, "rport"u8))
            {
                via.HasRPort = true;
                if (TryParseNumber(d.Slice(value.Offset, value.Length), 65535, out var rport))
                    via.RPort = (int)rport;
            }
        }

        return true;
    }

    /// <summary>Each ';' must be followed by a parameter name (";;" and a trailing ';' are malformed).</summary>
    private static bool ValidParameters(ReadOnlySpan<byte> d, int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            var c = d[i];
            if (c == '"')
            {
                var q = QuotedEnd(d, i, end);
                if (q < 0)
                    return false;
                i = q;
            }
            else if (c == ';')
            {
                var j = SkipLws(d, i + 1, end);
                if (j >= end || !IsTokenChar(d[j]))
                    return false;
            }
        }

        return true;
    }

    private static bool ReadToken(ReadOnlySpan<byte> d, ref int i, int end, out SipSlice token)
    {
        i = SkipLws(d, i, end);
        var s = i;
        while (i < end && IsTokenChar(d[i]))
            i++;
        token = new SipSlice(s, i - s);
        return i > s;
    }

    private static bool Expect(ReadOnlySpan<byte> d, ref int i, int end, byte c)
    {
        i = SkipLws(d, i, end);
        if (i >= end || d[i] != c)
            return false;
        i++;
        return true;
    }

    /// <summary>Parses a Reason value: protocol ;cause= ;text="".</summary>
    public static bool TryParseReason(ReadOnlySpan<byte> data, SipSlice value, out SipReason result) =>
        TryParseReason(data, value.Offset, value.End, out result);

    internal static bool TryParseReason(ReadOnlySpan<byte> d, int start, int end, out SipReason r)
    {
        r = default;
        r.Cause = -1;
        start = SkipLws(d, start, end);
        end = TrimEnd(d, start, end);
        r.Raw = new SipSlice(start, end - start);
        var i = start;
        if (!ReadToken(d, ref i, end, out var protocol))
            return false;
        r.Protocol = protocol;
        var reader = new ParameterReader(d, i, end, (byte)';');
        while (reader.Next(out var name, out var value))
        {
            var n = d.Slice(name.Offset, name.Length);
            if (Ascii.EqualsIgnoreCase(n, "cause"u8))
            {
                if (TryParseInt(d.Slice(value.Offset, value.Length), out var cause))
                    r.Cause = cause;
            }
            else if (Ascii.EqualsIgnoreCase(n, "text"u8))
            {
                r.Text = value;
            }
        }

        return true;
    }

    public static SipMethod ClassifyMethod(ReadOnlySpan<byte> m) => m.Length switch
    {
        3 when m.SequenceEqual("ACK"u8) => SipMethod.Ack,
        3 when m.SequenceEqual("BYE"u8) => SipMethod.Bye,
        4 when m.SequenceEqual("INFO"u8) => SipMethod.Info,
        5 when m.SequenceEqual("PRACK"u8) => SipMethod.Prack,
        5 when m.SequenceEqual("REFER"u8) => SipMethod.Refer,
        6 when m.SequenceEqual("INVITE"u8) => SipMethod.Invite,
        6 when m.SequenceEqual("CANCEL"u8) => SipMethod.Cancel,
        6 when m.SequenceEqual("UPDATE"u8) => SipMethod.Update,
        6 when m.SequenceEqual("NOTIFY"u8) => SipMethod.Notify,
        7 when m.SequenceEqual("OPTIONS"u8) => SipMethod.Options,
        7 when m.SequenceEqual("MESSAGE"u8) => SipMethod.Message,
        7 when m.SequenceEqual("PUBLISH"u8) => SipMethod.Publish,
        8 when m.SequenceEqual("REGISTER"u8) => SipMethod.Register,
        9 when m.SequenceEqual("SUBSCRIBE"u8) => SipMethod.Subscribe,
        _ => SipMethod.Unknown,
    };
}
