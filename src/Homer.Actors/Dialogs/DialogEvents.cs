using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>
/// What <see cref="DialogState.Process(DialogCommands.RecordSipMessage, DialogSettings)"/> decides. They are applied
/// in memory and summarised into checkpoints (state, not every packet, is persisted); the ones others care about are
/// published as <see cref="CallEvents"/>.
/// </summary>
public static class DialogEvents
{
    public abstract record DialogEvent(long TimestampMicros);

    public sealed record DialogStarted(long TimestampMicros, string Kind, DialogStatus State) : DialogEvent(TimestampMicros);

    /// <summary>A SIP message counted; a retransmission is counted as one and changes nothing else.</summary>
    public sealed record MessageCounted(long TimestampMicros, bool Retransmission, string? Node) : DialogEvent(TimestampMicros);

    public sealed record TransactionChanged(long TimestampMicros, Transaction Transaction) : DialogEvent(TimestampMicros);

    /// <summary>The request that opens the dialog (initial INVITE, REGISTER, OPTIONS…): who calls whom.</summary>
    public sealed record InitialRequestSeen(long TimestampMicros, string Kind, string? FromUser, string? ToUser, string? RuriUser,
        string? CallerTag, string? CallerIp, string? CalleeIp, string? UserAgent, int RequestedExpires = -1) : DialogEvent(TimestampMicros);

    public sealed record Ringing(long TimestampMicros) : DialogEvent(TimestampMicros);

    public sealed record Answered(long TimestampMicros, int Status, string? Reason) : DialogEvent(TimestampMicros);

    /// <summary>401/407 to the opening request: not a failure yet, the re-sent request with credentials continues the attempt.</summary>
    public sealed record Challenged(long TimestampMicros, int Status, string? Reason) : DialogEvent(TimestampMicros);

    public sealed record ChallengeAnswered(long TimestampMicros) : DialogEvent(TimestampMicros);

    public sealed record CancelRequested(long TimestampMicros) : DialogEvent(TimestampMicros);

    public sealed record Registered(long TimestampMicros, long ExpiresMicros) : DialogEvent(TimestampMicros);

    public sealed record Ended(long TimestampMicros, DialogStatus State, int? FinalStatus, string? FinalReason, int? Q850Cause,
        string? HangupBy, bool ByTimeout) : DialogEvent(TimestampMicros);

    /// <summary><paramref name="FromSip"/>: learned from this dialog's own SIP, so the other leg must be told.</summary>
    public sealed record LegLinked(long TimestampMicros, string LegCallId, string CorrelationGroup, bool FromSip) : DialogEvent(TimestampMicros);

    public sealed record QosAttached(long TimestampMicros, QosReport Report) : DialogEvent(TimestampMicros);

    public sealed record LogAttached(long TimestampMicros, LogEntry Entry) : DialogEvent(TimestampMicros);

    /// <summary>New media endpoints announced by SDP; the media index maps them to this Call-ID.</summary>
    public sealed record MediaAnnounced(long TimestampMicros, IReadOnlyList<string> Endpoints) : DialogEvent(TimestampMicros);

    public sealed record AlarmObserved(long TimestampMicros, string Alarm, string Detail) : DialogEvent(TimestampMicros);
}

public enum TransactionState : byte
{
    /// <summary>Request seen, no response yet.</summary>
    Trying,
    /// <summary>A provisional response seen.</summary>
    Proceeding,
    /// <summary>Final response seen (for INVITE: non-2xx, waiting for its ACK).</summary>
    Completed,
    /// <summary>INVITE: the ACK of the non-2xx final response seen.</summary>
    Confirmed,
    /// <summary>INVITE answered with 2xx: the transaction ends there (RFC 3261 17.1.1.2); the ACK is its own transaction.</summary>
    Terminated,
}

/// <summary>
/// One SIP transaction as seen on the wire, identified by top-Via branch + method for RFC 3261 branches and by CSeq
/// number + method for legacy ones (<see cref="Key"/>).
/// </summary>
/// <remarks>
/// A dialog keeps its transactions for its whole life, linger included, and every gen0 collection copies the dialogs
/// started since the last one: so the key is not stored (it repeats the branch) and a response seen is a status and
/// a shared To-tag rather than a string of its own.
/// </remarks>
public sealed record Transaction(
    string Method,
    long CSeq,
    string Branch,
    bool Initial,
    long StartedMicros,
    int Requests,
    int Responses,
    int? FinalStatus,
    string? FinalReason,
    TransactionState State,
    bool Acked,
    /// <summary>Every distinct response (status and To tag), so retransmitted responses are recognised.</summary>
    IReadOnlyList<SeenResponse> SeenResponses)
{
    private const string Rfc3261Cookie = "z9hG4bK";

    /// <summary>Client side as seen on the wire: where the request came from ("ip:port"; from a response's destination
    /// when the request was not captured).</summary>
    public string? Client { get; init; }
    /// <summary>Server side: where the request went.</summary>
    public string? Server { get; init; }

    /// <summary>"branch|METHOD", or "#cseq|METHOD" for a legacy branch; built when asked (checkpoints, tests), never kept.</summary>
    public string Key => KeyOf(Branch, CSeq, Method);

    public static bool IsRfc3261(string branch) => branch.StartsWith(Rfc3261Cookie, StringComparison.Ordinal);

    public static string KeyOf(string branch, long cseq, string method) =>
        IsRfc3261(branch) ? branch + "|" + method : "#" + cseq.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|" + method;

    /// <summary>Whether this is the transaction of <see cref="KeyOf"/>(<paramref name="branch"/>, <paramref name="cseq"/>, <paramref name="method"/>), without building the key.</summary>
    public bool Is(string branch, long cseq, string method) =>
        Method == method && (IsRfc3261(branch) ? Branch == branch : CSeq == cseq && !IsRfc3261(Branch));

    public bool IsSameTransaction(Transaction other) => Is(other.Branch, other.CSeq, other.Method);

    public int Retransmissions => Math.Max(0, Requests - 1);
}

/// <summary>A distinct response of a transaction: its status and To tag (null without one).</summary>
public readonly record struct SeenResponse(int Status, string? ToTag)
{
    /// <summary>"status/to-tag", the form checkpoints carry.</summary>
    public override string ToString() => Status.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + ToTag;

    /// <summary>Reads <see cref="ToString"/>'s form back; an unreadable one (never written) counts as status 0.</summary>
    public static SeenResponse Parse(string text)
    {
        var slash = text.IndexOf('/');
        var status = slash > 0 && int.TryParse(text.AsSpan(0, slash), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 0;
        var tag = slash < 0 ? text : text[(slash + 1)..];
        return new SeenResponse(status, tag.Length == 0 ? null : tag);
    }
}
