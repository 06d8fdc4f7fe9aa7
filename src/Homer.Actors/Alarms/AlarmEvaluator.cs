using System.Globalization;
using Homer.Actors.Contracts;
using Homer.Storage.Alarms;

namespace Homer.Actors.Alarms;

public sealed record AlarmChange(AlarmChangeKind Change, AlarmRow Alarm);

/// <summary>
/// Decides alarms from call events, with the clock passed in: sliding windows per rule and key (a source address, a
/// host, or "*" for the rule's whole scope), open alarms, cooldowns. Pure apart from its own state, so every rule is
/// unit-tested without actors or a database; <see cref="AlarmEngine"/> stores and publishes what it returns.
/// </summary>
public sealed class AlarmEvaluator
{
    public const int MaxExamples = 10;
    /// <summary>Keys (addresses, hosts) tracked per rule; beyond it new keys are ignored until old windows empty.</summary>
    public const int MaxKeysPerRule = 50_000;
    private const int MaxTrackedCalls = 200_000;
    private static readonly TimeSpan CallMemory = TimeSpan.FromMinutes(2);

    private sealed class Window
    {
        private readonly LinkedList<(long Second, double A, double B)> _slots = new();
        public readonly LinkedList<string> Examples = new();
        public double A;
        public double B;
        public DateTimeOffset FirstAt;

        public void Add(DateTimeOffset now, double a, double b, string? callId)
        {
            var second = now.ToUnixTimeSeconds();
            if (_slots.Count == 0)
                FirstAt = now;
            if (_slots.Last is { } last && last.Value.Second == second)
                last.Value = (second, last.Value.A + a, last.Value.B + b);
            else
                _slots.AddLast((second, a, b));
            A += a;
            B += b;
            if (callId is not null && a > 0)
                AddExample(Examples, callId);
        }

        public void Trim(DateTimeOffset now, TimeSpan window)
        {
            var oldest = (now - window).ToUnixTimeSeconds();
            while (_slots.First is { } first && first.Value.Second <= oldest)
            {
                var s = first.Value;
                _slots.RemoveFirst();
                A -= s.A;
                B -= s.B;
            }
            if (_slots.Count == 0)
            {
                A = B = 0;
                Examples.Clear();
            }
        }

        public bool IsEmpty => _slots.Count == 0;
    }

    private sealed class Open
    {
        public required AlarmRow Row;
        public DateTimeOffset GraceUntil;
        public bool Dirty;
        public readonly LinkedList<string> Examples = new();
    }

    private sealed record CallInfo(string? ClientIp, string? Server, string? Node, string? UserAgent);

    private sealed class HostProbe
    {
        public DateTimeOffset? Unanswered;
        public DateTimeOffset LastProbe;
        public readonly LinkedList<string> Examples = new();
    }

