using System.Net;
using Akka.Actor;
using Homer.Actors.Contracts;
using Homer.Hep;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// The seam between ingest and dialogs: what of a captured message goes to which dialog. Called by the ingest
/// graph for every stored message; must not block and must not throw.
/// </summary>
public static class DialogRouting
{
    /// <summary>
    /// What the message asks of the dialog region, given the SIP message the ingest decoder already parsed from its
    /// payload (ignored for other payload types). Runs on the decode workers, so the graph's one ordered stage only
    /// tells. Never throws.
    /// </summary>
    public static DialogRoute PlanParsed(CapturedMessage message, in SipMessage sip)
    {
        try
        {
            return message.ProtocolType switch
            {
                HepProtocolType.Sip => PlanSip(message, sip),
                HepProtocolType.Log => PlanLog(message),
                var type when HepProtocolType.IsDialogQuality(type) => PlanQos(message),
                _ => DialogRoute.None,
            };
        }
        catch (Exception)
        {
            // A message the parsers accepted but this reduction chokes on is still stored; it only misses its dialog.
            return DialogRoute.None;
        }
    }

    private static DialogRoute PlanSip(CapturedMessage message, in SipMessage sip)
    {
        if (message.CallId is null || message.ParseError is not null)
            return DialogRoute.None;
        var payload = message.Payload.Span;
        var command = ToCommand(message, payload, sip);
        if (command.Method == "PUBLISH" && sip.ContentType.EqualsIgnoreCase(payload, "application/vq-rtcpxr"u8)
            && QosParsing.TryParseVqReport(sip.Body.Of(payload), message.TimestampMicros, "vq-rtcpxr", out var callId, out var report)
            && callId is not null)
            return new DialogRoute(command, new DialogCommands.AttachQos(StorableText.Clean(callId)!, report));
        if (RtpStatQos.TryReport(payload, sip, message.TimestampMicros, command.SourceIp, out var stats))
            return new DialogRoute(command, new DialogCommands.AttachQos(command.CallId, stats));
        return new DialogRoute(command, null);
    }

    public static DialogCommands.RecordSipMessage ToCommand(CapturedMessage message, ReadOnlySpan<byte> payload, in SipMessage sip)
    {
        var media = sip.Sdp.IsEmpty ? [] : SdpEndpoints.Extract(payload, sip.Sdp);
        return new DialogCommands.RecordSipMessage
        {
            CallId = message.CallId ?? StorableText.FromUtf8(sip.CallId.Of(payload)),
            TimestampMicros = message.TimestampMicros,
            // The decoder's strings where it made them (same slices of the same payload), so a message carries one copy.
            Method = sip.IsRequest ? message.Method ?? SipMethodNames.Of(sip.MethodKind, sip.Method, payload) : null,
            StatusCode = sip.IsRequest ? 0 : sip.StatusCode,
            ReasonPhrase = sip.IsRequest ? null : message.ReasonPhrase ?? StorableText.FromUtf8OrNull(sip.ReasonPhrase.Of(payload)),
            CSeqNumber = sip.CSeqNumber,
            CSeqMethod = message.CSeqMethod ?? SipMethodNames.CSeqMethod(sip, payload),
            ViaBranch = StorableText.FromUtf8OrNull(sip.Via.Branch.Of(payload)),
            FromTag = message.FromTag ?? StorableText.FromUtf8OrNull(sip.From.Tag.Of(payload)),
            ToTag = message.ToTag ?? StorableText.FromUtf8OrNull(sip.To.Tag.Of(payload)),
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
            ReasonProtocol = sip.Reason.IsEmpty ? null : StorableText.FromUtf8OrNull(sip.Reason.Protocol.Of(payload)),
            ReasonCause = sip.Reason.IsEmpty ? -1 : sip.Reason.Cause,
            ReasonText = sip.Reason.IsEmpty ? null : StorableText.FromUtf8OrNull(sip.Reason.Text.Of(payload)),
            CorrelationId = StorableText.FromUtf8OrNull(sip.CorrelationId.Of(payload)),
            UserAgent = message.UserAgent,
            MediaEndpoints = media,
            NodeName = message.NodeName,
        };
    }

    private static DialogRoute PlanLog(CapturedMessage message)
    {
        if (message.CorrelationId is not { Length: > 0 } callId)
            return DialogRoute.None;
        return new DialogRoute(new DialogCommands.AttachLog(callId, LogEntryOf(message)), null);
    }

    /// <summary>The log line under the store's text rule (<see cref="StorableText"/>), without the line ends and C-string NULs it was sent with.</summary>
    public static LogEntry LogEntryOf(CapturedMessage message) =>
        new(message.TimestampMicros, StorableText.FromUtf8(message.Payload.Span.TrimEnd("\r\n\0"u8)));

    private static DialogRoute PlanQos(CapturedMessage message)
    {
        if (!QosParsing.TryParse(message.ProtocolType, message.Payload.Span, message.TimestampMicros, message.SourceIp.ToString(),
                out var embeddedCallId, out var report))
            return DialogRoute.None;
        if ((message.CorrelationId ?? StorableText.Clean(embeddedCallId)) is { Length: > 0 } callId)
            return new DialogRoute(new DialogCommands.AttachQos(callId, report), null);
        if (message.ProtocolType != HepProtocolType.RtcpJson)
            return DialogRoute.None;
        // RTCP travels between the media endpoints the SDP announced: try where it was sent, then where it came from.
        var destination = Endpoint(message.DestinationIp, message.DestinationPort);
        var source = Endpoint(message.SourceIp, message.SourcePort);
        return new DialogRoute(new MediaIndexCommands.ResolveQos(MediaIndexCommands.BucketOf(destination), destination, source, report), null);
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
}

/// <summary>
/// What one captured message asks of the dialog region: at most two commands (a SIP message, and the report a
/// vq-rtcpxr PUBLISH or the RTP statistics headers of a BYE carry), planned on the decode workers and sent by the graph's ordered stage through a <see cref="DialogBatchRouter"/>.
/// </summary>
public readonly record struct DialogRoute(object? First, object? Second)
{
    public static readonly DialogRoute None = default;

    public bool IsEmpty => First is null;

    /// <summary>Tells the region each command at once, for a message routed on its own (a quarantine replay).</summary>
    public void Send(IActorRef dialogRegion)
    {
        if (First is null)
            return;
        dialogRegion.Tell(First);
        if (Second is not null)
            dialogRegion.Tell(Second);
    }
}
