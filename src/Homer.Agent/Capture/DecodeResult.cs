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
    /// <summary>A SIP-over-WebSocket message compressed with permessage-deflate (RSV1), which a capture cannot inflate.</summary>
    WsCompressed,
    /// <summary>A WebSocket message that was never finished: a new one began before its last fragment.</summary>
    WsIncomplete,
    /// <summary>Bytes on a WebSocket port that are neither a frame nor the HTTP handshake; the stream resumes at a frame.</summary>
    WsDesync,
    /// <summary>An SCTP DATA chunk that SCTP retransmitted (its TSN was already seen on that direction).</summary>
    SctpDuplicate,
    /// <summary>An SCTP packet whose chunk lengths do not add up; what came before the bad chunk was kept.</summary>
    SctpMalformed,
    /// <summary>An SCTP packet without DATA chunks (INIT, SACK, HEARTBEAT, SHUTDOWN…).</summary>
    SctpControl,
}
