using Homer.Actors.Contracts;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Immutable state of one Call-ID. <c>Process</c> decides what a command means (events, nothing changed) and
/// <see cref="Apply"/> evolves the state by one event; the actor around it only checkpoints, publishes and passivates.
/// Messages arrive in capture order from several agents, which is not always wire order: times keep their true
/// bounds and call states only move forward.
/// </summary>
public sealed record DialogState
{
    private const string Rfc3261Cookie = "z9hG4bK";
    /// <summary>Newest reports and logs kept per dialog; MOS min/avg still count every report.</summary>
    public const int MaxQosReports = 64;
    public const int MaxLogs = 100;

    public required string CallId { get; init; }
    /// <summary>How many decisions were applied; the ledger keeps the newest checkpoint when two race.</summary>
    public long Revision { get; init; }
    public string Kind { get; init; } = DialogKinds.Other;
    /// <summary>Empty until the first SIP message.</summary>
    public string State { get; init; } = "";
    public long MessageCount { get; init; }
    public long Retransmissions { get; init; }
    public long FirstSeenMicros { get; init; }
    public long LastSeenMicros { get; init; }
    public long? StartedMicros { get; init; }
    public long? RingingMicros { get; init; }
    public long? AnsweredMicros { get; init; }
    public long? EndedMicros { get; init; }
    public int? FinalStatus { get; init; }
    public string? FinalReason { get; init; }
    public int? Q850Cause { get; init; }
    public string? HangupBy { get; init; }
    public bool EndedByTimeout { get; init; }
    public bool IsEnded { get; init; }
    public bool ChallengePending { get; init; }
    public bool CancelPending { get; init; }
    public long? ExpiresMicros { get; init; }
    /// <summary>What the newest REGISTER asked for, used when the 2xx names no expiry; -1 when it asked nothing.</summary>
    public int RequestedExpires { get; init; } = -1;
    public string? FromUser { get; init; }
    public string? ToUser { get; init; }
    public string? RuriUser { get; init; }
    public string? CallerTag { get; init; }
    public string? CallerIp { get; init; }
    public string? CalleeIp { get; init; }
    public string? UserAgent { get; init; }
    public string? Node { get; init; }
    public string? CorrelationGroup { get; init; }
    public IReadOnlyList<Transaction> Transactions { get; init; } = [];
    public IReadOnlyList<string> Legs { get; init; } = [];
    public IReadOnlyList<QosReport> QosReports { get; init; } = [];
    public double? MosMin { get; init; }
    public double MosSum { get; init; }
    public int MosCount { get; init; }
    public IReadOnlyList<LogEntry> Logs { get; init; } = [];
    public IReadOnlyList<string> MediaEndpoints { get; init; } = [];
    /// <summary>Alarms already observed (bit per <see cref="AlarmKinds"/> name), so each is published once.</summary>
    public int AlarmsSeen { get; init; }

    /// <summary>Newest capture time among the messages applied; with <see cref="Applied"/>, what a catch-up skips.</summary>
    public long AppliedThroughMicros { get; init; }
    /// <summary>
    /// Keys of the messages applied within the key window before <see cref="AppliedThroughMicros"/> (at most
    /// <see cref="MaxApplied"/>), so a message met twice after a crash is applied once.
    /// </summary>
    public IReadOnlyList<AppliedMessage> Applied { get; init; } = [];
    /// <summary>A retransmission storm must not grow the state without bound; past this the oldest keys go first.</summary>
    public const int MaxApplied = 256;

    public static DialogState Empty(string callId) => new() { CallId = callId };

    public bool HasApplied(long key)
    {
        foreach (var applied in Applied)
            if (applied.Key == key)
                return true;
        return false;
    }

    /// <summary>This state having applied the message <paramref name="applied"/>; keys older than the window are forgotten.</summary>
    public DialogState Remember(AppliedMessage applied, TimeSpan keyWindow)
    {
        var (through, keys) = KeysWith(applied, keyWindow);
        return this with { AppliedThroughMicros = through, Applied = keys };
    }

