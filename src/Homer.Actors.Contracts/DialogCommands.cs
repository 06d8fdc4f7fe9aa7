namespace Homer.Actors.Contracts;

public static class DialogCommands
{
    /// <summary>
    /// One SIP message seen on the wire, reduced to what dialog tracking needs; the full message is in the store.
    /// Sent with Tell by the ingest graph: no reply, so ingest never waits on a dialog.
    /// </summary>
    public sealed record RecordSipMessage : IWithCallId, IHomerSerializable
    {
        public required string CallId { get; init; }
        public required long TimestampMicros { get; init; }
        /// <summary>Request method; null for responses.</summary>
        public string? Method { get; init; }
        /// <summary>0 for requests.</summary>
        public int StatusCode { get; init; }
        public string? ReasonPhrase { get; init; }
        public long CSeqNumber { get; init; }
        public string? CSeqMethod { get; init; }
        /// <summary>branch= of the top Via; transactions are keyed by it (RFC 3261 17.1.3).</summary>
        public string? ViaBranch { get; init; }
        public string? FromTag { get; init; }
        public string? ToTag { get; init; }
        public string? FromUser { get; init; }
        public string? ToUser { get; init; }
        public string? RuriUser { get; init; }
        public string? SourceIp { get; init; }
        public int SourcePort { get; init; }
        public string? DestinationIp { get; init; }
        public int DestinationPort { get; init; }
        /// <summary>Expires header; -1 when absent.</summary>
        public int Expires { get; init; } = -1;
        /// <summary>expires= parameter of the first Contact; -1 when absent.</summary>
        public int ContactExpires { get; init; } = -1;
        /// <summary>"Contact: *" (remove every binding).</summary>
        public bool ContactStar { get; init; }
        /// <summary>The request carries Authorization or Proxy-Authorization (the answer to a 401/407 challenge).</summary>
        public bool HasCredentials { get; init; }
        /// <summary>Reason header (RFC 3326): protocol ("Q.850", "SIP"), cause (-1 when absent) and text.</summary>
        public string? ReasonProtocol { get; init; }
        public int ReasonCause { get; init; } = -1;
        public string? ReasonText { get; init; }
        /// <summary>X-CID or the first configured correlation header: the Call-ID of another leg of the same call.</summary>
        public string? CorrelationId { get; init; }
        public string? UserAgent { get; init; }
        /// <summary>Media endpoints ("ip:port", RTP and RTCP) the SDP of this message announced; empty without SDP.</summary>
        public IReadOnlyList<string> MediaEndpoints { get; init; } = [];
        public string? NodeName { get; init; }

        public bool IsRequest => Method is not null;
    }

    /// <summary>A quality report (RTCP, RTCP-XR, vq-rtcpxr, agent stats) for the dialog of a Call-ID.</summary>
    public sealed record AttachQos(string CallId, QosReport Report) : IWithCallId, IHomerSerializable;

    /// <summary>A log line (HEP type 100) whose correlation id names this Call-ID.</summary>
    public sealed record AttachLog(string CallId, LogEntry Entry) : IWithCallId, IHomerSerializable;

    /// <summary>Another leg of the same call says it belongs with this one (X-CID or the B2BUA suffix rule).</summary>
    public sealed record LinkLeg(string CallId, string LegCallId) : IWithCallId, IHomerSerializable;

    /// <summary>
    /// Commands for dialogs of one shard, in the order they arrived: the ingest graph sends one of these per shard per
    /// routing window instead of one message per command, so the routing gate, the shard region and the shard each
    /// handle a batch rather than every message. Only commands whose Call-ID is in <see cref="ShardId"/>.
    /// </summary>
    public sealed record ShardBatch(string ShardId, IReadOnlyList<IWithCallId> Commands) : IWithDialogShard, IHomerSerializable;

    /// <summary>The stop message for passivation and hand-off, so a dialog hands its last state to the ledger first.</summary>
    public sealed class StopDialog : IHomerSerializable
    {
        public static readonly StopDialog Instance = new();
        private StopDialog() { }
    }
}

/// <summary>One quality report as a dialog keeps it; the raw report is in the message store.</summary>
public sealed record QosReport(
    string Source,
    long TimestampMicros,
    double? MosLq,
    double? MosCq,
    double? PacketLossPct,
    double? JitterMs,
    string? Reporter) : IHomerSerializable;

public sealed record LogEntry(long TimestampMicros, string Text) : IHomerSerializable;

