using Homer.Actors.Contracts;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Immutable state of one Call-ID. <c>Process</c> decides what a command means (events, nothing changed) and
/// <see cref="Apply"/> evolves the state by one event; the actor around it only checkpoints, publishes and passivates.
/// Messages arrive in capture order from several agents, which is not always wire order: times keep their true
/// bounds and call states only move forward.
/// </summary>
public sealed partial record DialogState
{
    /// <summary>Newest reports and logs kept per dialog; MOS min/avg still count every report.</summary>
    public const int MaxQosReports = 64;
    public const int MaxLogs = 100;

    // Backing fields, so that a copy no one else has seen yet can evolve in place (see Evolve): one copy per decision
    // instead of one per event, and a call makes some twenty events.
    private long _revision;
    private string _kind = DialogKinds.Other;
    private DialogStatus _state;
    private long _messageCount;
    private long _retransmissions;
    private long _firstSeenMicros;
    private long _lastSeenMicros;
    private long? _startedMicros;
    private long? _ringingMicros;
    private long? _answeredMicros;
    private long? _endedMicros;
    private int? _finalStatus;
    private string? _finalReason;
    private int? _q850Cause;
    private string? _hangupBy;
    private bool _endedByTimeout;
    private bool _isEnded;
    private bool _challengePending;
    private bool _cancelPending;
    private long? _expiresMicros;
    private int _requestedExpires = -1;
    private string? _fromUser;
    private string? _toUser;
    private string? _ruriUser;
    private string? _callerTag;
    private string? _callerIp;
    private string? _calleeIp;
    private string? _userAgent;
    private string? _node;
    private string? _correlationGroup;
    private IReadOnlyList<Transaction> _transactions = [];
    private IReadOnlyList<string> _legs = [];
    private IReadOnlyList<QosReport> _qosReports = [];
    private double? _mosMin;
    private double _mosSum;
    private int _mosCount;
    private IReadOnlyList<LogEntry> _logs = [];
    private IReadOnlyList<string> _mediaEndpoints = [];
    private int _alarmsSeen;
    private long _appliedThroughMicros;
    private IReadOnlyList<AppliedMessage> _applied = [];

    public required string CallId { get; init; }
    /// <summary>How many decisions were applied; the ledger keeps the newest checkpoint when two race.</summary>
    public long Revision { get => _revision; init => _revision = value; }
    public string Kind { get => _kind; init => _kind = value; }
    /// <summary>Empty until the first SIP message.</summary>
    public DialogStatus State { get => _state; init => _state = value; }
    public long MessageCount { get => _messageCount; init => _messageCount = value; }
    public long Retransmissions { get => _retransmissions; init => _retransmissions = value; }
    public long FirstSeenMicros { get => _firstSeenMicros; init => _firstSeenMicros = value; }
    public long LastSeenMicros { get => _lastSeenMicros; init => _lastSeenMicros = value; }
    public long? StartedMicros { get => _startedMicros; init => _startedMicros = value; }
    public long? RingingMicros { get => _ringingMicros; init => _ringingMicros = value; }
    public long? AnsweredMicros { get => _answeredMicros; init => _answeredMicros = value; }
    public long? EndedMicros { get => _endedMicros; init => _endedMicros = value; }
    public int? FinalStatus { get => _finalStatus; init => _finalStatus = value; }
    public string? FinalReason { get => _finalReason; init => _finalReason = value; }
    public int? Q850Cause { get => _q850Cause; init => _q850Cause = value; }
    public string? HangupBy { get => _hangupBy; init => _hangupBy = value; }
    public bool EndedByTimeout { get => _endedByTimeout; init => _endedByTimeout = value; }
    public bool IsEnded { get => _isEnded; init => _isEnded = value; }
    public bool ChallengePending { get => _challengePending; init => _challengePending = value; }
    public bool CancelPending { get => _cancelPending; init => _cancelPending = value; }
    public long? ExpiresMicros { get => _expiresMicros; init => _expiresMicros = value; }
    /// <summary>What the newest REGISTER asked for, used when the 2xx names no expiry; -1 when it asked nothing.</summary>
    public int RequestedExpires { get => _requestedExpires; init => _requestedExpires = value; }
    public string? FromUser { get => _fromUser; init => _fromUser = value; }
    public string? ToUser { get => _toUser; init => _toUser = value; }
    public string? RuriUser { get => _ruriUser; init => _ruriUser = value; }
    public string? CallerTag { get => _callerTag; init => _callerTag = value; }
    public string? CallerIp { get => _callerIp; init => _callerIp = value; }
    public string? CalleeIp { get => _calleeIp; init => _calleeIp = value; }
    public string? UserAgent { get => _userAgent; init => _userAgent = value; }
    public string? Node { get => _node; init => _node = value; }
    public string? CorrelationGroup { get => _correlationGroup; init => _correlationGroup = value; }
    public IReadOnlyList<Transaction> Transactions { get => _transactions; init => _transactions = value; }
    public IReadOnlyList<string> Legs { get => _legs; init => _legs = value; }
    public IReadOnlyList<QosReport> QosReports { get => _qosReports; init => _qosReports = value; }
    public double? MosMin { get => _mosMin; init => _mosMin = value; }
    public double MosSum { get => _mosSum; init => _mosSum = value; }
    public int MosCount { get => _mosCount; init => _mosCount = value; }
    public IReadOnlyList<LogEntry> Logs { get => _logs; init => _logs = value; }
    public IReadOnlyList<string> MediaEndpoints { get => _mediaEndpoints; init => _mediaEndpoints = value; }
    /// <summary>Alarms already observed (bit per <see cref="AlarmKinds"/> name), so each is published once.</summary>
    public int AlarmsSeen { get => _alarmsSeen; init => _alarmsSeen = value; }

