namespace Homer.Agent.Capture;

/// <summary>Receives each SIP message found; <see cref="L4Packet.Payload"/> is exactly one message and is only valid during the call.</summary>
public interface IPacketSink
{
    void OnSip(ref L4Packet packet);

    /// <summary>RTCP on a media port announced in a call's SDP; <paramref name="json"/> is the HEP type 5 payload.</summary>
    void OnRtcp(ref L4Packet packet, ReadOnlySpan<byte> json, string correlationId);

    /// <summary>
    /// An RTP stream report of the agent's own analysis (HEP type 34); the packet carries the stream's addresses and
    /// <paramref name="json"/> as its payload.
    /// </summary>
    void OnRtpReport(ref L4Packet packet, ReadOnlySpan<byte> json, string correlationId);
}
