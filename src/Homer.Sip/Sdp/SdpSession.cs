using System.Runtime.CompilerServices;

namespace Homer.Sip.Sdp;

public enum SdpDirection : byte
{
    /// <summary>No direction attribute: RFC 3264 says sendrecv.</summary>
    Unspecified,
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

/// <summary>One payload type of an m= line, named by a=rtpmap or by the static RFC 3551 table.</summary>
public struct SdpCodec
{
    public int PayloadType;
    /// <summary>Encoding name from a=rtpmap; empty for static payload types without rtpmap (see <see cref="Name"/>).</summary>
    public SipSlice EncodingName;
    /// <summary>0 when unknown.</summary>
    public int ClockRate;
    /// <summary>0 when not given.</summary>
    public int Channels;

    public readonly string Name(ReadOnlySpan<byte> data) =>
        !EncodingName.IsEmpty ? EncodingName.ToString(data) : SdpParser.StaticPayloadName(PayloadType) ?? PayloadType.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

[InlineArray(SdpMedia.MaxCodecs)]
public struct SdpCodecBuffer
{
    private SdpCodec _first;
}

/// <summary>An m= section with the connection address, RTCP port and direction that apply to it.</summary>
public struct SdpMedia
{
    /// <summary>Codecs beyond this are counted in <see cref="FormatCount"/> but not described.</summary>
    public const int MaxCodecs = 16;

    public SipSlice Media;
    public int Port;
    /// <summary>"/2" after the port; 1 when absent.</summary>
    public int PortCount;
    public SipSlice Protocol;
    /// <summary>The raw format list of the m= line.</summary>
    public SipSlice Formats;
    public int FormatCount;
    /// <summary>Effective address: the media-level c= line, else the session-level one.</summary>
    public SipSlice ConnectionAddress;
    /// <summary>Effective direction: media-level attribute, else session-level.</summary>
    public SdpDirection Direction;
    /// <summary>a=rtcp port; 0 when absent (then RTCP is on <see cref="Port"/> + 1, or on <see cref="Port"/> with rtcp-mux).</summary>
    public int RtcpPort;
    public SipSlice RtcpAddress;
    public bool RtcpMux;
    public int PacketTime;
    public int CodecCount;
    public SdpCodecBuffer Codecs;

    /// <summary>Where RTCP for this stream is expected.</summary>
    public readonly int EffectiveRtcpPort => RtcpPort > 0 ? RtcpPort : RtcpMux ? Port : Port == 0 ? 0 : Port + 1;
}

[InlineArray(SdpSession.MaxMedia)]
public struct SdpMediaBuffer
{
    private SdpMedia _first;
}

/// <summary>A parsed SDP body; everything inline or as slices of the buffer, so parsing allocates nothing.</summary>
public struct SdpSession
{
    /// <summary>m= sections beyond this are counted in <see cref="MediaCountTotal"/> but not described.</summary>
    public const int MaxMedia = 8;

    public SipSlice OriginUser;
    public SipSlice OriginSessionId;
    public SipSlice OriginAddress;
    public SipSlice SessionName;
    public SipSlice ConnectionAddress;
    /// <summary>"IP4" or "IP6" of the session-level c= line.</summary>
    public SipSlice AddressType;
    public SdpDirection Direction;
    public int MediaCount;
    public int MediaCountTotal;
    public SdpMediaBuffer Media;
}
