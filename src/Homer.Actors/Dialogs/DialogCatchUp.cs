using Homer.Actors.Contracts;
using Homer.Hep;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// A message a dialog applied, remembered by its key so that the same message met again (read from the store after
/// a crash, or delivered live as well as read from the store) is applied once and retransmissions stay counted exactly.
/// </summary>
public readonly record struct AppliedMessage(long TimestampMicros, long Key);

/// <summary>
/// The identity of a message as a dialog sees it, the same whether it arrives live from ingest or is rebuilt from
/// the message store: capture time, addresses, node and the SIP fields the state reads. A retransmission is another
/// packet (another capture time), so it has another key; two agents capturing one packet differ by node.
/// FNV-1a over the fields, stable across processes (string.GetHashCode is not).
/// </summary>
public static class MessageKeys
{
    /// <summary>The key and capture time of a message command (SIP, QoS or log).</summary>
    public static (long Key, long Micros) Of(IWithCallId command) => command switch
    {
        DialogCommands.RecordSipMessage m => (Of(m), m.TimestampMicros),
        DialogCommands.AttachQos q => (Of(q), q.Report.TimestampMicros),
        DialogCommands.AttachLog l => (Of(l), l.Entry.TimestampMicros),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "not a message"),
    };

    public static long Of(DialogCommands.RecordSipMessage m)
    {
        var h = new Fnv('S');
        h.Add(m.TimestampMicros);
        h.Add(m.Method);
        h.Add(m.StatusCode);
        h.Add(m.CSeqNumber);
        h.Add(m.CSeqMethod);
        h.Add(m.ViaBranch);
        h.Add(m.FromTag);
        h.Add(m.ToTag);
        h.Add(m.SourceIp);
        h.Add(m.SourcePort);
        h.Add(m.DestinationIp);
        h.Add(m.DestinationPort);
        h.Add(m.NodeName);
        return h.Value;
    }

    public static long Of(DialogCommands.AttachQos q)
    {
        var h = new Fnv('Q');
        h.Add(q.Report.TimestampMicros);
        h.Add(q.Report.Source);
        h.Add(q.Report.Reporter);
        h.Add(BitConverter.DoubleToInt64Bits(q.Report.MosLq ?? -1));
        h.Add(BitConverter.DoubleToInt64Bits(q.Report.MosCq ?? -1));
        h.Add(BitConverter.DoubleToInt64Bits(q.Report.PacketLossPct ?? -1));
        h.Add(BitConverter.DoubleToInt64Bits(q.Report.JitterMs ?? -1));
        return h.Value;
    }

    public static long Of(DialogCommands.AttachLog l)
    {
        var h = new Fnv('L');
        h.Add(l.Entry.TimestampMicros);
        h.Add(l.Entry.Text);
        return h.Value;
    }

    private struct Fnv(char kind)
    {
        private ulong _h = (14695981039346656037UL ^ kind) * 1099511628211UL;

        public readonly long Value => (long)_h;

        public void Add(long value)
        {
            for (var i = 0; i < 8; i++)
            {
                _h = (_h ^ (byte)(value >> (i * 8))) * 1099511628211UL;
            }
        }

        public void Add(string? value)
        {
            if (value is null)
            {
                Add(-1L);
                return;
            }
            foreach (var c in value)
                _h = (_h ^ c) * 1099511628211UL;
            // The length ends the field, so ("ab", "c") and ("a", "bc") differ.
            Add(value.Length);
        }
    }
}

/// <summary>
/// The pure part of a dialog's catch-up from the message store after its node crashed: which stored messages mean
/// which commands for a dialog, where its read starts, and which of them it has not applied yet.
/// </summary>
public static class DialogCatchUp
{
    /// <summary>The commands the ingest node routed (or would have routed) to <paramref name="dialogId"/> for a stored message.</summary>
    public static IEnumerable<IWithCallId> CommandsFor(string dialogId, CapturedMessage message, SipParserOptions? parser = null)
    {
        switch (message.ProtocolType)
        {
            case HepProtocolType.Sip:
                if (message.CallId != dialogId || message.ParseError is not null)
                    yield break;
                var payload = message.Payload.Span;
                // With the deployment's leg headers, as the ingest decoder parsed it.
                if (!SipParser.TryParse(payload, parser ?? SipParserOptions.Default, out var sip, out _))
                    yield break;
                yield return DialogRouting.ToCommand(message, payload, sip);
                break;
            case HepProtocolType.Log:
                if (message.CorrelationId == dialogId)
                    yield return new DialogCommands.AttachLog(dialogId, DialogRouting.LogEntryOf(message));
                break;
            case var type when HepProtocolType.IsDialogQuality(type):
                if (QosParsing.TryParse(message.ProtocolType, message.Payload.Span, message.TimestampMicros, message.SourceIp.ToString(),
                        out var embeddedCallId, out var report)
                    && (message.CorrelationId ?? embeddedCallId) == dialogId)
                    yield return new DialogCommands.AttachQos(dialogId, report);
                break;
        }
    }

