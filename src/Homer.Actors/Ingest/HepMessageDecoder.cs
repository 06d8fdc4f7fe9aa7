using System.Buffers;
using System.Text;
using System.Text.Json;
using Homer.Hep;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Actors.Ingest;

/// <summary>Outcome of decoding one datagram: a message to keep, or why there is none.</summary>
public readonly record struct DecodeOutcome(CapturedMessage? Message, string? Error, DropReason Reason = DropReason.DecodeError);

/// <summary>
/// Turns a HEP datagram into a <see cref="CapturedMessage"/>: HEP decode, then the payload parser its type names.
/// A payload that does not parse is still a message (kept raw with the parse error); only packets that are not
/// HEP at all, or fail the listener's auth key, are refused.
/// </summary>
public static class HepMessageDecoder
{
    public const byte SipProtocolType = 1;

    public static DecodeOutcome Decode(byte[] data, string? nodeName, byte[]? requiredAuthKey = null)
    {
        ReadOnlySpan<byte> span = data;
        if (!HepDecoder.TryDecode(span, out var packet, out var error, out var offset))
            return new DecodeOutcome(null, $"HEP decode failed: {error} at offset {offset} of {data.Length} bytes");

        if (requiredAuthKey is not null && !CryptographicEquals(packet.AuthKey.Of(span), requiredAuthKey))
        {
            return new DecodeOutcome(null, packet.AuthKey.IsEmpty ? "no auth key (chunk 0x000e)" : "wrong auth key",
                DropReason.Auth);
        }

        // Compressed payloads need inflating, which allocates anyway; plain ones are copied out once.
        ReadOnlyMemory<byte> payload = packet.PayloadCompressed
            ? packet.ToMessage(span).Payload
            : packet.Payload.Of(span).ToArray();

        var message = new CapturedMessage
        {
            TimestampMicros = packet.TimestampUnixMicros,
            Profile = ProfileOf(packet.ProtocolType, null),
            ProtocolType = packet.ProtocolType,
            IpProtocol = packet.IpProtocol,
            Transport = TransportOf(packet.IpProtocol),
            Vlan = packet.HasVlan ? packet.Vlan : null,
            SourceIp = packet.SourceAddress.ToIPAddress(),
            SourcePort = packet.SourcePort,
            DestinationIp = packet.DestinationAddress.ToIPAddress(),
            DestinationPort = packet.DestinationPort,
            CaptureId = packet.CaptureId,
            NodeName = packet.NodeName.IsEmpty ? nodeName : Text(packet.NodeName.Of(span)),
            CorrelationId = packet.CorrelationId.IsEmpty ? null : Text(packet.CorrelationId.Of(span)),
            Payload = payload,
        };

        return packet.ProtocolType == SipProtocolType
            ? new DecodeOutcome(WithSip(message, payload.Span), null)
            : new DecodeOutcome(message, null);
    }

    private static CapturedMessage WithSip(CapturedMessage message, ReadOnlySpan<byte> payload)
    {
        if (!SipParser.TryParse(payload, out var sip, out var error))
            return message with { Profile = MessageProfile.Default, ParseError = "SIP: " + error };

        var method = sip.IsRequest ? sip.Method.ToString(payload) : null;
        var cseqMethod = NullIfEmpty(sip.CSeqMethod.ToString(payload));
        var userAgent = sip.UserAgent.IsEmpty ? sip.Server : sip.UserAgent;
        var via = NullIfEmpty(sip.Via.Transport.ToString(payload).ToUpperInvariant());
        return message with
        {
            Profile = ProfileOf(SipProtocolType, cseqMethod ?? method),
            Transport = via ?? message.Transport,
            CallId = NullIfEmpty(sip.CallId.ToString(payload)),
            // The HEP correlation chunk wins; otherwise the leg-correlation header (X-CID and configured ones).
            CorrelationId = message.CorrelationId ?? NullIfEmpty(sip.CorrelationId.ToString(payload)),
            Method = method,
            StatusCode = sip.IsRequest ? null : sip.StatusCode,
            ReasonPhrase = sip.IsRequest ? null : NullIfEmpty(sip.ReasonPhrase.ToString(payload)),
            RuriUser = sip.IsRequest ? NullIfEmpty(sip.RequestUri.User.ToString(payload)) : null,
            RuriDomain = sip.IsRequest ? NullIfEmpty(sip.RequestUri.Host.ToString(payload)) : null,
            FromUser = NullIfEmpty(sip.From.Uri.User.ToString(payload)),
            FromDomain = NullIfEmpty(sip.From.Uri.Host.ToString(payload)),
            FromTag = NullIfEmpty(sip.From.Tag.ToString(payload)),
            ToUser = NullIfEmpty(sip.To.Uri.User.ToString(payload)),
            ToDomain = NullIfEmpty(sip.To.Uri.Host.ToString(payload)),
            ToTag = NullIfEmpty(sip.To.Tag.ToString(payload)),
            CSeqNumber = sip.CSeqMethod.IsEmpty ? null : sip.CSeqNumber,
            CSeqMethod = cseqMethod,
            UserAgent = NullIfEmpty(userAgent.ToString(payload)),
            HeadersJson = HeadersJson(sip, payload),
        };
    }

    /// <summary>The parsed fields that have no column of their own, as a JSON object for the JSONB column.</summary>
    public static string? HeadersJson(in SipMessage sip, ReadOnlySpan<byte> payload)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
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
        }
        return buffer.WrittenCount <= 2 ? null : Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter w, string name, SipSlice slice, ReadOnlySpan<byte> payload)
    {
        if (!slice.IsEmpty)
            w.WriteString(name, slice.ToString(payload));
    }

    /// <summary>HOMER's table families: SIP by CSeq method, so replies follow their request; others by payload type.</summary>
    public static MessageProfile ProfileOf(byte protocolType, string? sipMethod) => protocolType switch
    {
        SipProtocolType => sipMethod switch
        {
            "INVITE" or "ACK" or "BYE" or "CANCEL" or "UPDATE" or "PRACK" or "REFER" or "INFO" or "NOTIFY" => MessageProfile.Call,
            "REGISTER" => MessageProfile.Registration,
            _ => MessageProfile.Default,
        },
        5 => MessageProfile.Rtcp,
        32 or 34 or 35 or 38 or 99 => MessageProfile.Qos,
        100 => MessageProfile.Log,
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

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
