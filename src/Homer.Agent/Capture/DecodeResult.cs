namespace Homer.Agent.Capture;

/// <summary>Why a frame produced nothing; each value is a counter in <see cref="CaptureStats"/>.</summary>
public enum DropReason
{
    None,
    UnsupportedLinkType,
    TruncatedLinkHeader,
    NotIp,
    TruncatedIpHeader,
    BadIpHeader,
    NotUdpOrTcp,
    TruncatedTransportHeader,
    FragmentPending,
    FragmentError,
    NotSip,
    EmptyPayload,
    TcpOutOfWindow,
    TcpDesync,
    TcpFlowLimit,
    SipTooLarge,
    /// <summary>On a known media port, RTCP-shaped, but without a sender or receiver report we can read.</summary>
    BadRtcp,
}
