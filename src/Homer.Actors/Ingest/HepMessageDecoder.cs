using System.Buffers;
using System.Text;
using System.Text.Json;
using Homer.Hep;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Actors.Ingest;

/// <summary>Outcome of decoding one datagram: a message to keep, or why there is none.</summary>
/// <remarks><paramref name="Kind"/> names the refusal in a few words from a small set (a <see cref="HepDecodeError"/>, "wrong auth key"):
/// the refusal log's summaries count by it.</remarks>
public readonly record struct DecodeOutcome(CapturedMessage? Message, string? Error, DropReason Reason = DropReason.DecodeError, string? Kind = null);

/// <summary>
/// Turns a HEP datagram into a <see cref="CapturedMessage"/>: HEP decode, then the payload parser its type names.
/// A payload that does not parse is still a message (kept raw with the parse error); only packets that are not
/// HEP at all, or fail the listener's auth key, are refused.
/// </summary>
public static class HepMessageDecoder
{
    /// <summary>
    /// Decodes one datagram, reading X-CID as the leg header. The message keeps a window on <paramref name="data"/>:
    /// the caller hands the array over.
    /// </summary>
    public static DecodeOutcome Decode(byte[] data, string? nodeName, byte[]? requiredAuthKey = null) =>
        Decode(data, nodeName, requiredAuthKey, SipParserOptions.Default, out _);

