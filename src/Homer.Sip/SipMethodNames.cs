using System.Text;

namespace Homer.Sip;

/// <summary>
/// A request's or a CSeq's method as a string: the standard ones are shared constants rather than a copy per message
/// (the decoder makes one for every SIP packet), others are read from the payload.
/// </summary>
public static class SipMethodNames
{
    /// <summary>The name of <paramref name="kind"/>, or the text of <paramref name="slice"/> when it is not a standard method.</summary>
    /// <remarks>The parser accepts a method only as an RFC 3261 token (ASCII letters, digits and <c>-.!%*_+`'~</c>), so the text
    /// of an unknown one needs no cleaning before it is stored.</remarks>
    public static string Of(SipMethod kind, SipSlice slice, ReadOnlySpan<byte> payload) => kind switch
    {
        SipMethod.Invite => "INVITE",
        SipMethod.Ack => "ACK",
        SipMethod.Bye => "BYE",
        SipMethod.Cancel => "CANCEL",
        SipMethod.Register => "REGISTER",
        SipMethod.Options => "OPTIONS",
        SipMethod.Prack => "PRACK",
        SipMethod.Update => "UPDATE",
        SipMethod.Refer => "REFER",
        SipMethod.Info => "INFO",
        SipMethod.Message => "MESSAGE",
        SipMethod.Subscribe => "SUBSCRIBE",
        SipMethod.Notify => "NOTIFY",
        SipMethod.Publish => "PUBLISH",
        _ => Encoding.ASCII.GetString(slice.Of(payload)),
    };

    /// <summary>The method of a request; null for a response.</summary>
    public static string? RequestMethod(in SipMessage sip, ReadOnlySpan<byte> payload) =>
        sip.IsRequest ? Of(sip.MethodKind, sip.Method, payload) : null;

    /// <summary>The CSeq header's method; null when the message has none.</summary>
    public static string? CSeqMethod(in SipMessage sip, ReadOnlySpan<byte> payload) =>
        sip.CSeqMethod.IsEmpty ? null : Of(sip.CSeqMethodKind, sip.CSeqMethod, payload);
}