    private (long Through, IReadOnlyList<AppliedMessage> Keys) KeysWith(AppliedMessage applied, TimeSpan keyWindow)
    {
        var through = Math.Max(AppliedThroughMicros, applied.TimestampMicros);
        var oldest = through - (long)keyWindow.TotalMicroseconds;
        // The usual case, every message of a call within the window: one array, no filtering.
        if (Applied.Count < MaxApplied && AllWithin(Applied, oldest))
        {
            var grown = new AppliedMessage[Applied.Count + 1];
            for (var i = 0; i < Applied.Count; i++)
                grown[i] = Applied[i];
            grown[^1] = applied;
            return (through, grown);
        }
        var kept = new List<AppliedMessage>(Math.Min(Applied.Count + 1, MaxApplied));
        var skip = Math.Max(0, Applied.Count + 1 - MaxApplied);
        foreach (var a in Applied)
        {
            if (skip > 0)
            {
                skip--;
                continue;
            }
            if (a.TimestampMicros >= oldest)
                kept.Add(a);
        }
        kept.Add(applied);
        return (through, kept);
    }

    /// <summary>Whether no key is older than <paramref name="oldest"/> (keys are kept in the order applied, not in time order).</summary>
    private static bool AllWithin(IReadOnlyList<AppliedMessage> applied, long oldest)
    {
        foreach (var a in applied)
            if (a.TimestampMicros < oldest)
                return false;
        return true;
    }

    public bool Exists => MessageCount > 0;

    public double? MosAvg => MosCount == 0 ? null : MosSum / MosCount;

    // ---------------------------------------------------------------- decide

    public IReadOnlyList<DialogEvent> Process(DialogCommands.RecordSipMessage m, DialogSettings settings)
    {
        var events = new List<DialogEvent>(4);
        var ts = m.TimestampMicros;
        var method = m.IsRequest ? m.Method! : m.CSeqMethod ?? "";
        var kind = KindOf(method);

        var state = this;
        void Emit(DialogEvent e)
        {
            events.Add(e);
            state = state.Apply(e);
        }

        if (MessageCount == 0)
        {
            var opening = m.IsRequest && m.ToTag is null && IsOpeningMethod(method);
            Emit(new DialogStarted(ts, kind, opening ? DialogStates.Trying : DialogStates.Unknown));
            if (settings.IsScanner(m.UserAgent))
                EmitAlarm(AlarmKinds.ScannerUserAgent, m.UserAgent!);
            if (m.CorrelationId is { Length: > 0 } cid && cid != CallId)
                Emit(new LegLinked(ts, cid, cid, FromSip: true));
            else if (settings.LegRootOf(CallId) is { } root)
                Emit(new LegLinked(ts, root, root, FromSip: true));
        }
        else if (Kind == DialogKinds.Other && kind == DialogKinds.Call && m.IsRequest && m.ToTag is null && method == "INVITE")
        {
            // The Call-ID began with something else (an OPTIONS probe, a SUBSCRIBE) and now carries a call.
            Emit(new DialogStarted(ts, DialogKinds.Call, DialogStates.Trying));
        }

        var (tx, retransmission) = MatchTransaction(state, m, method);
        Emit(new MessageCounted(ts, retransmission, m.NodeName));
        // A flood of distinct transactions on one Call-ID (a scanner, a loop) must not grow the state without bound.
        if (tx is not null && (state.Transactions.Count < settings.MaxTransactions || state.Find(tx.Key) is not null))
            Emit(new TransactionChanged(ts, tx));

        if (retransmission)
        {
            if (state.Retransmissions == settings.RetransmissionStorm)
                EmitAlarm(AlarmKinds.RetransmissionStorm, $"{state.Retransmissions} retransmissions");
            return events;
        }

        var newMedia = m.MediaEndpoints.Where(e => !state.MediaEndpoints.Contains(e)).ToArray();
        if (newMedia.Length > 0)
            Emit(new MediaAnnounced(ts, newMedia));

        switch (state.Kind)
        {
            case DialogKinds.Call:
                DecideCall(state, m, method, tx, Emit);
                break;
            case DialogKinds.Registration:
                DecideRegistration(state, m, method, tx, settings, Emit);
                break;
            default:
                DecideOther(state, m, method, tx, Emit);
                break;
        }

        if (!IsEnded && state.IsEnded)
            AlarmsOnEnd(state, settings, EmitAlarm);
        return events;

        void EmitAlarm(string alarm, string detail)
        {
            var bit = AlarmBit(alarm);
            if ((state.AlarmsSeen & bit) == 0)
                Emit(new AlarmObserved(ts, alarm, detail));
        }
    }

