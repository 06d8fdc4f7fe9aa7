namespace Homer.Sip.Rtcp;

public enum RtcpPacketType : byte
{
    SenderReport = 200,
    ReceiverReport = 201,
    SourceDescription = 202,
    Goodbye = 203,
    Application = 204,
    ExtendedReport = 207,
}

/// <summary>RFC 3550 6.4.1 sender information.</summary>
public sealed record RtcpSenderInfo(uint NtpSeconds, uint NtpFraction, uint RtpTimestamp, uint PacketCount, uint OctetCount);

/// <summary>RFC 3550 6.4.1 report block. <see cref="CumulativeLost"/> is signed 24-bit (duplicates make it negative).</summary>
public sealed record RtcpReportBlock(uint SourceSsrc, byte FractionLost, int CumulativeLost, uint HighestSequence, uint Jitter,
    uint LastSenderReport, uint DelaySinceLastSenderReport)
{
    /// <summary>Fraction lost as a percentage (the wire value is in 1/256ths).</summary>
    public double FractionLostPercent => FractionLost * 100.0 / 256.0;
}

public sealed record RtcpSdesItem(uint Ssrc, byte Type, string Value)
{
    public const byte CName = 1;
}

/// <summary>RFC 3611 4.7 VoIP Metrics Report Block (XR block type 7). Scaled values are exposed typed.</summary>
public sealed record RtcpVoipMetrics(uint Ssrc, byte LossRate, byte DiscardRate, byte BurstDensity, byte GapDensity,
    ushort BurstDuration, ushort GapDuration, ushort RoundTripDelay, ushort EndSystemDelay, sbyte SignalLevel, sbyte NoiseLevel,
    byte ResidualEchoReturnLoss, byte Gmin, byte RFactor, byte ExternalRFactor, byte MosLqRaw, byte MosCqRaw, byte RxConfig,
    ushort JitterBufferNominal, ushort JitterBufferMaximum, ushort JitterBufferAbsoluteMaximum)
{
    /// <summary>Loss rate in percent (wire: fraction × 256).</summary>
    public double LossRatePercent => LossRate * 100.0 / 256.0;

    public double DiscardRatePercent => DiscardRate * 100.0 / 256.0;

    /// <summary>MOS-LQ (wire: × 10, 127 = unavailable).</summary>
    public double? MosLq => MosLqRaw == 127 ? null : MosLqRaw / 10.0;

    public double? MosCq => MosCqRaw == 127 ? null : MosCqRaw / 10.0;
}

/// <summary>One RTCP packet of a compound packet, or one agent JSON report.</summary>
public sealed class RtcpPacket
{
    public byte PacketType { get; init; }
    public uint Ssrc { get; init; }
    public RtcpSenderInfo? SenderInfo { get; init; }
    public IReadOnlyList<RtcpReportBlock> ReportBlocks { get; init; } = [];
    public IReadOnlyList<RtcpSdesItem> SdesItems { get; init; } = [];
    public IReadOnlyList<uint> ByeSsrcs { get; init; } = [];
    public string? ByeReason { get; init; }
    public IReadOnlyList<RtcpVoipMetrics> VoipMetrics { get; init; } = [];
}

public enum RtcpParseError : byte
{
    None,
    Empty,
    /// <summary>Fewer than 4 bytes where a packet header should be.</summary>
    TooShort,
    /// <summary>Version bits are not 2.</summary>
    BadVersion,
    /// <summary>The length field runs past the buffer.</summary>
    LengthExceedsBuffer,
    /// <summary>Report/source counts need more bytes than the packet has.</summary>
    CountExceedsPacket,
    /// <summary>Not valid JSON, or JSON that is not an RTCP report.</summary>
    BadJson,
}
