namespace Homer.Sip;

public enum SipParseError : byte
{
    None,
    Empty,
    /// <summary>Neither "METHOD SP Request-URI SP SIP/2.0" nor "SIP/2.0 SP code SP reason".</summary>
    BadStartLine,
    /// <summary>A SIP version other than 2.0.</summary>
    UnsupportedVersion,
    /// <summary>Status code not three digits in 100–699.</summary>
    BadStatusCode,
    /// <summary>A header line without a colon, with an empty or non-token name, or a continuation with nothing to continue.</summary>
    BadHeaderLine,
}

/// <summary>What a message that still parsed looked like: problems (Bad*, Missing*, mismatches) and notable forms (folding, compact names, bare LF).</summary>
[Flags]
public enum SipFlags : uint
{
    None = 0,
    /// <summary>Body length differs from Content-Length; the body we have is kept.</summary>
    ContentLengthMismatch = 1 << 0,
    ContentLengthInvalid = 1 << 1,
    ContentLengthMissing = 1 << 2,
    /// <summary>The blank line ending the headers was missing (message ends after the last header).</summary>
    NoHeaderTerminator = 1 << 3,
    FoldedLines = 1 << 4,
    CompactForms = 1 << 5,
    /// <summary>Lines ended with LF alone.</summary>
    BareLineFeeds = 1 << 6,
    MultipartBody = 1 << 7,
    /// <summary>A header that may appear once (Call-ID, CSeq, From, To, Content-Length, Max-Forwards) appeared again.</summary>
    DuplicateSingleHeader = 1 << 8,
    MissingCallId = 1 << 9,
    MissingCSeq = 1 << 10,
    MissingFrom = 1 << 11,
    MissingTo = 1 << 12,
    MissingVia = 1 << 13,
    BadCSeq = 1 << 14,
    /// <summary>The CSeq method of a request differs from its method.</summary>
    CSeqMethodMismatch = 1 << 15,
    BadRequestUri = 1 << 16,
    BadFrom = 1 << 17,
    BadTo = 1 << 18,
    BadVia = 1 << 19,
    BadContact = 1 << 20,
    BadMaxForwards = 1 << 21,
    BadExpires = 1 << 22,
    /// <summary>Leading CR/LF (keep-alive) skipped before the start line.</summary>
    LeadingLineFeeds = 1 << 23,
}

public enum SipMethod : byte
{
    Unknown,
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Prack,
    Update,
    Refer,
    Info,
    Message,
    Subscribe,
    Notify,
    Publish,
}

public enum SipUriScheme : byte
{
    None,
    Sip,
    Sips,
    Tel,
    Other,
}

/// <summary>
/// A parsed URI: for sip/sips the user and host parts, for tel the number in <see cref="User"/> and an empty host.
/// </summary>
public struct SipUri
{
    public SipSlice Scheme;
    public SipUriScheme Kind;
    public SipSlice User;
    public SipSlice Password;
    /// <summary>Host without IPv6 brackets.</summary>
    public SipSlice Host;
    /// <summary>0 when absent.</summary>
    public int Port;
    /// <summary>";a=b;c" after the host (or tel number), without the leading ';'.</summary>
    public SipSlice Parameters;
    public SipSlice Headers;
    /// <summary>The whole URI as written.</summary>
    public SipSlice Raw;

    public readonly bool IsEmpty => Raw.IsEmpty;
}

/// <summary>A From/To/Contact/P-Asserted-Identity/Diversion value: display name, URI and header parameters.</summary>
public struct SipNameAddr
{
    /// <summary>Display name without the quotes.</summary>
    public SipSlice Display;
    public SipUri Uri;
    public SipSlice Tag;
    /// <summary>Header parameters after the URI, without the leading ';'.</summary>
    public SipSlice Parameters;
    public SipSlice Raw;

    public readonly bool IsEmpty => Raw.IsEmpty;
}

/// <summary>The top Via.</summary>
public struct SipVia
{
    public SipSlice Transport;
    public SipSlice Host;
    /// <summary>0 when absent.</summary>
    public int Port;
    public SipSlice Branch;
    public SipSlice Received;
    /// <summary>The rport value; 0 when absent or empty (see <see cref="HasRPort"/>).</summary>
    public int RPort;
    public bool HasRPort;
    public SipSlice Parameters;
    public SipSlice Raw;

    public readonly bool IsEmpty => Raw.IsEmpty;
}

/// <summary>Reason header (RFC 3326), e.g. <c>Q.850;cause=16;text="Normal call clearing"</c>.</summary>
public struct SipReason
{
    public SipSlice Protocol;
    /// <summary>-1 when absent.</summary>
    public int Cause;
    /// <summary>Text without the quotes.</summary>
    public SipSlice Text;
    public SipSlice Raw;

    public readonly bool IsEmpty => Raw.IsEmpty;

    public readonly bool IsQ850(ReadOnlySpan<byte> data) => Protocol.EqualsIgnoreCase(data, "Q.850"u8);
}