public static class DialogQueries
{
    public sealed record GetDialog(string CallId) : IWithCallId, IHomerSerializable;

    /// <summary>What a dialog knows right now. <c>MessageCount == 0</c> means the Call-ID was never seen.</summary>
    public sealed record DialogSnapshot(
        string CallId,
        long MessageCount,
        long FirstSeenMicros,
        long LastSeenMicros) : IHomerSerializable
    {
        public string Kind { get; init; } = DialogKinds.Other;
        public DialogStatus State { get; init; }
        public long StartedMicros { get; init; }
        public long? AnsweredMicros { get; init; }
        public long? EndedMicros { get; init; }
        public long? PddMs { get; init; }
        public long? SetupMs { get; init; }
        public long? DurationMs { get; init; }
        public int? FinalStatus { get; init; }
        public string? FinalReason { get; init; }
        /// <summary>Q.850 cause of the Reason header that ended the call, when one was given.</summary>
        public int? Q850Cause { get; init; }
        /// <summary>"caller" or "callee" for a completed call.</summary>
        public string? HangupBy { get; init; }
        public bool EndedByTimeout { get; init; }
        public long? ExpiresMicros { get; init; }
        public long Retransmissions { get; init; }
        public string? FromUser { get; init; }
        public string? ToUser { get; init; }
        public string? RuriUser { get; init; }
        public string? CorrelationGroup { get; init; }
        public IReadOnlyList<TransactionView> Transactions { get; init; } = [];
        public IReadOnlyList<string> Legs { get; init; } = [];
        public IReadOnlyList<QosReport> QosReports { get; init; } = [];
        public IReadOnlyList<LogEntry> Logs { get; init; } = [];

        public bool Exists => MessageCount > 0;
    }

    public sealed record TransactionView(string Method, long CSeq, string Branch, int? FinalStatus, string State, int Requests, int Responses)
    {
        /// <summary>"ip:port" of the transaction's client (request sender) and server, as seen on the wire.</summary>
        public string? Client { get; init; }
        public string? Server { get; init; }
    }
}

public static class DialogKinds
{
    public const string Call = "CALL";
    public const string Registration = "REGISTRATION";
    public const string Other = "OTHER";
}

/// <summary>
/// States a dialog reports: call states, registration states, and those OTHER requests share with calls. On the wire,
/// in the journal and in the dialogs table each is the text <see cref="DialogStatusText.ToText"/> gives
/// ("TRYING", …), as it was when this was a string.
/// </summary>
public enum DialogStatus : byte
{
    /// <summary>No SIP message yet (QoS or logs only): the text "".</summary>
    None,
    Trying,
    Ringing,
    Answered,
    Completed,
    Failed,
    Cancelled,
    Redirected,
    Registered,
    Unregistered,
    /// <summary>Messages of a dialog whose start was not captured (mid-call BYE, stray responses).</summary>
    Unknown,
}

/// <summary>The one mapping between <see cref="DialogStatus"/> and the text journals, the wire and the dialogs table hold.</summary>
public static class DialogStatusText
{
    public static string ToText(this DialogStatus status) => status switch
    {
        DialogStatus.None => "",
        DialogStatus.Trying => "TRYING",
        DialogStatus.Ringing => "RINGING",
        DialogStatus.Answered => "ANSWERED",
        DialogStatus.Completed => "COMPLETED",
        DialogStatus.Failed => "FAILED",
        DialogStatus.Cancelled => "CANCELLED",
        DialogStatus.Redirected => "REDIRECTED",
        DialogStatus.Registered => "REGISTERED",
        DialogStatus.Unregistered => "UNREGISTERED",
        DialogStatus.Unknown => "UNKNOWN",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static DialogStatus Parse(string text) => text switch
    {
        "" => DialogStatus.None,
        "TRYING" => DialogStatus.Trying,
        "RINGING" => DialogStatus.Ringing,
        "ANSWERED" => DialogStatus.Answered,
        "COMPLETED" => DialogStatus.Completed,
        "FAILED" => DialogStatus.Failed,
        "CANCELLED" => DialogStatus.Cancelled,
        "REDIRECTED" => DialogStatus.Redirected,
        "REGISTERED" => DialogStatus.Registered,
        "UNREGISTERED" => DialogStatus.Unregistered,
        "UNKNOWN" => DialogStatus.Unknown,
        _ => throw new FormatException($"'{text}' is not a dialog state"),
    };
}
