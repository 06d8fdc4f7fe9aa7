namespace Homer.Sip.Rtcp;

/// <summary>An address line of a vq-rtcpxr report: "IP=10.0.0.1 PORT=5000 SSRC=0x2468abcd".</summary>
public sealed record VqAddress(string? Ip, int? Port, uint? Ssrc);

/// <summary>One metrics block (LocalMetrics or RemoteMetrics) of an RFC 6035 report, typed.</summary>
public sealed class VqMetrics
{
    public DateTimeOffset? Start { get; set; }
    public DateTimeOffset? Stop { get; set; }
    // SessionDesc
    public int? PayloadType { get; set; }
    public string? PayloadDescription { get; set; }
    public int? SampleRate { get; set; }
    public int? FrameDuration { get; set; }
    public int? FramesPerPacket { get; set; }
    public int? PacketsPerSecond { get; set; }
    public string? PacketLossConcealment { get; set; }
    public string? SilenceSuppression { get; set; }
    // JitterBuffer
    public int? JitterBufferAdaptive { get; set; }
    public int? JitterBufferRate { get; set; }
    public int? JitterBufferNominal { get; set; }
    public int? JitterBufferMax { get; set; }
    public int? JitterBufferAbsMax { get; set; }
    // PacketLoss
    public double? NetworkLossRate { get; set; }
    public double? JitterDiscardRate { get; set; }
    // BurstGapLoss
    public double? BurstLossDensity { get; set; }
    public int? BurstDuration { get; set; }
    public double? GapLossDensity { get; set; }
    public int? GapDuration { get; set; }
    public int? MinGapThreshold { get; set; }
    // Delay
    public int? RoundTripDelay { get; set; }
    public int? EndSystemDelay { get; set; }
    public int? SymmetricOneWayDelay { get; set; }
    public int? InterArrivalJitter { get; set; }
    public int? MeanAbsoluteJitter { get; set; }
    // Signal
    public int? SignalLevel { get; set; }
    public int? NoiseLevel { get; set; }
    public int? ResidualEchoReturnLoss { get; set; }
    // QualityEst
    public double? RListeningQuality { get; set; }
    public double? RConversationalQuality { get; set; }
    public double? ExternalRIn { get; set; }
    public double? ExternalROut { get; set; }
    public double? MosLq { get; set; }
    public double? MosCq { get; set; }
    public string? QoeEstimationAlgorithm { get; set; }

    /// <summary>Parameters we do not type, as "Line.KEY" → value (e.g. "Delay.XYZ").</summary>
    public Dictionary<string, string> Other { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>An RFC 6035 voice-quality report (application/vq-rtcpxr), from SIP PUBLISH or HEP types 35/99.</summary>
public sealed class VqReport
{
    /// <summary>VQSessionReport, VQIntervalReport or VQAlertReport.</summary>
    public string? Kind { get; set; }
    /// <summary>"CallTerm" after the kind, when present.</summary>
    public string? Qualifier { get; set; }
    public string? CallId { get; set; }
    public string? LocalId { get; set; }
    public string? RemoteId { get; set; }
    public string? OrigId { get; set; }
    public string? LocalGroup { get; set; }
    public string? RemoteGroup { get; set; }
    public VqAddress? LocalAddr { get; set; }
    public VqAddress? RemoteAddr { get; set; }
    public string? LocalMac { get; set; }
    public string? RemoteMac { get; set; }
    public string? DialogId { get; set; }
    public VqMetrics Local { get; } = new();
    public VqMetrics? Remote { get; set; }
    public Dictionary<string, string> Other { get; } = new(StringComparer.OrdinalIgnoreCase);
}
