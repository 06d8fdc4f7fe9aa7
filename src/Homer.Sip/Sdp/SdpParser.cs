using System.Text;
using static Homer.Sip.SipSyntax;

namespace Homer.Sip.Sdp;

public enum SdpParseError : byte
{
    None,
    Empty,
    /// <summary>The first line is not "v=".</summary>
    MissingVersion,
    /// <summary>A line that is not "x=value".</summary>
    BadLine,
    BadMediaLine,
}

/// <summary>RFC 4566 SDP, only what ties media to calls: addresses, ports, codecs, direction, RTCP port.</summary>
public static class SdpParser
{
    public static bool TryParse(ReadOnlySpan<byte> data, out SdpSession session, out SdpParseError error) =>
        TryParse(data, new SipSlice(0, data.Length), out session, out error);

    /// <summary>Parses the SDP at <paramref name="body"/> (e.g. <see cref="SipMessage.Sdp"/>); slices stay relative to <paramref name="data"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, SipSlice body, out SdpSession session, out SdpParseError error)
    {
        session = default;
        if (body.IsEmpty)
        {
            error = SdpParseError.Empty;
            return false;
        }

        var pos = body.Offset;
        var end = body.End;
        var first = true;
        var current = -1; // index of the m= section being filled, -1 at session level
        while (pos < end)
        {
            var lf = IndexOf(data, pos, end, (byte)'\n');
            var lineEnd = lf < 0 ? end : lf;
            var next = lf < 0 ? end : lf + 1;
            var contentEnd = lineEnd > pos && data[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            if (contentEnd == pos)
            {
                pos = next;
                continue;
            }

            if (contentEnd - pos < 2 || data[pos + 1] != '=')
            {
                error = SdpParseError.BadLine;
                return false;
            }

            var type = data[pos];
            var v = pos + 2;
            if (first)
            {
                if (type != 'v')
                {
                    error = SdpParseError.MissingVersion;
                    return false;
                }

                first = false;
            }

            switch (type)
            {
                case (byte)'o':
                    ParseOrigin(data, v, contentEnd, ref session);
                    break;
                case (byte)'s':
                    session.SessionName = new SipSlice(v, contentEnd - v);
                    break;
                case (byte)'c':
                    ParseConnection(data, v, contentEnd, out var address, out var addressType);
                    if (current < 0)
                    {
                        session.ConnectionAddress = address;
                        session.AddressType = addressType;
                    }
                    else if (current < SdpSession.MaxMedia)
                    {
                        session.Media[current].ConnectionAddress = address;
                    }

                    break;
                case (byte)'m':
                    session.MediaCountTotal++;
                    current = session.MediaCountTotal - 1;
                    if (current < SdpSession.MaxMedia)
                    {
                        session.MediaCount++;
                        if (!ParseMedia(data, v, contentEnd, ref session.Media[current]))
                        {
                            error = SdpParseError.BadMediaLine;
                            return false;
                        }
                    }

                    break;
                case (byte)'a':
                    if (current < 0)
                        ParseSessionAttribute(data, v, contentEnd, ref session);
                    else if (current < SdpSession.MaxMedia)
                        ParseMediaAttribute(data, v, contentEnd, ref session.Media[current]);
                    break;
            }

            pos = next;
        }

        if (first)
        {
            error = SdpParseError.Empty;
            return false;
        }

        for (var i = 0; i < session.MediaCount; i++)
        {
            ref var media = ref session.Media[i];
            if (media.ConnectionAddress.IsEmpty)
                media.ConnectionAddress = session.ConnectionAddress;
            if (media.Direction == SdpDirection.Unspecified)
                media.Direction = session.Direction;
        }

        error = SdpParseError.None;
        return true;
    }

    private static void ParseOrigin(ReadOnlySpan<byte> d, int start, int end, ref SdpSession s)
    {
        // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
        var field = 0;
        var i = start;
        while (i < end)
        {
            var sp = IndexOf(d, i, end, (byte)' ');
            var fieldEnd = sp < 0 ? end : sp;
            var slice = new SipSlice(i, fieldEnd - i);
            switch (field)
            {
                case 0: s.OriginUser = slice; break;
                case 1: s.OriginSessionId = slice; break;
                case 5: s.OriginAddress = slice; break;
            }

            field++;
            i = fieldEnd + 1;
        }
    }

    private static void ParseConnection(ReadOnlySpan<byte> d, int start, int end, out SipSlice address, out SipSlice addressType)
    {
        // c=IN IP4 203.0.113.1[/ttl[/count]]
        address = default;
        addressType = default;
        var sp1 = IndexOf(d, start, end, (byte)' ');
        if (sp1 < 0)
            return;
        var sp2 = IndexOf(d, sp1 + 1, end, (byte)' ');
        if (sp2 < 0)
            return;
        addressType = new SipSlice(sp1 + 1, sp2 - sp1 - 1);
        var slash = IndexOf(d, sp2 + 1, end, (byte)'/');
        var addressEnd = slash < 0 ? TrimEnd(d, sp2 + 1, end) : slash;
        address = new SipSlice(sp2 + 1, addressEnd - sp2 - 1);
    }

    private static bool ParseMedia(ReadOnlySpan<byte> d, int start, int end, ref SdpMedia m)
    {
        // m=<media> <port>[/<count>] <proto> <fmt> ...
        var sp1 = IndexOf(d, start, end, (byte)' ');
        if (sp1 <= start)
            return false;
        m.Media = new SipSlice(start, sp1 - start);
        var sp2 = IndexOf(d, sp1 + 1, end, (byte)' ');
        if (sp2 < 0)
            return false;
        var port = d[(sp1 + 1)..sp2];
        var slash = port.IndexOf((byte)'/');
        m.PortCount = 1;
        if (slash >= 0)
        {
            if (!TryParseInt(port[(slash + 1)..], out m.PortCount))
                return false;
            port = port[..slash];
        }

        if (!TryParseNumber(port, 65535, out var portNumber))
            return false;
        m.Port = (int)portNumber;
        var sp3 = IndexOf(d, sp2 + 1, end, (byte)' ');
        var protocolEnd = sp3 < 0 ? end : sp3;
        m.Protocol = new SipSlice(sp2 + 1, protocolEnd - sp2 - 1);
        if (sp3 < 0)
            return true;
        var formatsEnd = TrimEnd(d, sp3 + 1, end);
        m.Formats = new SipSlice(sp3 + 1, formatsEnd - sp3 - 1);
        var i = sp3 + 1;
        var rtp = Ascii.EqualsIgnoreCase(d.Slice(m.Protocol.Offset, Math.Min(3, m.Protocol.Length)), "RTP"u8);
        while (i < formatsEnd)
        {
            var sp = IndexOf(d, i, formatsEnd, (byte)' ');
            var fmtEnd = sp < 0 ? formatsEnd : sp;
            if (fmtEnd > i)
            {
                m.FormatCount++;
                if (rtp && m.CodecCount < SdpMedia.MaxCodecs && TryParseNumber(d[i..fmtEnd], 127, out var pt))
                {
                    ref var codec = ref m.Codecs[m.CodecCount++];
                    codec.PayloadType = (int)pt;
                    codec.ClockRate = StaticClockRate((int)pt);
                }
            }

            i = fmtEnd + 1;
        }

        return true;
    }

    private static SdpDirection Direction(ReadOnlySpan<byte> a) => a switch
    {
        _ when a.SequenceEqual("sendrecv"u8) => SdpDirection.SendRecv,
        _ when a.SequenceEqual("sendonly"u8) => SdpDirection.SendOnly,
        _ when a.SequenceEqual("recvonly"u8) => SdpDirection.RecvOnly,
        _ when a.SequenceEqual("inactive"u8) => SdpDirection.Inactive,
        _ => SdpDirection.Unspecified,
    };

    private static void ParseSessionAttribute(ReadOnlySpan<byte> d, int start, int end, ref SdpSession s)
    {
        var direction = Direction(d[start..TrimEnd(d, start, end)]);
        if (direction != SdpDirection.Unspecified)
            s.Direction = direction;
    }

    private static void ParseMediaAttribute(ReadOnlySpan<byte> d, int start, int end, ref SdpMedia m)
    {
        end = TrimEnd(d, start, end);
        var a = d[start..end];
        var direction = Direction(a);
        if (direction != SdpDirection.Unspecified)
        {
            m.Direction = direction;
            return;
        }

        if (a.StartsWith("rtpmap:"u8))
        {
            // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]
            var p = start + 7;
            var sp = IndexOf(d, p, end, (byte)' ');
            if (sp < 0 || !TryParseNumber(d[p..sp], 127, out var pt))
                return;
            for (var i = 0; i < m.CodecCount; i++)
            {
                ref var codec = ref m.Codecs[i];
                if (codec.PayloadType != (int)pt)
                    continue;
                var nameStart = sp + 1;
                var slash = IndexOf(d, nameStart, end, (byte)'/');
                var nameEnd = slash < 0 ? end : slash;
                codec.EncodingName = new SipSlice(nameStart, nameEnd - nameStart);
                if (slash >= 0)
                {
                    var slash2 = IndexOf(d, slash + 1, end, (byte)'/');
                    if (TryParseInt(d[(slash + 1)..(slash2 < 0 ? end : slash2)], out var rate))
                        codec.ClockRate = rate;
                    if (slash2 >= 0 && TryParseInt(d[(slash2 + 1)..end], out var channels))
                        codec.Channels = channels;
                }

                return;
            }
        }
        else if (a.StartsWith("rtcp:"u8))
        {
            // a=rtcp:<port> [IN IP4 <address>] (RFC 3605)
            var p = start + 5;
            var sp = IndexOf(d, p, end, (byte)' ');
            if (TryParseNumber(d[p..(sp < 0 ? end : sp)], 65535, out var port))
                m.RtcpPort = (int)port;
            if (sp >= 0)
            {
                ParseConnection(d, sp + 1, end, out var address, out _);
                m.RtcpAddress = address;
            }
        }
        else if (a.SequenceEqual("rtcp-mux"u8))
        {
            m.RtcpMux = true;
        }
        else if (a.StartsWith("ptime:"u8))
        {
            if (TryParseInt(a[6..], out var ptime))
                m.PacketTime = ptime;
        }
    }

    /// <summary>RFC 3551 static payload types.</summary>
    public static string? StaticPayloadName(int payloadType) => payloadType switch
    {
        0 => "PCMU",
        3 => "GSM",
        4 => "G723",
        5 or 6 => "DVI4",
        7 => "LPC",
        8 => "PCMA",
        9 => "G722",
        10 or 11 => "L16",
        12 => "QCELP",
        13 => "CN",
        14 => "MPA",
        15 => "G728",
        16 or 17 => "DVI4",
        18 => "G729",
        25 => "CelB",
        26 => "JPEG",
        28 => "nv",
        31 => "H261",
        32 => "MPV",
        33 => "MP2T",
        34 => "H263",
        _ => null,
    };

    /// <summary>
    /// The RTP clock (Hz) of an RFC 3551 static payload type (1 and 2 keep RFC 1890's 8 kHz); 0 when it has none. The one
    /// table: the SDP codecs without an rtpmap take it here, and the agent's RTP analysis for payload types no SDP listed.
    /// </summary>
    public static int StaticClockRate(int payloadType) => payloadType switch
    {
        0 or 1 or 2 or 3 or 4 or 5 or 7 or 8 or 9 or 12 or 13 or 15 or 18 => 8000,
        6 => 16000,
        10 or 11 => 44100,
        16 => 11025,
        17 => 22050,
        14 or 25 or 26 or 28 or 31 or 32 or 33 or 34 => 90000,
        _ => 0,
    };
}
