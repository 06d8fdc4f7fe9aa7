using System.Net;
using Akka.Actor;
using Homer.Actors.Contracts;
using Homer.Actors.Ingest;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// The seam between ingest and dialogs: what of a captured message goes to which dialog. Called by the ingest
/// graph for every stored message; must not block and must not throw.
/// </summary>
public static class DialogRouting
{
    public const byte RtcpProtocolType = 5;
    public const byte LogProtocolType = 100;

    /// <summary>
    /// Tells the dialog of the message's Call-ID (or correlation id) about it; false when it belongs to no dialog.
    /// QoS without a correlation id goes to the media index, which knows the Call-ID from the SDP.
    /// </summary>
    public static bool TryRoute(CapturedMessage message, IActorRef dialogRegion)
    {
        try
        {
            return message.ProtocolType switch
            {
                HepMessageDecoder.SipProtocolType => RouteSip(message, dialogRegion),
                LogProtocolType => RouteLog(message, dialogRegion),
                RtcpProtocolType or 32 or 34 or 35 or 99 => RouteQos(message, dialogRegion),
                _ => false,
            };
        }
        catch (Exception)
        {
            // A message the parsers accepted but this reduction chokes on is still stored; it only misses its dialog.
            return false;
        }
    }

    private static bool RouteSip(CapturedMessage message, IActorRef dialogRegion)
    {
        if (message.CallId is null || message.ParseError is not null)
            return false;
        var payload = message.Payload.Span;
        // The ingest decoder parsed this payload already but keeps only the stored columns; a second parse of the
        // header block (about a microsecond) is cheaper than widening the stored record for every message.
        if (!SipParser.TryParse(payload, out var sip, out _))
            return false;
        var command = ToCommand(message, payload, sip);
        dialogRegion.Tell(command);

        if (command.Method == "PUBLISH" && sip.ContentType.EqualsIgnoreCase(payload, "application/vq-rtcpxr"u8)
            && QosParsing.TryParseVqReport(sip.Body.Of(payload), message.TimestampMicros, "vq-rtcpxr", out var callId, out var report)
            && callId is not null)
            dialogRegion.Tell(new DialogCommands.AttachQos(callId, report));
        return true;
    }

    public static DialogCommands.RecordSipMessage ToCommand(CapturedMessage message, ReadOnlySpan<byte> payload, in SipMessage sip)
    {
        var media = sip.Sdp.IsEmpty ? [] : SdpEndpoints.Extract(payload, sip.Sdp);
        return new DialogCommands.RecordSipMessage
        {
            CallId = message.CallId ?? sip.CallId.ToString(payload),
            TimestampMicros = message.TimestampMicros,
            Method = sip.IsRequest ? sip.Method.ToString(payload) : null,
            StatusCode = sip.IsRequest ? 0 : sip.StatusCode,
            ReasonPhrase = sip.IsRequest ? null : NullIfEmpty(sip.ReasonPhrase.ToString(payload)),
            CSeqNumber = sip.CSeqNumber,
            CSeqMethod = NullIfEmpty(sip.CSeqMethod.ToString(payload)),
            ViaBranch = NullIfEmpty(sip.Via.Branch.ToString(payload)),
            FromTag = NullIfEmpty(sip.From.Tag.ToString(payload)),
            ToTag = NullIfEmpty(sip.To.Tag.ToString(payload)),
            FromUser = message.FromUser,
            ToUser = message.ToUser,
            RuriUser = message.RuriUser,
            SourceIp = message.SourceIp.ToString(),
            SourcePort = message.SourcePort,
            DestinationIp = message.DestinationIp.ToString(),
            DestinationPort = message.DestinationPort,
            Expires = sip.Expires,
            ContactExpires = sip.Contact.IsEmpty ? -1 : ExpiresParameter(sip.Contact.Parameters.Of(payload)),
            ContactStar = sip.ContactStar,
            HasCredentials = !sip.AuthorizationUser.IsEmpty,
            ReasonProtocol = sip.Reason.IsEmpty ? null : NullIfEmpty(sip.Reason.Protocol.ToString(payload)),
            ReasonCause = sip.Reason.IsEmpty ? -1 : sip.Reason.Cause,
            ReasonText = sip.Reason.IsEmpty ? null : NullIfEmpty(sip.Reason.Text.ToString(payload)),
            CorrelationId = NullIfEmpty(sip.CorrelationId.ToString(payload)),
            UserAgent = message.UserAgent,
            MediaEndpoints = media,
            NodeName = message.NodeName,
        };
    }

    private static bool RouteLog(CapturedMessage message, IActorRef dialogRegion)
    {
        if (message.CorrelationId is not { Length: > 0 } callId)
            return false;
        dialogRegion.Tell(new DialogCommands.AttachLog(callId, LogEntryOf(message)));
        return true;
    }

    public static LogEntry LogEntryOf(CapturedMessage message) =>
        new(message.TimestampMicros, System.Text.Encoding.UTF8.GetString(message.Payload.Span).TrimEnd('\r', '\n', '\0'));

    private static bool RouteQos(CapturedMessage message, IActorRef dialogRegion)
    {
        if (!QosParsing.TryParse(message.ProtocolType, message.Payload.Span, message.TimestampMicros, message.SourceIp.ToString(),
                out var embeddedCallId, out var report))
            return false;
        if ((message.CorrelationId ?? embeddedCallId) is { Length: > 0 } callId)
        {
            dialogRegion.Tell(new DialogCommands.AttachQos(callId, report));
            return true;
        }
        if (message.ProtocolType != RtcpProtocolType)
            return false;
        // RTCP travels between the media endpoints the SDP announced: try where it was sent, then where it came from.
        var destination = Endpoint(message.DestinationIp, message.DestinationPort);
        var source = Endpoint(message.SourceIp, message.SourcePort);
        dialogRegion.Tell(new MediaIndexCommands.ResolveQos(MediaIndexCommands.BucketOf(destination), destination, source, report));
        return true;
    }

    public static string Endpoint(IPAddress address, int port) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>expires= in Contact header parameters ("expires=3600;q=0.5"); -1 when absent or unreadable.</summary>
    private static int ExpiresParameter(ReadOnlySpan<byte> parameters)
    {
        while (!parameters.IsEmpty)
        {
            var semicolon = parameters.IndexOf((byte)';');
            var item = (semicolon < 0 ? parameters : parameters[..semicolon]).Trim((byte)' ');
            if (item.Length > 8 && System.Text.Ascii.EqualsIgnoreCase(item[..8], "expires="u8)
                && int.TryParse(item[8..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
                return value;
            if (semicolon < 0)
                break;
            parameters = parameters[(semicolon + 1)..];
        }
        return -1;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