    /// <summary>
    /// As <see cref="Decode(byte[],string?,byte[]?)"/>, with the deployment's leg-correlation headers, and hands out
    /// the parsed SIP message (slices into the message's payload) so the dialog routing need not parse it again;
    /// default unless the message is SIP that parsed.
    /// </summary>
    public static DecodeOutcome Decode(byte[] data, string? nodeName, byte[]? requiredAuthKey, SipParserOptions parser, out SipMessage sip)
    {
        sip = default;
        ReadOnlySpan<byte> span = data;
        if (!HepDecoder.TryDecode(span, out var packet, out var error, out var offset))
            return new DecodeOutcome(null, $"HEP decode failed: {error} at offset {offset} of {data.Length} bytes", Kind: error.ToString());

        if (requiredAuthKey is not null && !CryptographicEquals(packet.AuthKey.Of(span), requiredAuthKey))
        {
            return new DecodeOutcome(null, packet.AuthKey.IsEmpty ? "no auth key (chunk 0x000e)" : "wrong auth key",
                DropReason.Auth, packet.AuthKey.IsEmpty ? "no auth key" : "wrong auth key");
        }

        // The datagram's array belongs to this message alone (the listeners hand over a fresh one per packet), so a
        // plain payload is a window on it, not a copy (nor is a compressed one that does not inflate: kept as it came);
        // compressed payloads are inflated into their own array, at most HepCompression.MaxInflatedBytes of it.
        if (!packet.TryInflatePayload(span, out var inflated, out error))
        {
            return new DecodeOutcome(null,
                $"HEP decode failed: {error}: the compressed payload of {packet.Payload.Length} bytes inflates past {HepCompression.MaxInflatedBytes} bytes",
                Kind: error.ToString());
        }
        ReadOnlyMemory<byte> payload = inflated ?? packet.Payload.Of((ReadOnlyMemory<byte>)data);

        var sourceIp = DecodeCache.Address(packet.SourceAddress);
        var destinationIp = DecodeCache.Address(packet.DestinationAddress);
        var node = packet.NodeName.IsEmpty ? nodeName : DecodeCache.Text(packet.NodeName.Of(span));
        var correlationId = packet.CorrelationId.IsEmpty ? null : Text(packet.CorrelationId.Of(span));
        int? vlan = packet.HasVlan ? packet.Vlan : null;

        string? parseError = null;
        if (packet.ProtocolType == HepProtocolType.Sip && !SipParser.TryParse(payload.Span, parser, out sip, out var sipError))
        {
            sip = default;
            parseError = "SIP: " + sipError;
        }
        if (packet.ProtocolType != HepProtocolType.Sip || parseError is not null)
        {
            return new DecodeOutcome(new CapturedMessage
            {
                TimestampMicros = packet.TimestampUnixMicros,
                Profile = parseError is null ? ProfileOf(packet.ProtocolType, null) : MessageProfile.Default,
                ProtocolType = packet.ProtocolType,
                IpProtocol = packet.IpProtocol,
                Transport = TransportOf(packet.IpProtocol),
                Vlan = vlan,
                SourceIp = sourceIp,
                SourcePort = packet.SourcePort,
                DestinationIp = destinationIp,
                DestinationPort = packet.DestinationPort,
                CaptureId = packet.CaptureId,
                NodeName = node,
                CorrelationId = correlationId,
                ParseError = parseError,
                Payload = payload,
                RawHep = data,
            }, null);
        }

        // SIP: one record per message, built once (the hot path of every packet).
        var body = payload.Span;
        var method = SipMethodNames.RequestMethod(sip, body);
        var cseqMethod = SipMethodNames.CSeqMethod(sip, body);
        var userAgent = sip.UserAgent.IsEmpty ? sip.Server : sip.UserAgent;
        return new DecodeOutcome(new CapturedMessage
        {
            TimestampMicros = packet.TimestampUnixMicros,
            Profile = ProfileOf(HepProtocolType.Sip, cseqMethod ?? method),
            ProtocolType = packet.ProtocolType,
            IpProtocol = packet.IpProtocol,
            Transport = ViaTransport(sip.Via.Transport.Of(body)) ?? TransportOf(packet.IpProtocol),
            Vlan = vlan,
            SourceIp = sourceIp,
            SourcePort = packet.SourcePort,
            DestinationIp = destinationIp,
            DestinationPort = packet.DestinationPort,
            CaptureId = packet.CaptureId,
            NodeName = node,
            // The HEP correlation chunk wins; otherwise the leg-correlation header (X-CID and configured ones).
            CorrelationId = correlationId ?? Stored(sip.CorrelationId, body),
            CallId = Stored(sip.CallId, body),
            Method = method,
            StatusCode = sip.IsRequest ? null : sip.StatusCode,
            // Values that repeat across messages come from the decode thread's cache (DecodeCache); the ones that do not
            // (Call-ID, tags, users) are made for each message.
            ReasonPhrase = sip.IsRequest ? null : DecodeCache.Text(sip.ReasonPhrase.Of(body)),
            RuriUser = sip.IsRequest ? Stored(sip.RequestUri.User, body) : null,
            RuriDomain = sip.IsRequest ? DecodeCache.Text(sip.RequestUri.Host.Of(body)) : null,
            FromUser = Stored(sip.From.Uri.User, body),
            FromDomain = DecodeCache.Text(sip.From.Uri.Host.Of(body)),
            FromTag = Stored(sip.From.Tag, body),
            ToUser = Stored(sip.To.Uri.User, body),
            ToDomain = DecodeCache.Text(sip.To.Uri.Host.Of(body)),
            ToTag = Stored(sip.To.Tag, body),
            CSeqNumber = sip.CSeqMethod.IsEmpty ? null : sip.CSeqNumber,
            CSeqMethod = cseqMethod,
            UserAgent = DecodeCache.Text(userAgent.Of(body)),
            HeadersJsonUtf8 = HeadersJson(sip, body),
            Payload = payload,
            RawHep = data,
        }, null);
    }

    private static string? ViaTransport(ReadOnlySpan<byte> transport) => transport.Length switch
    {
        0 => null,
        2 when Ascii.EqualsIgnoreCase(transport, "WS"u8) => "WS",
        3 when Ascii.EqualsIgnoreCase(transport, "UDP"u8) => "UDP",
        3 when Ascii.EqualsIgnoreCase(transport, "TCP"u8) => "TCP",
        3 when Ascii.EqualsIgnoreCase(transport, "TLS"u8) => "TLS",
        3 when Ascii.EqualsIgnoreCase(transport, "WSS"u8) => "WSS",
        4 when Ascii.EqualsIgnoreCase(transport, "SCTP"u8) => "SCTP",
        _ => StorableText.FromUtf8(transport).ToUpperInvariant(),
    };

    // The JSON writer and its buffer, per decode thread: new ones for every message were a tenth of the node's
    // allocations at 15 000 messages/s.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_headersBuffer;
    [ThreadStatic] private static Utf8JsonWriter? t_headersWriter;