    /// <summary>Newest capture time among the messages applied; with <see cref="Applied"/>, what a catch-up skips.</summary>
    public long AppliedThroughMicros { get => _appliedThroughMicros; init => _appliedThroughMicros = value; }
    /// <summary>
    /// Keys of the messages applied within the key window before <see cref="AppliedThroughMicros"/> (at most
    /// <see cref="MaxApplied"/>), so a message met twice after a crash is applied once.
    /// </summary>
    public IReadOnlyList<AppliedMessage> Applied { get => _applied; init => _applied = value; }
    /// <summary>A retransmission storm must not grow the state without bound; past this the oldest keys go first.</summary>
    public const int MaxApplied = 256;

    public static DialogState Empty(string callId) => new() { CallId = callId };

    public bool HasApplied(long key)
    {
        // Index loops over the lists here: a foreach over IReadOnlyList<T> allocates an enumerator per call.
        var keys = Applied;
        for (var i = 0; i < keys.Count; i++)
            if (keys[i].Key == key)
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
        for (var i = 0; i < Applied.Count; i++)
        {
            var a = Applied[i];
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
        for (var i = 0; i < applied.Count; i++)
            if (applied[i].TimestampMicros < oldest)
                return false;
        return true;
    }

    public bool Exists => MessageCount > 0;

    public double? MosAvg => MosCount == 0 ? null : MosSum / MosCount;

    // ---------------------------------------------------------------- decide

    public IReadOnlyList<DialogEvent> Process(DialogCommands.RecordSipMessage m, DialogSettings settings) => Decide(m, settings).Events;

    /// <summary>
    /// What a message means and the state after it, with its revision and applied key: the actor's one step per
    /// message, deciding and applying on a single copy of the state.
    /// </summary>
    public (IReadOnlyList<DialogEvent> Events, DialogState State) Decide(IWithCallId command, DialogSettings settings,
        AppliedMessage applied, TimeSpan keyWindow)
    {
        if (command is not DialogCommands.RecordSipMessage m)
        {
            var events = command switch
            {
                DialogCommands.AttachQos q => Process(q, settings),
                DialogCommands.AttachLog l => Process(l, settings),
                _ => [],
            };
            return (events, ApplyAll(events, applied, keyWindow));
        }
        var draft = Decide(m, settings);
        if (!draft.Evolved)
            return (draft.Events, this);
        draft.State.Seal(Revision, applied, keyWindow);
        return (draft.Events, draft.State);
    }

    /// <summary>
    /// The events of one decision and the state they lead to. Each decision step reads the state as the events before it
    /// left it; the first event makes the draft's own copy, which the rest evolve in place.
    /// </summary>
    private sealed class Draft(DialogState origin)
    {
        public readonly List<DialogEvent> Events = new(4);
        public DialogState State = origin;
        public bool Evolved;

        public void Emit(DialogEvent e)
        {
            Events.Add(e);
            if (!Evolved)
            {
                State = State with { };
                Evolved = true;
            }
            State.Evolve(e);
        }

        public void EmitAlarm(long ts, string alarm, string detail)
        {
            if ((State.AlarmsSeen & AlarmBit(alarm)) == 0)
                Emit(new AlarmObserved(ts, alarm, detail));
        }
    }

    private Draft Decide(DialogCommands.RecordSipMessage m, DialogSettings settings)
    {
        var draft = new Draft(this);
        var ts = m.TimestampMicros;
        var method = m.IsRequest ? m.Method! : m.CSeqMethod ?? "";
        var kind = KindOf(method);

        if (MessageCount == 0)
        {
            var opening = m.IsRequest && m.ToTag is null && IsOpeningMethod(method);
            draft.Emit(new DialogStarted(ts, kind, opening ? DialogStatus.Trying : DialogStatus.Unknown));
            if (settings.IsScanner(m.UserAgent))
                draft.EmitAlarm(ts, AlarmKinds.ScannerUserAgent, m.UserAgent!);
            if (m.CorrelationId is { Length: > 0 } cid && cid != CallId)
                draft.Emit(new LegLinked(ts, cid, cid, FromSip: true));
            else if (settings.LegRootOf(CallId) is { } root)
                draft.Emit(new LegLinked(ts, root, root, FromSip: true));
        }
        else if (Kind == DialogKinds.Other && kind == DialogKinds.Call && m.IsRequest && m.ToTag is null && method == "INVITE")
        {
            // The Call-ID began with something else (an OPTIONS probe, a SUBSCRIBE) and now carries a call.
            draft.Emit(new DialogStarted(ts, DialogKinds.Call, DialogStatus.Trying));
        }

        var (tx, retransmission) = MatchTransaction(draft.State, m, method);
        draft.Emit(new MessageCounted(ts, retransmission, m.NodeName));
        // A flood of distinct transactions on one Call-ID (a scanner, a loop) must not grow the state without bound.
        if (tx is not null && (draft.State.Transactions.Count < settings.MaxTransactions || draft.State.Holds(tx)))
            draft.Emit(new TransactionChanged(ts, tx));

        if (retransmission)
        {
            if (draft.State.Retransmissions == settings.RetransmissionStorm)
                draft.EmitAlarm(ts, AlarmKinds.RetransmissionStorm, $"{draft.State.Retransmissions} retransmissions");
            return draft;
        }

        if (NewMedia(draft.State.MediaEndpoints, m.MediaEndpoints) is { } newMedia)
            draft.Emit(new MediaAnnounced(ts, newMedia));

        switch (draft.State.Kind)
        {
            case DialogKinds.Call:
                DecideCall(draft, m, method, tx);
                break;
            case DialogKinds.Registration:
                DecideRegistration(draft, m, method, tx, settings);
                break;
            default:
                DecideOther(draft, m, method, tx);
                break;
        }

        if (!IsEnded && draft.State.IsEnded)
            AlarmsOnEnd(draft, ts, settings);
        return draft;
    }

    /// <summary>The endpoints of <paramref name="offered"/> not yet announced, or null when there are none (the usual case).</summary>
    private static string[]? NewMedia(IReadOnlyList<string> announced, IReadOnlyList<string> offered)
    {
        List<string>? fresh = null;
        foreach (var endpoint in offered)
            if (!announced.Contains(endpoint))
                (fresh ??= []).Add(endpoint);
        return fresh?.ToArray();
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
            DialogKinds.Call when State == DialogStatus.Answered =>
                [new Ended(at, DialogStatus.Completed, FinalStatus, FinalReason, Q850Cause, null, ByTimeout: true)],
            DialogKinds.Registration when State == DialogStatus.Registered =>
                [new Ended(ExpiresMicros ?? at, DialogStatus.Unregistered, FinalStatus, FinalReason, null, null, ByTimeout: true)],
            _ when State == DialogStatus.Unknown => [new Ended(at, DialogStatus.Unknown, FinalStatus, FinalReason, Q850Cause, null, ByTimeout: true)],
            _ => [new Ended(at, DialogStatus.Failed, FinalStatus, FinalReason, Q850Cause, null, ByTimeout: true)],
        };
    }