    public IReadOnlyList<DialogEvent> Process(DialogCommands.AttachQos command, DialogSettings settings)
    {
        var report = command.Report;
        var events = new List<DialogEvent>(2) { new QosAttached(report.TimestampMicros, report) };
        var mos = report.MosLq ?? report.MosCq;
        if (mos is { } value && value < settings.BadMos && (AlarmsSeen & AlarmBit(AlarmKinds.BadMos)) == 0)
            events.Add(new AlarmObserved(report.TimestampMicros, AlarmKinds.BadMos,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"MOS {value:0.00} from {report.Source}")));
        return events;
    }

    public IReadOnlyList<DialogEvent> Process(DialogCommands.AttachLog command, DialogSettings settings)
    {
        var entry = command.Entry.Text.Length > settings.MaxLogText
            ? command.Entry with { Text = command.Entry.Text[..settings.MaxLogText] }
            : command.Entry;
        return [new LogAttached(entry.TimestampMicros, entry)];
    }

    public IReadOnlyList<DialogEvent> Process(DialogCommands.LinkLeg command)
    {
        if (command.LegCallId == CallId || Legs.Contains(command.LegCallId))
            return [];
        return [new LegLinked(LastSeenMicros, command.LegCallId, CorrelationGroup ?? CallId, FromSip: false)];
    }

    /// <summary>
    /// Nothing arrived for the idle time the actor allowed this state: end what is still open, by timeout, at the
    /// last capture time known (the true end was not seen).
    /// </summary>
    public IReadOnlyList<DialogEvent> ProcessTimeout()
    {
        if (IsEnded || !Exists)
            return [];
        var at = LastSeenMicros;
        return Kind switch
        {
            DialogKinds.Call when State == DialogStates.Answered =>
                [new Ended(at, DialogStates.Completed, FinalStatus, FinalReason, Q850Cause, null, ByTimeout: true)],
            DialogKinds.Registration when State == DialogStates.Registered =>
                [new Ended(ExpiresMicros ?? at, DialogStates.Unregistered, FinalStatus, FinalReason, null, null, ByTimeout: true)],
            _ when State == DialogStates.Unknown => [new Ended(at, DialogStates.Unknown, FinalStatus, FinalReason, Q850Cause, null, ByTimeout: true)],
            _ => [new Ended(at, DialogStates.Failed, FinalStatus, FinalReason, Q850Cause, null, ByTimeout: true)],
        };
    }

    private static (Transaction? Tx, bool Retransmission) MatchTransaction(DialogState state, DialogCommands.RecordSipMessage m, string method)
    {
        var branch = m.ViaBranch ?? "";
        var rfc3261 = branch.StartsWith(Rfc3261Cookie, StringComparison.Ordinal);

        if (m.IsRequest)
        {
            if (method == "ACK")
            {
                // The ACK of a non-2xx final is part of the INVITE transaction (same branch, RFC 3261 17.1.1.3);
                // the ACK of a 2xx is a transaction of its own.
                var invite = state.Find(KeyOf(rfc3261, branch, m.CSeqNumber, "INVITE"));
                if (invite is { FinalStatus: >= 300 })
                    return invite.Acked
                        ? (invite with { Requests = invite.Requests + 1 }, true)
                        : (invite with { Acked = true, State = TransactionState.Confirmed }, false);
            }

            var key = KeyOf(rfc3261, branch, m.CSeqNumber, method);
            if (state.Find(key) is { } existing)
                return existing.Requests == 0
                    ? (existing with { Requests = 1, Initial = m.ToTag is null }, false)
                    : (existing with { Requests = existing.Requests + 1 }, true);
            return (new Transaction(key, method, m.CSeqNumber, branch, m.ToTag is null, m.TimestampMicros, 1, 0, null, null,
                method == "ACK" ? TransactionState.Terminated : TransactionState.Trying, false, [])
            {
                Client = Endpoint(m.SourceIp, m.SourcePort),
                Server = Endpoint(m.DestinationIp, m.DestinationPort),
            }, false);
        }

        var responseKey = KeyOf(rfc3261, branch, m.CSeqNumber, method);
        // A response whose request was not captured still opens its transaction; before an answer it can only be initial.
        var tx = state.Find(responseKey) ?? new Transaction(responseKey, method, m.CSeqNumber, branch,
            state.AnsweredMicros is null, m.TimestampMicros, 0, 0, null, null, TransactionState.Trying, false, [])
        {
            Client = Endpoint(m.DestinationIp, m.DestinationPort),
            Server = Endpoint(m.SourceIp, m.SourcePort),
        };
        var seen = m.StatusCode + "/" + m.ToTag;
        if (tx.SeenResponses.Contains(seen))
            return (tx, true);

        tx = tx with { Responses = tx.Responses + 1, SeenResponses = [.. tx.SeenResponses, seen] };
        if (m.StatusCode < 200)
            return (tx.State == TransactionState.Trying ? tx with { State = TransactionState.Proceeding } : tx, false);
        if (tx.FinalStatus is not null)
            return (tx, false); // another fork's final response: the first one decided the transaction
        return (tx with
        {
            FinalStatus = m.StatusCode,
            FinalReason = m.ReasonPhrase,
            State = method == "INVITE" && m.StatusCode < 300 ? TransactionState.Terminated : TransactionState.Completed,
        }, false);
    }

    private static void DecideCall(DialogState s, DialogCommands.RecordSipMessage m, string method, Transaction? tx, Action<DialogEvent> emit)
    {
        var ts = m.TimestampMicros;
        var open = !s.IsEnded;
        if (m.IsRequest)
        {
            switch (method)
            {
                case "INVITE" when m.ToTag is null && open && s.AnsweredMicros is null:
                    emit(new InitialRequestSeen(ts, DialogKinds.Call, m.FromUser, m.ToUser, m.RuriUser, m.FromTag, m.SourceIp, m.DestinationIp, m.UserAgent));
                    if (s.ChallengePending)
                        emit(new ChallengeAnswered(ts));
                    break;
                case "CANCEL" when open && s.AnsweredMicros is null:
                    emit(new CancelRequested(ts));
                    break;
                case "BYE" when open:
                    var hangup = s.CallerTag is null ? null : m.FromTag == s.CallerTag ? "caller" : "callee";
                    var reason = m.ReasonText ?? s.FinalReason;
                    var q850 = IsQ850(m) ? m.ReasonCause : s.Q850Cause;
                    var end = s.AnsweredMicros is null && s.State != DialogStates.Unknown ? DialogStates.Cancelled : DialogStates.Completed;
                    emit(new Ended(ts, end, s.FinalStatus, reason, q850, hangup, ByTimeout: false));
                    break;
            }
            return;
        }

        if (method != "INVITE" || tx is null || !tx.Initial)
            return;
        var status = m.StatusCode;
        if (status is > 100 and < 200)
        {
            // Also after the answer: a 180 captured late by a slower agent still gives the true post-dial delay.
            if (s.RingingMicros is null || ts < s.RingingMicros || open && s.State is DialogStates.Trying or DialogStates.Unknown)
                emit(new Ringing(ts));
            return;
        }
        if (!open || s.AnsweredMicros is not null)
            return;
        var q850Cause = IsQ850(m) ? m.ReasonCause : (int?)null;
        if (status is >= 200 and < 300)
            emit(new Answered(ts, status, m.ReasonPhrase));
        else if (status is >= 300 and < 400)
            emit(new Ended(ts, DialogStates.Redirected, status, m.ReasonPhrase, q850Cause, null, false));
        else if (status is 401 or 407)
            emit(new Challenged(ts, status, m.ReasonPhrase));
        else if (status == 487)
            // 487 also when the CANCEL was only captured on another leg: the request was terminated, not refused.
            emit(new Ended(ts, DialogStates.Cancelled, status, m.ReasonPhrase, q850Cause, "caller", false));
        else if (status >= 400)
            emit(new Ended(ts, DialogStates.Failed, status, m.ReasonPhrase, q850Cause, null, false));
    }

    private static void DecideRegistration(DialogState s, DialogCommands.RecordSipMessage m, string method, Transaction? tx,
        DialogSettings settings, Action<DialogEvent> emit)
    {
        var ts = m.TimestampMicros;
        if (method != "REGISTER")
            return;
        if (m.IsRequest)
        {
            var requested = m.ContactStar ? 0 : m.ContactExpires >= 0 ? m.ContactExpires : m.Expires;
            emit(new InitialRequestSeen(ts, DialogKinds.Registration, m.FromUser, m.ToUser, m.RuriUser, m.FromTag, m.SourceIp, m.DestinationIp,
                m.UserAgent, requested));
            if (s.ChallengePending)
                emit(new ChallengeAnswered(ts));
            return;
        }

        var status = m.StatusCode;
        if (status < 200)
            return;
        if (status < 300)
        {
            // The registrar's answer wins over what was asked (RFC 3261 10.2.4); Contact: * with Expires 0 removes all.
            var expires = m.ContactExpires >= 0 ? m.ContactExpires
                : m.Expires >= 0 ? m.Expires
                : s.RequestedExpires >= 0 ? s.RequestedExpires
                : settings.DefaultRegisterExpiresSeconds;
            if (expires == 0)
                emit(new Ended(ts, DialogStates.Unregistered, status, m.ReasonPhrase, null, null, false));
            else
                emit(new Registered(ts, ts + expires * 1_000_000L));
        }
        else if (status is 401 or 407)
            emit(new Challenged(ts, status, m.ReasonPhrase));
        else
            emit(new Ended(ts, DialogStates.Failed, status, m.ReasonPhrase, IsQ850(m) ? m.ReasonCause : null, null, false));
    }

    private static void DecideOther(DialogState s, DialogCommands.RecordSipMessage m, string method, Transaction? tx, Action<DialogEvent> emit)
    {
        var ts = m.TimestampMicros;
        if (m.IsRequest)
        {
            if (m.ToTag is null && tx is { Initial: true } && !s.IsEnded)
            {
                emit(new InitialRequestSeen(ts, DialogKinds.Other, m.FromUser, m.ToUser, m.RuriUser, m.FromTag, m.SourceIp, m.DestinationIp, m.UserAgent));
                if (s.ChallengePending)
                    emit(new ChallengeAnswered(ts));
            }
            return;
        }
        if (tx is not { Initial: true } || s.IsEnded || m.StatusCode < 200)
            return;
        if (m.StatusCode < 300)
            emit(new Ended(ts, DialogStates.Completed, m.StatusCode, m.ReasonPhrase, null, null, false));
        else if (m.StatusCode is 401 or 407)
            emit(new Challenged(ts, m.StatusCode, m.ReasonPhrase));
        else
            emit(new Ended(ts, m.StatusCode < 400 ? DialogStates.Redirected : DialogStates.Failed, m.StatusCode, m.ReasonPhrase, null, null, false));
    }

    private static void AlarmsOnEnd(DialogState s, DialogSettings settings, Action<string, string> alarm)
    {
        if (s.State == DialogStates.Failed && s.FinalStatus is { } status)
            alarm(AlarmKinds.FinalFailure, $"{status / 100}xx {status} {s.FinalReason}".TrimEnd());
        if (s is { Kind: DialogKinds.Call, State: DialogStates.Completed, AnsweredMicros: { } answered, EndedMicros: { } ended, EndedByTimeout: false }
            && ended - answered < (long)settings.ShortCall.TotalMicroseconds)
            alarm(AlarmKinds.ShortCall, $"{(ended - answered) / 1000} ms");
    }

    // ---------------------------------------------------------------- evolve

    public DialogState Apply(DialogEvent e) => e switch
    {
        // A Call-ID that began as OTHER and now carries a call starts over as a call.
        DialogStarted s when State != "" && Kind != s.Kind => this with
        {
            Kind = s.Kind,
            State = s.State,
            StartedMicros = s.TimestampMicros,
            IsEnded = false,
            EndedMicros = null,
            FinalStatus = null,
            FinalReason = null,
            ChallengePending = false,
        },
        DialogStarted s => this with
        {
            Kind = s.Kind,
            State = State is "" or DialogStates.Unknown ? s.State : State,
            StartedMicros = Min(StartedMicros, s.TimestampMicros),
        },
        MessageCounted c => this with
        {
            MessageCount = MessageCount + 1,
            Retransmissions = Retransmissions + (c.Retransmission ? 1 : 0),
            FirstSeenMicros = MessageCount == 0 ? c.TimestampMicros : Math.Min(FirstSeenMicros, c.TimestampMicros),
            LastSeenMicros = MessageCount == 0 ? c.TimestampMicros : Math.Max(LastSeenMicros, c.TimestampMicros),
            Node = Node ?? c.Node,
        },
        TransactionChanged t => this with { Transactions = Replace(Transactions, t.Transaction) },
        InitialRequestSeen i => this with
        {
            Kind = i.Kind,
            State = State == DialogStates.Unknown ? DialogStates.Trying : State,
            StartedMicros = Min(StartedMicros, i.TimestampMicros),
            FromUser = FromUser ?? i.FromUser,
            ToUser = ToUser ?? i.ToUser,
            RuriUser = RuriUser ?? i.RuriUser,
            CallerTag = CallerTag ?? i.CallerTag,
            CallerIp = CallerIp ?? i.CallerIp,
            CalleeIp = CalleeIp ?? i.CalleeIp,
            UserAgent = UserAgent ?? i.UserAgent,
            RequestedExpires = i.RequestedExpires,
        },
        Ringing r => this with
        {
            RingingMicros = Min(RingingMicros, r.TimestampMicros),
            State = State is DialogStates.Trying or DialogStates.Unknown ? DialogStates.Ringing : State,
        },
        Answered a => this with
        {
            AnsweredMicros = Min(AnsweredMicros, a.TimestampMicros),
            State = DialogStates.Answered,
            FinalStatus = a.Status,
            FinalReason = a.Reason,
            ChallengePending = false,
            CancelPending = false,
        },
        Challenged c => this with { ChallengePending = true, FinalStatus = c.Status, FinalReason = c.Reason },
        ChallengeAnswered => this with { ChallengePending = false, FinalStatus = null, FinalReason = null },
        CancelRequested => this with { CancelPending = true },
        Registered r => this with
        {
            State = DialogStates.Registered,
            ExpiresMicros = r.ExpiresMicros,
            FinalStatus = 200,
            FinalReason = null,
            ChallengePending = false,
            IsEnded = false,
            EndedMicros = null,
            EndedByTimeout = false,
        },
        Ended d => this with
        {
            State = d.State,
            IsEnded = true,
            EndedMicros = d.TimestampMicros,
            FinalStatus = d.FinalStatus,
            FinalReason = d.FinalReason,
            Q850Cause = d.Q850Cause,
            HangupBy = d.HangupBy,
            EndedByTimeout = d.ByTimeout,
            ChallengePending = false,
            ExpiresMicros = d.State == DialogStates.Unregistered ? null : ExpiresMicros,
        },
        LegLinked l => this with
        {
            Legs = Legs.Contains(l.LegCallId) ? Legs : [.. Legs, l.LegCallId],
            CorrelationGroup = CorrelationGroup ?? l.CorrelationGroup,
        },
        QosAttached q => WithQos(q.Report),
        LogAttached l => this with { Logs = Logs.Count >= MaxLogs ? [.. Logs.Skip(1), l.Entry] : [.. Logs, l.Entry] },
        MediaAnnounced m => this with { MediaEndpoints = [.. MediaEndpoints, .. m.Endpoints] },
        AlarmObserved a => this with { AlarmsSeen = AlarmsSeen | AlarmBit(a.Alarm) },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown dialog event"),
    };

    private DialogState WithQos(QosReport report)
    {
        var mos = report.MosLq ?? report.MosCq;
        return this with
        {
            QosReports = QosReports.Count >= MaxQosReports ? [.. QosReports.Skip(1), report] : [.. QosReports, report],
            MosMin = mos is { } v ? Math.Min(MosMin ?? v, v) : MosMin,
            MosSum = MosSum + (mos ?? 0),
            MosCount = MosCount + (mos is null ? 0 : 1),
        };
    }

    public DialogState ApplyAll(IReadOnlyList<DialogEvent> events)
    {
        if (events.Count == 0)
            return this;
        var state = this;
        foreach (var e in events)
            state = state.Apply(e);
        return state with { Revision = Revision + 1 };
    }

    /// <summary>
    /// <see cref="ApplyAll(IReadOnlyList{DialogEvent})"/> then <see cref="Remember"/>, with one copy of the state for
    /// both: every live message does this, and each copy of the record is some 400 bytes.
    /// </summary>
    public DialogState ApplyAll(IReadOnlyList<DialogEvent> events, AppliedMessage applied, TimeSpan keyWindow)
    {
        if (events.Count == 0)
            return this;
        var state = this;
        foreach (var e in events)
            state = state.Apply(e);
        var (through, keys) = state.KeysWith(applied, keyWindow);
        return state with { Revision = Revision + 1, AppliedThroughMicros = through, Applied = keys };
    }

    // ---------------------------------------------------------------- views

    public long? PddMs => RingingMicros is { } r && StartedMicros is { } s && Kind == DialogKinds.Call ? Math.Max(0, r - s) / 1000 : null;
    public long? SetupMs => AnsweredMicros is { } a && StartedMicros is { } s ? Math.Max(0, a - s) / 1000 : null;
    public long? DurationMs => AnsweredMicros is { } a && EndedMicros is { } e && Kind == DialogKinds.Call ? Math.Max(0, e - a) / 1000 : null;

    public DialogQueries.DialogSnapshot ToSnapshot() => new(CallId, MessageCount, FirstSeenMicros, LastSeenMicros)
    {
        Kind = Kind,
        State = State,
        StartedMicros = StartedMicros ?? FirstSeenMicros,
        AnsweredMicros = AnsweredMicros,
        EndedMicros = EndedMicros,
        PddMs = PddMs,
        SetupMs = SetupMs,
        DurationMs = DurationMs,
        FinalStatus = FinalStatus,
        FinalReason = FinalReason,
        Q850Cause = Q850Cause,
        HangupBy = HangupBy,
        EndedByTimeout = EndedByTimeout,
        ExpiresMicros = ExpiresMicros,
        Retransmissions = Retransmissions,
        FromUser = FromUser,
        ToUser = ToUser,
        RuriUser = RuriUser,
        CorrelationGroup = CorrelationGroup,
        Transactions = Transactions
            .Select(t => new DialogQueries.TransactionView(t.Method, t.CSeq, t.Branch, t.FinalStatus, t.State.ToString().ToUpperInvariant(), t.Requests, t.Responses)
            {
                Client = t.Client,
                Server = t.Server,
            })
            .ToArray(),
        Legs = Legs,
        QosReports = QosReports,
        Logs = Logs,
    };

    /// <summary>The transaction of the request that opened the dialog (the first initial one), when it was captured.</summary>
    public Transaction? Opening
    {
        get
        {
            foreach (var t in Transactions)
                if (t.Initial && t.Requests > 0 && t.Method != "ACK")
                    return t;
            return null;
        }
    }

    public Transaction? Find(string key)
    {
        // Dialogs hold a handful of transactions: a linear scan beats a dictionary's allocation.
        foreach (var t in Transactions)
            if (t.Key == key)
                return t;
        return null;
    }

    private static IReadOnlyList<Transaction> Replace(IReadOnlyList<Transaction> list, Transaction tx)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Key != tx.Key)
                continue;
            var copy = list.ToArray();
            copy[i] = tx;
            return copy;
        }
        return [.. list, tx];
    }

    private static string? Endpoint(string? ip, int port) =>
        ip is null ? null : ip + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string KeyOf(bool rfc3261, string branch, long cseq, string method) =>
        rfc3261 ? branch + "|" + method : "#" + cseq.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|" + method;

    public static string KindOf(string method) => method switch
    {
        "INVITE" or "ACK" or "BYE" or "CANCEL" or "PRACK" or "UPDATE" or "INFO" or "REFER" => DialogKinds.Call,
        "REGISTER" => DialogKinds.Registration,
        _ => DialogKinds.Other,
    };

    private static bool IsOpeningMethod(string method) => method is not ("ACK" or "BYE" or "CANCEL" or "PRACK" or "UPDATE" or "INFO");

    private static bool IsQ850(DialogCommands.RecordSipMessage m) =>
        m.ReasonCause >= 0 && string.Equals(m.ReasonProtocol, "Q.850", StringComparison.OrdinalIgnoreCase);

    private static long Min(long? current, long value) => current is { } c ? Math.Min(c, value) : value;

    public static int AlarmBit(string alarm) => alarm switch
    {
        AlarmKinds.FinalFailure => 1,
        AlarmKinds.ShortCall => 2,
        AlarmKinds.BadMos => 4,
        AlarmKinds.RetransmissionStorm => 8,
        AlarmKinds.ScannerUserAgent => 16,
        _ => 0,
    };
}