    /// <summary>The parsed fields that have no column of their own, as a JSON object (UTF-8) for the JSONB column.</summary>
    public static byte[]? HeadersJson(in SipMessage sip, ReadOnlySpan<byte> payload)
    {
        var buffer = t_headersBuffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var w = t_headersWriter ??= new Utf8JsonWriter(buffer);
        w.Reset(buffer);
        {
            w.WriteStartObject();
            if (!sip.Via.IsEmpty)
            {
                w.WriteStartObject("via");
                Write(w, "transport", sip.Via.Transport, payload);
                Write(w, "host", sip.Via.Host, payload);
                if (sip.Via.Port > 0) w.WriteNumber("port", sip.Via.Port);
                Write(w, "branch", sip.Via.Branch, payload);
                Write(w, "received", sip.Via.Received, payload);
                if (sip.Via.HasRPort && sip.Via.RPort > 0) w.WriteNumber("rport", sip.Via.RPort);
                w.WriteNumber("count", sip.ViaCount);
                w.WriteEndObject();
            }
            Write(w, "contact", sip.Contact.Raw, payload);
            Write(w, "pai", sip.PAssertedIdentity.Raw, payload);
            Write(w, "diversion", sip.Diversion.Raw, payload);
            if (!sip.Reason.IsEmpty)
            {
                w.WriteStartObject("reason");
                Write(w, "protocol", sip.Reason.Protocol, payload);
                if (sip.Reason.Cause > 0) w.WriteNumber("cause", sip.Reason.Cause);
                Write(w, "text", sip.Reason.Text, payload);
                w.WriteEndObject();
            }
            if (sip.Expires >= 0) w.WriteNumber("expires", sip.Expires);
            Write(w, "authUser", sip.AuthorizationUser, payload);
            Write(w, "contentType", sip.ContentType, payload);
            if (sip.MaxForwards >= 0) w.WriteNumber("maxForwards", sip.MaxForwards);
            Write(w, "event", sip.Event, payload);
            Write(w, "xcid", sip.XCid, payload);
            Write(w, "rtpStat", sip.RtpStat, payload);
            if (sip.Flags != SipFlags.None) w.WriteString("flags", sip.Flags.ToString());
            w.WriteEndObject();
            w.Flush();
        }
        return buffer.WrittenCount <= 2 ? null : buffer.WrittenSpan.ToArray();
    }

    // Header values under the store's text rule: a NUL would be written as \u0000, which jsonb refuses. Valid UTF-8
    // without a NUL (nearly every value) is written from the payload's bytes as they are: the writer escapes it exactly
    // as it would the string, and a string per value was 4 % of the node's allocations at 20 000 messages/s.
    private static void Write(Utf8JsonWriter w, string name, SipSlice slice, ReadOnlySpan<byte> payload)
    {
        if (slice.IsEmpty)
            return;
        var value = slice.Of(payload);
        if (value.IndexOf((byte)0) < 0 && System.Text.Unicode.Utf8.IsValid(value))
            w.WriteString(name, value);
        else
            w.WriteString(name, StorableText.FromUtf8(value));
    }

    /// <summary>A field of the SIP message as the store keeps it (<see cref="StorableText"/>); null when empty.</summary>
    public static string? Stored(SipSlice slice, ReadOnlySpan<byte> payload) => StorableText.FromUtf8OrNull(slice.Of(payload));

    /// <summary>HOMER's table families: SIP by CSeq method, so replies follow their request; others by payload type.</summary>
    public static MessageProfile ProfileOf(byte protocolType, string? sipMethod) => protocolType switch
    {
        HepProtocolType.Sip when SipMethodNames.IsCallMethod(sipMethod) => MessageProfile.Call,
        HepProtocolType.Sip => sipMethod == SipMethodNames.Register ? MessageProfile.Registration : MessageProfile.Default,
        HepProtocolType.RtcpJson => MessageProfile.Rtcp,
        HepProtocolType.Log => MessageProfile.Log,
        _ when HepProtocolType.IsQosReport(protocolType) => MessageProfile.Qos,
        _ => MessageProfile.Generic,
    };

    private static string? TransportOf(byte ipProtocol) => ipProtocol switch
    {
        17 => "UDP",
        6 => "TCP",
        132 => "SCTP",
        _ => null,
    };

    // Constant time, so a sender cannot learn the key byte by byte from response timing.
    private static bool CryptographicEquals(ReadOnlySpan<byte> given, ReadOnlySpan<byte> expected) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(given, expected);

    // HEP chunks (node name, correlation id) under the store's text rule.
    private static string Text(ReadOnlySpan<byte> bytes) => StorableText.FromUtf8(bytes);
}
