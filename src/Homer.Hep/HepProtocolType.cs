namespace Homer.Hep;

/// <summary>Values of chunk 0x000b (what the payload is) as senders and collectors use them.</summary>
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
    public const byte OracleSbcQos = 38;
    public const byte Dns = 53;
    public const byte IsupJson = 54;
    public const byte DiameterJson = 56;
    /// <summary>captagent's forwarded vq-rtcpxr PUBLISH reports; not in the spec.</summary>
    public const byte RtcpXrPublish = 99;
    public const byte Log = 100;
}