    /// <summary>
    /// Capture time from which a dialog reads the store: what it may have missed is newer than its applied watermark
    /// less the key window (messages arrive out of capture order by up to that much, and their keys are kept that
    /// long). A dialog the ledger did not know reads its whole recent history: from the ledger's window less the key
    /// window, since its first messages may be older than the window (captured before the crashed node got to them),
    /// and read in capture order they apply as they happened.
    /// </summary>
    public static long ReadFrom(DialogState state, long ledgerFromMicros, TimeSpan keyWindow)
    {
        if (state.AppliedThroughMicros > 0)
            return state.AppliedThroughMicros - (long)keyWindow.TotalMicroseconds;
        // A checkpoint written before applied keys existed: only what is newer than its last message is safe to apply.
        if (state.Exists)
            return state.LastSeenMicros + 1;
        return ledgerFromMicros - (long)keyWindow.TotalMicroseconds;
    }

    /// <summary>Whether a message read from the store is one this dialog has not applied yet.</summary>
    public static bool IsNew(DialogState state, long timestampMicros, long key, TimeSpan keyWindow)
    {
        if (state.HasApplied(key))
            return false;
        if (state.AppliedThroughMicros > 0)
            // Older than the key window: its key would have been forgotten, so it cannot be told from one applied.
            return timestampMicros >= state.AppliedThroughMicros - (long)keyWindow.TotalMicroseconds;
        return !state.Exists || timestampMicros > state.LastSeenMicros;
    }
}

/// <summary>Tunables of the catch-up from the message store after a dialog node crashed (cluster-config: homer.dialog.recovery).</summary>
public sealed record CatchUpSettings
{
    public static CatchUpSettings Default { get; } = new();

    /// <summary>
    /// Subtracted from the last time a recovering ledger persisted something to start its window: covers capture
    /// clocks behind the node's and capture-to-ingest delay. Keep it below the linger, or calls that ended and retired
    /// before the crash are found again.
    /// </summary>
    public TimeSpan Margin { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The window never starts earlier than this before the recovery (a ledger idle for an hour reads no hour).</summary>
    public TimeSpan MaxWindow { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>
    /// When the ledger and every dialog that caught up read the store a second time: messages still on their way to
    /// the store at the first read (the ingest writer's batches, a spool replay) are found then.
    /// </summary>
    public TimeSpan SecondPass { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// How long before a dialog node was seen unreachable it may already have been dead (failure detection time plus
    /// the margin). After it is removed every shard's ledger is woken; those opened since then catch up from then on,
    /// which covers shards whose very first messages went to the dead node.
    /// </summary>
    public TimeSpan DetectionAllowance { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>At most this many dialog ids per window read; a cut answer is logged.</summary>
    public int MaxDialogIds { get; init; } = 500_000;
    /// <summary>At most this many messages per dialog read.</summary>
    public int MaxMessagesPerDialog { get; init; } = 10_000;
    /// <summary>
    /// Catch-up reads of the message store the node runs at once (each on its own connection of a pool this size,
    /// apart from the COPY's): every recovering shard of the node queues behind them.
    /// </summary>
    public int ReadConcurrency { get; init; } = 2;
    /// <summary>How long a catch-up read waits at most, before it starts, while the node's ingest is behind.</summary>
    public TimeSpan ReadYieldMax { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// The window ends this long after the ledger opened on its new home: what is routed to the shard from then on
    /// reaches it live, and this covers capture clocks a little ahead of the node's. Calls that start later never read
    /// the store.
    /// </summary>
    public TimeSpan AfterOpen { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>A ledger's read of its window that fails is tried again this many times in all, with a doubling backoff.</summary>
    public int ReadAttempts { get; init; } = 5;
    /// <summary>The first backoff after a failed read (then doubled, at most 30 s).</summary>
    public TimeSpan ReadRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Dialogs whose messages one statement reads (a shard's dialogs in the window are read in chunks of this many).</summary>
    public int DialogsPerRead { get; init; } = 1_000;
    /// <summary>
    /// Live messages a dialog keeps aside while its catch-up is pending; past that it drops them (counted) and its second
    /// read, from the store where they are, applies them.
    /// </summary>
    public int MaxPendingLive { get; init; } = 1_000;

    /// <summary>How long after a recovery a dialog starting in the shard catches up: until the second pass has run.</summary>
    public TimeSpan Period => SecondPass + SecondPass;
}
