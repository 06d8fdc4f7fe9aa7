namespace Homer.Hep;

/// <summary>
/// Values of chunk 0x000b (what the payload is) as senders and collectors use them, and the groups of them that the
/// store, the dialogs and the API treat alike: the one place a payload type number is written (docs/hep-protocol.md).
/// </summary>
public static class HepProtocolType
{
    public const byte Sip = 1;
    public const byte Xmpp = 2;
    public const byte Sdp = 3;
    public const byte Rtp = 4;
    /// <summary>RTCP reports as JSON (captagent, heplify, rtpengine, FreeSWITCH, Asterisk res_hep_rtcp).</summary>
    public const byte RtcpJson = 5;
    public const byte Mgcp = 6;
    public const byte Megaco = 7;
    public const byte M2ua = 8;
    public const byte M3ua = 9;
    public const byte Iax = 10;
    public const byte M2pa = 13;
    /// <summary>HOMER 5 legacy QoS report.</summary>
    public const byte QosLegacy = 32;
    /// <summary>RTP agent QoS report (JSON).</summary>
    public const byte QosJson = 34;
    /// <summary>RTCP-XR voice-quality report, vq-rtcpxr text (RFC 6035).</summary>
    public const byte RtcpXr = 35;
    /// <summary>Oracle SBC QoS (horaclifix JSON): stored in the qos table, but no dialog reads it (see <see cref="IsDialogQuality"/>).</summary>
    public const byte OracleSbcQos = 38;
    public const byte Dns = 53;
    public const byte IsupJson = 54;
    public const byte DiameterJson = 56;
    /// <summary>captagent's forwarded vq-rtcpxr PUBLISH reports; not in the spec.</summary>
    public const byte RtcpXrPublish = 99;
    public const byte Log = 100;

    /// <summary>The QoS reports HOMER keeps in its <c>qos</c> table: 32, 34, 35, 38, 99 (RTCP, 5, has a table of its own).</summary>
    public static bool IsQosReport(byte protocolType) =>
        protocolType is QosLegacy or QosJson or RtcpXr or OracleSbcQos or RtcpXrPublish;

    /// <summary>Every quality report a call's QoS is read from in the store: RTCP (5) and the <see cref="IsQosReport"/> types.</summary>
    public static bool IsQualityReport(byte protocolType) => protocolType == RtcpJson || IsQosReport(protocolType);

    /// <summary>
    /// The quality reports routed to a dialog (by correlation id) and reduced to its figures: RTCP (5) and the QoS
    /// reports 32, 34, 35, 99. Oracle SBC QoS (38) is not among them: it is stored raw and read only from the store
    /// (<see cref="IsQualityReport"/>), so a dialog's live QoS never had it; adding it would change what dialogs hold.
    /// </summary>
    public static bool IsDialogQuality(byte protocolType) => protocolType != OracleSbcQos && IsQualityReport(protocolType);
}