    private static void AlarmsOnEnd(Draft draft, long ts, DialogSettings settings)
    {
        var s = draft.State;
        if (s.State == DialogStatus.Failed && s.FinalStatus is { } status)
            draft.EmitAlarm(ts, AlarmKinds.FinalFailure, $"{status / 100}xx {status} {s.FinalReason}".TrimEnd());
        if (s is { Kind: DialogKinds.Call, State: DialogStatus.Completed, AnsweredMicros: { } answered, EndedMicros: { } ended, EndedByTimeout: false }
            && ended - answered < (long)settings.ShortCall.TotalMicroseconds)
            draft.EmitAlarm(ts, AlarmKinds.ShortCall, $"{(ended - answered) / 1000} ms");
    }

    // ---------------------------------------------------------------- evolve

    public DialogState Apply(DialogEvent e)
    {
        var next = this with { };
        next.Evolve(e);
        return next;
    }

    public DialogState ApplyAll(IReadOnlyList<DialogEvent> events)
    {
        if (events.Count == 0)
            return this;
        var next = this with { };
        for (var i = 0; i < events.Count; i++)
            next.Evolve(events[i]);
        next._revision = Revision + 1;
        return next;
    }

    /// <summary>
    /// <see cref="ApplyAll(IReadOnlyList{DialogEvent})"/> then <see cref="Remember"/>, with one copy of the state for
    /// both.
    /// </summary>
    public DialogState ApplyAll(IReadOnlyList<DialogEvent> events, AppliedMessage applied, TimeSpan keyWindow)
    {
        if (events.Count == 0)
            return this;
        var next = this with { };
        for (var i = 0; i < events.Count; i++)
            next.Evolve(events[i]);
        next.Seal(Revision, applied, keyWindow);
        return next;
    }

