using System.Text;

namespace Homer.Sip;

/// <summary>
/// A request's or a CSeq's method as a string: the standard ones are shared constants rather than a copy per message
/// (the decoder makes one for every SIP packet), others are read from the payload.
/// </summary>
public static class SipMethodNames
{
    public const string Invite = "INVITE";
    public const string Ack = "ACK";
    public const string Bye = "BYE";
    public const string Cancel = "CANCEL";
    public const string Register = "REGISTER";
    public const string Options = "OPTIONS";
    public const string Prack = "PRACK";
    public const string Update = "UPDATE";
    public const string Refer = "REFER";
    public const string Info = "INFO";
    public const string Message = "MESSAGE";
    public const string Subscribe = "SUBSCRIBE";
    public const string Notify = "NOTIFY";
    public const string Publish = "PUBLISH";

    /// <summary>
    /// The methods whose messages HOMER files under calls (the <c>call</c> table; replies follow by their CSeq method): an
    /// INVITE dialog's own and those sent within one, NOTIFY included, since a REFER's progress comes back as NOTIFY on the
    /// call's Call-ID. A Call-ID that a NOTIFY opens is still no call to the dialog state (a SUBSCRIBE's dialog, kind other).
    /// </summary>
    public static bool IsCallMethod(string? method) =>
        method is Invite or Ack or Bye or Cancel or Update or Prack or Refer or Info or Notify;

    /// <summary>The name of <paramref name="kind"/>, or the text of <paramref name="slice"/> when it is not a standard method.</summary>
    /// <remarks>The parser accepts a method only as an RFC 3261 token (ASCII letters, digits and <c>-.!%*_+`'~</c>), so the text
    /// of an unknown one needs no cleaning before it is stored.</remarks>
    public static string Of(SipMethod kind, SipSlice slice, ReadOnlySpan<byte> payload) => kind switch
    {
        SipMethod.Invite => Invite,
        SipMethod.Ack => Ack,
        SipMethod.Bye => Bye,
        SipMethod.Cancel => Cancel,
        SipMethod.Register => Register,
        SipMethod.Options => Options,
        SipMethod.Prack => Prack,
        SipMethod.Update => Update,
        SipMethod.Refer => Refer,
        SipMethod.Info => Info,
        SipMethod.Message => Message,
        SipMethod.Subscribe => Subscribe,
        SipMethod.Notify => Notify,
        SipMethod.Publish => Publish,
        _ => Encoding.ASCII.GetString(slice.Of(payload)),
    };

    /// <summary>The method of a request; null for a response.</summary>
    public static string? RequestMethod(in SipMessage sip, ReadOnlySpan<byte> payload) =>
        sip.IsRequest ? Of(sip.MethodKind, sip.Method, payload) : null;

    /// <summary>The CSeq header's method; null when the message has none.</summary>
    public static string? CSeqMethod(in SipMessage sip, ReadOnlySpan<byte> payload) =>
        sip.CSeqMethod.IsEmpty ? null : Of(sip.CSeqMethodKind, sip.CSeqMethod, payload);
}
