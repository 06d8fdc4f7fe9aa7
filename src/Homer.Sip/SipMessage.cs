namespace Homer.Sip;

/// <summary>
/// A parsed SIP message whose fields are slices of the payload it was parsed from. Only what is indexed or shown is
/// located; the payload itself stays the source of truth.
/// </summary>
public struct SipMessage
{
    public bool IsRequest;
    public SipSlice Method;
    public SipMethod MethodKind;
    public int StatusCode;
    public SipSlice ReasonPhrase;
    public SipUri RequestUri;
    public SipSlice StartLine;

    public SipSlice CallId;
    public SipNameAddr From;
    public SipNameAddr To;
    public uint CSeqNumber;
    public SipSlice CSeqMethod;
    public SipMethod CSeqMethodKind;

    public SipVia Via;
    /// <summary>Via values in all Via headers, comma-joined ones counted one by one.</summary>
    public int ViaCount;
    public SipNameAddr Contact;
    /// <summary>"Contact: *" (REGISTER removing all bindings).</summary>
    public bool ContactStar;
    public SipSlice UserAgent;
    public SipSlice Server;
    public SipNameAddr PAssertedIdentity;
    public SipNameAddr Diversion;
    public SipReason Reason;
    /// <summary>-1 when absent.</summary>
    public int Expires;
    /// <summary>username= of Authorization or Proxy-Authorization, without quotes.</summary>
    public SipSlice AuthorizationUser;
    public SipSlice ContentType;
    /// <summary>-1 when absent or unreadable.</summary>
    public int ContentLength;
    /// <summary>-1 when absent.</summary>
    public int MaxForwards;
    public SipSlice Event;
    /// <summary>X-CID, the B2BUA leg correlation header most SBCs and Kamailio setups add.</summary>
    public SipSlice XCid;
    /// <summary>Value of the first configured correlation header found (<see cref="SipParserOptions"/>), in priority order.</summary>
    public SipSlice CorrelationId;
    /// <summary>Index in <see cref="SipParserOptions.CorrelationHeaders"/> of the header that gave <see cref="CorrelationId"/>; -1 if none.</summary>
    public int CorrelationSource;
    /// <summary>X-RTP-Stat / P-RTP-Stat end-of-call media summary.</summary>
    public SipSlice RtpStat;

    /// <summary>Everything after the blank line, as received (even when Content-Length disagrees).</summary>
    public SipSlice Body;
    /// <summary>The SDP: the body itself for application/sdp, or the SDP part of a multipart body.</summary>
    public SipSlice Sdp;
    public SipSlice Headers;
    public int HeaderCount;
    public SipFlags Flags;

    public readonly bool Has(SipFlags flag) => (Flags & flag) != 0;

    public readonly bool IsResponse => !IsRequest;
}