    /// <summary>A new revision of a copy that evolved from the state at <paramref name="revision"/>, and its applied key.</summary>
    private void Seal(long revision, AppliedMessage applied, TimeSpan keyWindow)
    {
        _revision = revision + 1;
        (_appliedThroughMicros, _applied) = KeysWith(applied, keyWindow);
    }

    /// <summary>
    /// Evolves this state by one event, in place. Only ever called on a copy that no one else holds yet (made by
    /// <see cref="Apply"/>, <see cref="ApplyAll(IReadOnlyList{DialogEvent})"/> or a decision), so from outside the state
    /// stays immutable. Reads of a field come before its write, as in the <c>with</c> expression this replaced.
    /// </summary>
    private void Evolve(DialogEvent e)
    {
        switch (e)
        {
            // A Call-ID that began as OTHER and now carries a call starts over as a call.
            case DialogStarted s when _state != DialogStatus.None && _kind != s.Kind:
                _kind = s.Kind;
                _state = s.State;
                _startedMicros = s.TimestampMicros;
                _isEnded = false;
                _endedMicros = null;
                _finalStatus = null;
                _finalReason = null;
                _challengePending = false;
                break;
            case DialogStarted s:
                _kind = s.Kind;
                _state = _state is DialogStatus.None or DialogStatus.Unknown ? s.State : _state;
                _startedMicros = Min(_startedMicros, s.TimestampMicros);
                break;
            case MessageCounted c:
                _firstSeenMicros = _messageCount == 0 ? c.TimestampMicros : Math.Min(_firstSeenMicros, c.TimestampMicros);
                _lastSeenMicros = _messageCount == 0 ? c.TimestampMicros : Math.Max(_lastSeenMicros, c.TimestampMicros);
                _messageCount++;
                _retransmissions += c.Retransmission ? 1 : 0;
                _node ??= c.Node;
                break;
            case TransactionChanged t:
                _transactions = Replace(_transactions, t.Transaction);
                break;
            case InitialRequestSeen i:
                _kind = i.Kind;
                _state = _state == DialogStatus.Unknown ? DialogStatus.Trying : _state;
                _startedMicros = Min(_startedMicros, i.TimestampMicros);
                _fromUser ??= i.FromUser;
                _toUser ??= i.ToUser;
                _ruriUser ??= i.RuriUser;
                _callerTag ??= i.CallerTag;
                _callerIp ??= i.CallerIp;
                _calleeIp ??= i.CalleeIp;
                _userAgent ??= i.UserAgent;
                _requestedExpires = i.RequestedExpires;
                break;
            case Ringing r:
                _ringingMicros = Min(_ringingMicros, r.TimestampMicros);
                _state = _state is DialogStatus.Trying or DialogStatus.Unknown ? DialogStatus.Ringing : _state;
                break;
            case Answered a:
                _answeredMicros = Min(_answeredMicros, a.TimestampMicros);
                _state = DialogStatus.Answered;
                _finalStatus = a.Status;
                _finalReason = a.Reason;
                _challengePending = false;
                _cancelPending = false;
                break;
            case Challenged c:
                _challengePending = true;
                _finalStatus = c.Status;
                _finalReason = c.Reason;
                break;
            case ChallengeAnswered:
                _challengePending = false;
                _finalStatus = null;
                _finalReason = null;
                break;
            case CancelRequested:
                _cancelPending = true;
                break;
            case Registered r:
                _state = DialogStatus.Registered;
                _expiresMicros = r.ExpiresMicros;
                _finalStatus = 200;
                _finalReason = null;
                _challengePending = false;
                _isEnded = false;
                _endedMicros = null;
                _endedByTimeout = false;
                break;
            case Ended d:
                _state = d.State;
                _isEnded = true;
                _endedMicros = d.TimestampMicros;
                _finalStatus = d.FinalStatus;
                _finalReason = d.FinalReason;
                _q850Cause = d.Q850Cause;
                _hangupBy = d.HangupBy;
                _endedByTimeout = d.ByTimeout;
                _challengePending = false;
                _expiresMicros = d.State == DialogStatus.Unregistered ? null : _expiresMicros;
                break;
            case LegLinked l:
                _legs = _legs.Contains(l.LegCallId) ? _legs : [.. _legs, l.LegCallId];
                _correlationGroup ??= l.CorrelationGroup;
                break;
            case QosAttached q:
                var report = q.Report;
                var mos = report.MosLq ?? report.MosCq;
                _qosReports = _qosReports.Count >= MaxQosReports ? [.. _qosReports.Skip(1), report] : [.. _qosReports, report];
                _mosMin = mos is { } v ? Math.Min(_mosMin ?? v, v) : _mosMin;
                _mosSum += mos ?? 0;
                _mosCount += mos is null ? 0 : 1;
                break;
            case LogAttached l:
                _logs = _logs.Count >= MaxLogs ? [.. _logs.Skip(1), l.Entry] : [.. _logs, l.Entry];
                break;
            case MediaAnnounced m:
                _mediaEndpoints = [.. _mediaEndpoints, .. m.Endpoints];
                break;
            case AlarmObserved a:
                _alarmsSeen |= AlarmBit(a.Alarm);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown dialog event");
        }
    }

    // ---------------------------------------------------------------- views

    public long? PddMs => RingingMicros is { } r && StartedMicros is { } s && Kind == DialogKinds.Call ? Math.Max(0, r - s) / 1000 : null;
    public long? SetupMs => AnsweredMicros is { } a && StartedMicros is { } s ? Math.Max(0, a - s) / 1000 : null;
    public long? DurationMs => AnsweredMicros is { } a && EndedMicros is { } e && Kind == DialogKinds.Call ? Math.Max(0, e - a) / 1000 : null;

    /// <summary>The transaction of the request that opened the dialog (the first initial one), when it was captured.</summary>
    public Transaction? Opening
    {
        get
        {
            var transactions = Transactions;
            for (var i = 0; i < transactions.Count; i++)
                if (transactions[i] is { Initial: true, Requests: > 0 } t && t.Method != "ACK")
                    return t;
            return null;
        }
    }

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