    private Dictionary<long, AlarmRule> _rules = [];
    private readonly Dictionary<(long Rule, string Key), Window> _windows = [];
    private readonly Dictionary<(long Rule, string Key), Open> _open = [];
    private readonly Dictionary<(long Rule, string Key), DateTimeOffset> _cooldown = [];
    private readonly Dictionary<string, CallInfo> _calls = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset At, string CallId)> _forget = new();
    private readonly Dictionary<(long Rule, string CallId), DateTimeOffset> _qosCounted = [];
    private readonly Dictionary<string, string> _optionsProbes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HostProbe> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _keysPerRule = [];

    public IReadOnlyCollection<AlarmRule> Rules => _rules.Values;
    public bool IsOpen(long ruleId, string key) => _open.ContainsKey((ruleId, key));
    public int OpenCount => _open.Count;

    // Stalled batch writers of the cluster's nodes, by "node/writer": since when, and the last error.
    private Dictionary<string, (DateTimeOffset Since, string? Error)> _stalls = new(StringComparer.Ordinal);

    /// <summary>
    /// The batch writers stalled right now across the cluster (key "node/writer"), as the engine last gathered them
    /// from every node. Raises STORAGE_STALLED for each newly stalled one; <see cref="Tick"/> resolves an alarm whose
    /// writer is no longer stalled.
    /// </summary>
    public IReadOnlyList<AlarmChange> SetStalls(IReadOnlyDictionary<string, (DateTimeOffset Since, string? Error)> stalls, DateTimeOffset now)
    {
        _stalls = new Dictionary<string, (DateTimeOffset, string?)>(stalls, StringComparer.Ordinal);
        var changes = new List<AlarmChange>();
        foreach (var rule in _rules.Values.Where(r => r.Type == AlarmRuleTypes.StorageStalled))
        {
            foreach (var (key, (since, error)) in _stalls)
            {
                if (_open.ContainsKey((rule.Id, key)) || _cooldown.ContainsKey((rule.Id, key)))
                    continue;
                var slash = key.IndexOf('/', StringComparison.Ordinal);
                var node = slash < 0 ? key : key[..slash];
                var writer = slash < 0 ? "" : key[(slash + 1)..];
                changes.Add(Raise(rule, key, 1, [], string.Format(CultureInfo.InvariantCulture,
                    "The {0} writer of node {1} has made no progress since {2:u}{3}", writer, node, since,
                    error is null ? "" : ": " + error), now, since));
            }
        }
        return changes;
    }
    public long IgnoredKeys { get; private set; }

    /// <summary>
    /// Replaces the rules. Windows of rules that changed start over; open alarms of rules that were deleted or disabled
    /// are resolved.
    /// </summary>
    public IReadOnlyList<AlarmChange> SetRules(IEnumerable<AlarmRule> rules, DateTimeOffset now)
    {
        var next = rules.Where(r => r.Row.Enabled).ToDictionary(r => r.Id);
        var changes = new List<AlarmChange>();
        foreach (var (id, old) in _rules)
        {
            if (next.TryGetValue(id, out var rule) && rule.Row.UpdatedAt == old.Row.UpdatedAt)
                continue;
            foreach (var key in _windows.Keys.Where(k => k.Rule == id).ToArray())
                _windows.Remove(key);
            _keysPerRule.Remove(id);
            if (!next.ContainsKey(id))
                foreach (var key in _open.Keys.Where(k => k.Rule == id).ToArray())
                    changes.Add(Resolve(key, now));
        }
        _rules = next;
        return changes;
    }

    /// <summary>
    /// Carries on with alarms a previous engine left open. Their windows are empty now, so they are given one window
    /// to show the condition again before they can resolve: a failover neither loses an active alarm nor raises it twice.
    /// </summary>
    public void Restore(IEnumerable<AlarmRow> open, DateTimeOffset now)
    {
        foreach (var row in open)
        {
            var window = _rules.TryGetValue(row.RuleId, out var rule) ? rule.Window : TimeSpan.FromMinutes(1);
            var o = new Open { Row = row, GraceUntil = now + window };
            foreach (var id in row.ExampleCallIds)
                o.Examples.AddLast(id);
            _open[(row.RuleId, row.Key)] = o;
        }
    }

    public IReadOnlyList<AlarmChange> Observe(CallEvents.ICallEvent e, DateTimeOffset now)
    {
        var changes = new List<AlarmChange>();
        switch (e)
        {
            case CallEvents.DialogStarted s:
                Remember(s.CallId, new CallInfo(s.ClientIp, s.Server, s.Node, s.UserAgent));
                if (s.Method == "OPTIONS" && s.Server is not null)
                    Probe(s.CallId, s.Server, now);
                foreach (var rule in _rules.Values)
                {
                    if (!rule.InScope(s.ClientIp, s.Server, s.Node, s.UserAgent))
                        continue;
                    if (rule.Type == AlarmRuleTypes.Scanner && rule.IsScanner(s.UserAgent))
                        Add(rule, s.ClientIp ?? "unknown", 1, 0, s.CallId, now, changes);
                    else if (rule.Type == AlarmRuleTypes.RegistrationStorm && s.Kind == DialogKinds.Registration)
                        Add(rule, GroupKey(rule, s.ClientIp, s.Server), 1, 0, s.CallId, now, changes);
                }
                break;
            case CallEvents.RequestRejected r:
                foreach (var rule in _rules.Values)
                    if (rule.Type == AlarmRuleTypes.AuthFailures && rule.Statuses.Contains(r.Status) && rule.InScope(r.ClientIp, null, r.Node, r.UserAgent))
                        Add(rule, r.ClientIp ?? "unknown", 1, 0, r.CallId, now, changes);
                break;
            case CallEvents.DialogEnded d:
                if (d.Method == "OPTIONS" && d.FinalStatus is >= 200 and < 300)
                    Answered(d.CallId, d.Server, now, changes);
                _forget.Enqueue((now + CallMemory, d.CallId));
                foreach (var rule in _rules.Values)
                    if (rule.InScope(d.ClientIp, d.Server, d.Node, d.UserAgent))
                        Ended(rule, d, now, changes);
                break;
            case CallEvents.QosAttached q:
                var info = _calls.GetValueOrDefault(q.CallId);
                foreach (var rule in _rules.Values)
                {
                    if (rule.Type is not (AlarmRuleTypes.LowMos or AlarmRuleTypes.HighPacketLoss)
                        || !rule.InScope(info?.ClientIp, info?.Server, info?.Node, info?.UserAgent))
                        continue;
                    var bad = rule.Type == AlarmRuleTypes.LowMos
                        ? (q.Report.MosLq ?? q.Report.MosCq) is { } mos && mos < rule.Threshold
                        : q.Report.PacketLossPct > rule.Threshold || rule.JitterMs is { } j && q.Report.JitterMs > j;
                    // A call counts once per window however many reports say it is bad.
                    if (bad && !(_qosCounted.TryGetValue((rule.Id, q.CallId), out var until) && until > now))
                    {
                        _qosCounted[(rule.Id, q.CallId)] = now + rule.Window;
                        Add(rule, "*", 1, 0, q.CallId, now, changes);
                    }
                }
                break;
        }
        return changes;
    }

    private void Ended(AlarmRule rule, CallEvents.DialogEnded d, DateTimeOffset now, List<AlarmChange> changes)
    {
        var isCall = d.Kind == DialogKinds.Call;
        var redirected = d.FinalStatus is >= 300 and < 400 && !d.Answered;
        switch (rule.Type)
        {
            case AlarmRuleTypes.ErrorRate when isCall && !d.EndedOnChallenge && !redirected:
                var failed = !d.Answered && d.FinalStatus is { } status && status != 487 && rule.Classes.Contains(status / 100);
                Add(rule, GroupKey(rule, d.ClientIp, d.Server), failed ? 1 : 0, 1, d.CallId, now, changes);
                break;
            case AlarmRuleTypes.LowAsr when isCall && !d.EndedOnChallenge && !redirected:
                // A is the failures here, so the examples are calls that were not answered.
                Add(rule, GroupKey(rule, d.ClientIp, d.Server), d.Answered ? 0 : 1, 1, d.CallId, now, changes);
                break;
            case AlarmRuleTypes.ShortCalls when isCall && d is { Answered: true, EndedByTimeout: false, DurationMs: { } ms }
                                                && ms < rule.MaxDuration.TotalMilliseconds:
                Add(rule, GroupKey(rule, d.ClientIp, d.Server), 1, 0, d.CallId, now, changes);
                break;
            case AlarmRuleTypes.Retransmissions when d.MessageCount > 0:
                Add(rule, GroupKey(rule, d.ClientIp, d.Server), d.Retransmissions, d.MessageCount, d.CallId, now, changes);
                break;
        }
    }

    /// <summary>Expires windows, resolves alarms whose condition is gone, raises host alarms. Call about once a second.</summary>
    public IReadOnlyList<AlarmChange> Tick(DateTimeOffset now)
    {
        var changes = new List<AlarmChange>();
        while (_forget.Count > 0 && _forget.Peek().At <= now)
            _calls.Remove(_forget.Dequeue().CallId);
        foreach (var (key, until) in _qosCounted.Where(kv => kv.Value <= now).ToArray())
            _qosCounted.Remove(key);
        foreach (var (key, until) in _cooldown.Where(kv => kv.Value <= now).ToArray())
            _cooldown.Remove(key);

        foreach (var (key, window) in _windows.ToArray())
        {
            if (!_rules.TryGetValue(key.Rule, out var rule))
            {
                _windows.Remove(key);
                continue;
            }
            window.Trim(now, rule.Window);
            if (window.IsEmpty && !_open.ContainsKey(key))
            {
                _windows.Remove(key);
                _keysPerRule[key.Rule] = _keysPerRule.GetValueOrDefault(key.Rule) - 1;
                continue;
            }
            if (!_open.ContainsKey(key))
                Evaluate(rule, key.Key, window, now, changes);
        }

        foreach (var rule in _rules.Values.Where(r => r.Type == AlarmRuleTypes.HostUnreachable))
            foreach (var (host, probe) in _hosts)
                if (probe.Unanswered is { } since && now - since >= rule.Window && !_open.ContainsKey((rule.Id, host))
                    && !_cooldown.ContainsKey((rule.Id, host)) && rule.InScope(null, host, null, null))
                    changes.Add(Raise(rule, host, Math.Max(1, probe.Examples.Count), probe.Examples,
                        $"{host} has not answered OPTIONS with a 2xx for {(int)(now - since).TotalSeconds} s", now, since));

        foreach (var (key, open) in _open.ToArray())
        {
            if (now < open.GraceUntil)
                continue;
            if (!_rules.TryGetValue(key.Rule, out var rule))
            {
                changes.Add(Resolve(key, now));
                continue;
            }
            var holds = rule.Type switch
            {
                AlarmRuleTypes.HostUnreachable => _hosts.TryGetValue(key.Key, out var probe) && probe.Unanswered is not null,
                AlarmRuleTypes.StorageStalled => _stalls.ContainsKey(key.Key),
                _ => _windows.TryGetValue(key, out var window) && Condition(rule, window),
            };
            if (!holds)
                changes.Add(Resolve(key, now));
        }

        // Hosts no longer probed at all are forgotten after an hour.
        foreach (var (host, probe) in _hosts.Where(h => now - h.Value.LastProbe > TimeSpan.FromHours(1)).ToArray())
            _hosts.Remove(host);
        return changes;
    }

    /// <summary>Open alarms whose count or examples changed since the last call; their dirty marks are cleared.</summary>
    public IReadOnlyList<AlarmRow> TakeDirty()
    {
        var dirty = new List<AlarmRow>();
        foreach (var open in _open.Values.Where(o => o.Dirty))
        {
            open.Dirty = false;
            open.Row = open.Row with { ExampleCallIds = open.Examples.ToArray() };
            dirty.Add(open.Row);
        }
        return dirty;
    }

    /// <summary>The stored row of an open alarm (id, acknowledgement) replaces what the evaluator holds, counts kept.</summary>
    public void Stored(AlarmRow row)
    {
        if (_open.TryGetValue((row.RuleId, row.Key), out var open))
            open.Row = open.Row with { Id = row.Id, State = row.State, AcknowledgedBy = row.AcknowledgedBy, AcknowledgedAt = row.AcknowledgedAt };
    }

    // ---------------------------------------------------------------- internals

    private void Add(AlarmRule rule, string key, double a, double b, string? callId, DateTimeOffset now, List<AlarmChange> changes)
    {
        if (!_windows.TryGetValue((rule.Id, key), out var window))
        {
            var keys = _keysPerRule.GetValueOrDefault(rule.Id);
            if (keys >= MaxKeysPerRule)
            {
                IgnoredKeys++;
                return;
            }
            _keysPerRule[rule.Id] = keys + 1;
            _windows[(rule.Id, key)] = window = new Window();
        }
        window.Trim(now, rule.Window);
        window.Add(now, a, b, callId);
        if (_open.TryGetValue((rule.Id, key), out var open))
        {
            if (a <= 0)
                return;
            open.Row = open.Row with { Count = open.Row.Count + (long)Math.Ceiling(a), LastSeen = now, Message = MessageOf(rule, key, window) };
            if (callId is not null)
                AddExample(open.Examples, callId);
            open.Dirty = true;
            return;
        }
        Evaluate(rule, key, window, now, changes);
    }

    private void Evaluate(AlarmRule rule, string key, Window window, DateTimeOffset now, List<AlarmChange> changes)
    {
        if (!Condition(rule, window) || _cooldown.ContainsKey((rule.Id, key)))
            return;
        changes.Add(Raise(rule, key, (long)Math.Ceiling(window.A), window.Examples, MessageOf(rule, key, window), now, window.FirstAt));
    }

    private AlarmChange Raise(AlarmRule rule, string key, long count, IEnumerable<string> examples, string message, DateTimeOffset now,
        DateTimeOffset firstSeen)
    {
        var open = new Open
        {
            Row = new AlarmRow
            {
                RuleId = rule.Id,
                RuleType = rule.Type,
                Severity = rule.Row.Severity,
                Key = key,
                Scope = ScopeOf(rule, key),
                Message = message,
                Count = count,
                FirstSeen = firstSeen,
                LastSeen = now,
            },
            GraceUntil = now,
        };
        foreach (var id in examples)
            AddExample(open.Examples, id);
        open.Row = open.Row with { ExampleCallIds = open.Examples.ToArray() };
        _open[(rule.Id, key)] = open;
        return new AlarmChange(AlarmChangeKind.Raised, open.Row);
    }

    private AlarmChange Resolve((long Rule, string Key) key, DateTimeOffset now)
    {
        var open = _open[key];
        _open.Remove(key);
        if (_rules.TryGetValue(key.Rule, out var rule) && rule.Cooldown > TimeSpan.Zero)
            _cooldown[key] = now + rule.Cooldown;
        return new AlarmChange(AlarmChangeKind.Resolved, open.Row with
        {
            State = AlarmStates.Resolved,
            ResolvedAt = now,
            ExampleCallIds = open.Examples.ToArray(),
        });
    }

    private static bool Condition(AlarmRule rule, Window w) => rule.Type switch
    {
        AlarmRuleTypes.ErrorRate => rule.RatioMode ? w.B >= rule.MinCount && w.B > 0 && 100 * w.A / w.B >= rule.Threshold : w.A >= rule.Threshold,
        AlarmRuleTypes.LowAsr => w.B >= rule.MinCount && w.B > 0 && 100 * (w.B - w.A) / w.B < rule.Threshold,
        AlarmRuleTypes.Retransmissions => w.B >= rule.MinCount && w.B > 0 && 100 * w.A / w.B >= rule.Threshold,
        AlarmRuleTypes.LowMos or AlarmRuleTypes.HighPacketLoss => w.A >= rule.MinCount,
        AlarmRuleTypes.HostUnreachable or AlarmRuleTypes.StorageStalled => false,
        _ => w.A >= rule.Threshold,
    };

    private static string MessageOf(AlarmRule rule, string key, Window w)
    {
        var ci = CultureInfo.InvariantCulture;
        var span = rule.Row.WindowSeconds + " s";
        return rule.Type switch
        {
            AlarmRuleTypes.Scanner => string.Format(ci, "Scanner User-Agent from {0}: {1} dialogs in {2}", key, w.A, span),
            AlarmRuleTypes.AuthFailures => string.Format(ci, "{0} authentication failures for requests from {1} in {2}", w.A, key, span),
            AlarmRuleTypes.ErrorRate => rule.RatioMode
                ? string.Format(ci, "{0:0.#}% of {1} calls failed with {2}xx in {3}", w.B == 0 ? 0 : 100 * w.A / w.B, w.B, string.Join("/", rule.Classes.Order()), span)
                : string.Format(ci, "{0} calls failed with {1}xx in {2}", w.A, string.Join("/", rule.Classes.Order()), span),
            AlarmRuleTypes.LowAsr => string.Format(ci, "ASR {0:0.#}% over {1} attempts in {2} (below {3}%)", w.B == 0 ? 0 : 100 * (w.B - w.A) / w.B, w.B, span, rule.Threshold),
            AlarmRuleTypes.LowMos => string.Format(ci, "{0} calls with MOS below {1} in {2}", w.A, rule.Threshold, span),
            AlarmRuleTypes.HighPacketLoss => string.Format(ci, "{0} calls with packet loss above {1}%{2} in {3}", w.A, rule.Threshold,
                rule.JitterMs is { } j ? string.Format(ci, " or jitter above {0} ms", j) : "", span),
            AlarmRuleTypes.RegistrationStorm => string.Format(ci, "{0} new registrations in {1}", w.A, span),
            AlarmRuleTypes.ShortCalls => string.Format(ci, "{0} answered calls shorter than {1} s in {2}", w.A, rule.MaxDuration.TotalSeconds, span),
            AlarmRuleTypes.Retransmissions => string.Format(ci, "{0:0.#}% of {1} SIP messages were retransmissions in {2}", w.B == 0 ? 0 : 100 * w.A / w.B, w.B, span),
            _ => rule.Type,
        };
    }

    private static string ScopeOf(AlarmRule rule, string key) => rule.Type switch
    {
        AlarmRuleTypes.Scanner or AlarmRuleTypes.AuthFailures => "ip:" + key,
        AlarmRuleTypes.HostUnreachable => "host:" + key,
        AlarmRuleTypes.StorageStalled => "writer:" + key,
        _ when key == "*" => rule.ScopeText,
        _ when rule.GroupBy == "server" => "host:" + key,
        _ => "ip:" + key,
    };

    private static string GroupKey(AlarmRule rule, string? clientIp, string? server) => rule.GroupBy switch
    {
        "client" => clientIp ?? "unknown",
        "server" => server is null ? "unknown" : AlarmRule.HostOf(server),
        _ => "*",
    };

    private void Remember(string callId, CallInfo info)
    {
        if (_calls.Count < MaxTrackedCalls)
            _calls[callId] = info;
    }

    private void Probe(string callId, string server, DateTimeOffset now)
    {
        if (!_hosts.TryGetValue(server, out var probe))
        {
            if (_hosts.Count >= MaxKeysPerRule)
                return;
            _hosts[server] = probe = new HostProbe();
        }
        probe.LastProbe = now;
        probe.Unanswered ??= now;
        AddExample(probe.Examples, callId);
        if (_optionsProbes.Count < MaxTrackedCalls)
            _optionsProbes[callId] = server;
    }

    private void Answered(string callId, string? server, DateTimeOffset now, List<AlarmChange> changes)
    {
        if (_optionsProbes.Remove(callId, out var probed))
            server = probed;
        if (server is null || !_hosts.TryGetValue(server, out var probe))
            return;
        probe.Unanswered = null;
        probe.Examples.Clear();
        foreach (var rule in _rules.Values.Where(r => r.Type == AlarmRuleTypes.HostUnreachable))
            if (_open.ContainsKey((rule.Id, server)))
                changes.Add(Resolve((rule.Id, server), now));
    }

    private static void AddExample(LinkedList<string> examples, string callId)
    {
        if (examples.Contains(callId))
            return;
        examples.AddLast(callId);
        if (examples.Count > MaxExamples)
            examples.RemoveFirst();
    }
}
