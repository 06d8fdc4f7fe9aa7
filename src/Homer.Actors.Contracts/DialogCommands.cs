namespace Homer.Actors.Contracts;

public static class DialogCommands
{
    /// <summary>
    /// One SIP message seen on the wire, reduced to what dialog tracking needs; the full message is in the store.
    /// Sent with Tell by the ingest graph: no reply, so ingest never waits on a dialog.
    /// </summary>
    public sealed record RecordSipMessage(
        string CallId,
        long TimestampMicros,
        string? Method,
        int StatusCode,
        long CSeqNumber,
        string? CSeqMethod,
        string? FromTag,
        string? ToTag) : IWithCallId, IHomerSerializable;

    /// <summary>The stop message for passivation and hand-off, so a dialog persists its last state first.</summary>
    public sealed class StopDialog : IHomerSerializable
    {
        public static readonly StopDialog Instance = new();
        private StopDialog() { }
    }
}

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
        public bool Exists => MessageCount > 0;
    }
}
