using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Homer.Actors.Contracts;
using Homer.Storage;
using Homer.Storage.Alarms;

namespace Homer.Actors.Alarms;

/// <summary>Tunables of the alarm engine (cluster-config <c>homer.alarms</c>).</summary>
public sealed record AlarmEngineSettings
{
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Rules are also reloaded at once when the API says they changed; this catches a lost notice.</summary>
    public TimeSpan RulesReloadInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How often the engine asks every node which of its batch writers are stalled (STORAGE_STALLED).</summary>
    public TimeSpan StallCheckInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>The rules a new cluster starts with (the alarm_rules table empty).</summary>
    public IReadOnlyList<AlarmRuleRow> DefaultRules { get; init; } = AlarmRuleDefaults.Rules();
    public AlarmNotificationSettings Notifications { get; init; } = new();
}

public static class AlarmRuleDefaults
{
    /// <summary>One rule per type with the built-in defaults: only the scanner rule enabled.</summary>
    public static IReadOnlyList<AlarmRuleRow> Rules(Func<string, AlarmDefaults.TypeDefaults, AlarmDefaults.TypeDefaults>? adjust = null) =>
        AlarmRuleTypes.All.Select(type =>
        {
            var d = AlarmDefaults.Of(type);
            if (adjust is not null)
                d = adjust(type, d);
            return new AlarmRuleRow
            {
                Name = type.ToLowerInvariant().Replace('_', '-'),
                Type = type,
                Enabled = d.Enabled,
                Severity = d.Severity,
                Threshold = d.Threshold,
                WindowSeconds = d.WindowSeconds,
                MinCount = (int?)d.MinCount,
                CooldownSeconds = d.CooldownSeconds,
                Parameters = d.Parameters,
            };
        }).ToArray();
}

/// <summary>
/// The cluster's one alarm evaluator (a cluster singleton): listens to every call event on DistributedPubSub, so
/// ingest and dialogs never wait for it; keeps rules and open alarms in PostgreSQL, so a new instance after a node
/// failure carries on with the same alarms; publishes every change on <see cref="AlarmNotices.Topic"/> and hands raised
/// and resolved alarms to the notifier.
/// </summary>
public sealed class AlarmEngine : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class ReloadRules
    {
        public static readonly ReloadRules Instance = new();
    }

    private sealed record Loaded(IReadOnlyList<AlarmRuleRow> Rules, IReadOnlyList<AlarmRow> Open);
    private sealed record RulesLoaded(IReadOnlyList<AlarmRuleRow> Rules);
    private sealed record Stored(AlarmChangeKind Change, AlarmRow Row, bool Inserted);
    private sealed record StoreFailed(AlarmChange Change, Exception Error);
    private sealed record LoadFailed(Exception Error);

    private sealed class GatherStalls
    {
        public static readonly GatherStalls Instance = new();
    }

    /// <summary>Stalled writers per node ("node/writer" → since) of the nodes that answered.</summary>
    private sealed record StallsGathered(IReadOnlyDictionary<string, IReadOnlyDictionary<string, DateTimeOffset>> ByNode);

    // The last answer of each node: a node that does not answer one round keeps what it said before.
    private readonly Dictionary<string, IReadOnlyDictionary<string, DateTimeOffset>> _stallsByNode = new(StringComparer.Ordinal);

    private readonly AlarmStore _store;
    private readonly AlarmEngineSettings _settings;
    private readonly Func<DateTimeOffset> _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly AlarmEvaluator _evaluator = new();
    private IActorRef _mediator = ActorRefs.Nobody;
    private IActorRef _notifier = ActorRefs.Nobody;
    // Store writes run one after another, in the order the evaluator decided them (a resolve never overtakes its raise).
    private Task _chain = Task.CompletedTask;

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    public static Props Props(AlarmStore store, AlarmEngineSettings settings, Func<DateTimeOffset>? clock = null,
        QuarantineStore? quarantine = null) =>
        Akka.Actor.Props.Create(() => new AlarmEngine(store, settings, clock ?? (() => DateTimeOffset.UtcNow), quarantine));

    private readonly QuarantineStore? _quarantine;

    public AlarmEngine(AlarmStore store, AlarmEngineSettings settings, Func<DateTimeOffset> clock, QuarantineStore? quarantine = null)
    {
        _quarantine = quarantine;
        _store = store;
        _settings = settings;
        _clock = clock;
        Loading();
    }

    protected override void PreStart()
    {
        _mediator = DistributedPubSub.Get(Context.System).Mediator;
        _mediator.Tell(new Subscribe(CallEvents.Topic, Self));
        _mediator.Tell(new Subscribe(AlarmNotices.RulesTopic, Self));
        _notifier = Context.ActorOf(AlarmNotifier.Props(_settings.Notifications), "notifier");
        Load();
    }

    private void Load() => LoadAsync().PipeTo(Self, failure: e => new LoadFailed(e));

    private async Task<Loaded> LoadAsync()
    {
        var seeded = await _store.SeedDefaultsAsync(_settings.DefaultRules);
        if (seeded > 0)
            _log.Info("Alarm rules seeded with {0} defaults", seeded);
        return new Loaded(await _store.ListRulesAsync(), await _store.OpenAlarmsAsync());
    }

    private void Loading()
    {
        Receive<Loaded>(loaded =>
        {
            Apply(_evaluator.SetRules(Parse(loaded.Rules), _clock()));
            _evaluator.Restore(loaded.Open, _clock());
            AlarmMetrics.SetOpen(_evaluator.OpenCount);
            _log.Info("Alarm engine running: {0} rules enabled, {1} open alarms carried on", _evaluator.Rules.Count, loaded.Open.Count);
            Timers.StartPeriodicTimer(Tick.Instance, Tick.Instance, _settings.EvaluationInterval);
            Timers.StartPeriodicTimer(ReloadRules.Instance, ReloadRules.Instance, _settings.RulesReloadInterval);
            Timers.StartPeriodicTimer(GatherStalls.Instance, GatherStalls.Instance, _settings.StallCheckInterval);
            Become(Running);
            Stash.UnstashAll();
        });
        Receive<LoadFailed>(f =>
        {
            _log.Warning("Alarm engine could not load rules and open alarms, retrying in 5 s: {0}", f.Error.Message);
            Timers.StartSingleTimer("load", ReloadRules.Instance, TimeSpan.FromSeconds(5));
        });
        Receive<ReloadRules>(_ => Load());
        Receive<SubscribeAck>(_ => { });
        // Events of the first moments are kept (the load takes milliseconds); a long outage is bounded by the mailbox.
        Receive<CallEvents.ICallEvent>(_ => Stash.Stash());
        Receive<CallEvents.Batch>(_ => Stash.Stash());
        Receive<AlarmNotices.RulesChanged>(_ => { });
    }

    private void Observe(CallEvents.ICallEvent e)
    {
        AlarmMetrics.Evaluated();
        Apply(_evaluator.Observe(e, _clock()));
    }

    private void Running()
    {
        Receive<CallEvents.ICallEvent>(Observe);
        Receive<CallEvents.Batch>(b =>
        {
            foreach (var e in b.Events)
                Observe(e);
        });
        Receive<Tick>(_ =>
        {
            var now = _clock();
            Apply(_evaluator.Tick(now));
            foreach (var row in _evaluator.TakeDirty())
                Apply([new AlarmChange(AlarmChangeKind.Updated, row)]);
            AlarmMetrics.SetOpen(_evaluator.OpenCount);
        });
        Receive<AlarmNotices.RulesChanged>(_ => Self.Tell(ReloadRules.Instance));
        Receive<GatherStalls>(_ => GatherStallsAsync(Context.System).PipeTo(Self));
        Receive<StallsGathered>(g =>
        {
            var members = Akka.Cluster.Cluster.Get(Context.System).State.Members.Select(m => m.Address.ToString()).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _stallsByNode.Keys.Where(k => !members.Contains(k)).ToList())
                _stallsByNode.Remove(gone);
            foreach (var (node, stalls) in g.ByNode)
                _stallsByNode[node] = stalls;
            var all = new Dictionary<string, (DateTimeOffset Since, string? Error)>(StringComparer.Ordinal);
            foreach (var stalls in _stallsByNode.Values)
                foreach (var (key, since) in stalls)
                    all[key] = (since, null);
            Apply(_evaluator.SetStalls(all, _clock()));
        });
        Receive<ReloadRules>(_ => _store.ListRulesAsync().PipeTo(Self, success: r => new RulesLoaded(r), failure: e => new LoadFailed(e)));
        Receive<RulesLoaded>(r => Apply(_evaluator.SetRules(Parse(r.Rules), _clock())));
        Receive<LoadFailed>(f => _log.Warning("Reloading alarm rules failed, keeping the current ones: {0}", f.Error.Message));
        Receive<Stored>(s =>
        {
            if (s.Change != AlarmChangeKind.Resolved)
                _evaluator.Stored(s.Row);
            // An engine that restarted elsewhere finds its alarm already stored: that is an update, not a second raise.
            var change = s.Change == AlarmChangeKind.Raised && !s.Inserted ? AlarmChangeKind.Updated : s.Change;
            var notice = s.Row.ToNotice(change);
            _mediator.Tell(new Publish(AlarmNotices.Topic, notice));
            if (change == AlarmChangeKind.Raised)
                AlarmMetrics.RaisedOne(s.Row.RuleType);
            _notifier.Tell(notice);
        });
        Receive<StoreFailed>(f =>
        {
            if (StorageErrors.IsPermanent(f.Error))
            {
                // Retrying a row PostgreSQL refuses for good would fail every 2 s forever: keep it in the quarantine.
                var refused = new RefusedRow<AlarmRow>(f.Change.Alarm, StorageErrors.SqlState(f.Error), BatchIsolation.Message(f.Error));
                _log.Error("PostgreSQL refused alarm {0} {1}/{2} for good ({3}: {4}); quarantined it", f.Change.Change,
                    f.Change.Alarm.RuleType, f.Change.Alarm.Key, refused.SqlState, refused.Error);
                Homer.Actors.Storage.StorageMetrics.OnQuarantined("alarms", refused.SqlState);
                _quarantine?.AddAsync([QuarantineEntry.ForRow(QuarantineKind.Alarm, "alarms", refused, f.Change.Alarm.FirstSeen)])
                    .ContinueWith(t => _log.Warning("Quarantining alarm {0}/{1} failed: {2}", refused.Row.RuleType, refused.Row.Key,
                        t.Exception?.GetBaseException().Message), TaskContinuationOptions.OnlyOnFaulted);
                return;
            }
            _log.Warning("Storing alarm {0} {1}/{2} failed, retrying: {3}", f.Change.Change, f.Change.Alarm.RuleType, f.Change.Alarm.Key, f.Error.Message);
            Timers.StartSingleTimer(f, new RetryStore(f.Change), TimeSpan.FromSeconds(2));
        });
        Receive<RetryStore>(r =>
        {
            // A raise or update whose alarm resolved meanwhile must not come back as an open row.
            if (r.Change.Change == AlarmChangeKind.Resolved || _evaluator.IsOpen(r.Change.Alarm.RuleId, r.Change.Alarm.Key))
                Apply([r.Change]);
        });
        Receive<SubscribeAck>(_ => { });
    }

    private sealed record RetryStore(AlarmChange Change);

    /// <summary>Asks every Up member's node-admin actor for its status and reads its stalled writers from it.</summary>
    private static async Task<StallsGathered> GatherStallsAsync(ActorSystem system)
    {
        var members = Akka.Cluster.Cluster.Get(system).State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).ToList();
        var answers = await Task.WhenAll(members.Select(async m =>
        {
            try
            {
                var status = await system.ActorSelection(new RootActorPath(m.Address) / "user" / NodeAdmin.ActorName)
                    .Ask<NodeAdmin.NodeStatus>(NodeAdmin.GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
                IReadOnlyDictionary<string, DateTimeOffset> stalls = status.Counters
                    .Where(c => c.Name.StartsWith(Admin.NodeAdminActor.StalledPrefix, StringComparison.Ordinal))
                    .ToDictionary(c => status.NodeName + "/" + c.Name[Admin.NodeAdminActor.StalledPrefix.Length..],
                        c => DateTimeOffset.FromUnixTimeSeconds(c.Value), StringComparer.Ordinal);
                return (Node: m.Address.ToString(), Stalls: stalls);
            }
            catch (Exception)
            {
                return (Node: m.Address.ToString(), Stalls: (IReadOnlyDictionary<string, DateTimeOffset>?)null);
            }
        }));
        return new StallsGathered(answers.Where(a => a.Stalls is not null).ToDictionary(a => a.Node, a => a.Stalls!, StringComparer.Ordinal));
    }

    private IEnumerable<AlarmRule> Parse(IEnumerable<AlarmRuleRow> rows)
    {
        foreach (var row in rows)
        {
            AlarmRule? rule = null;
            try
            {
                rule = new AlarmRule(row);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or ArgumentException)
            {
                _log.Warning("Alarm rule {0} ({1}) is invalid and ignored: {2}", row.Id, row.Name, e.Message);
            }
            if (rule is not null)
                yield return rule;
        }
    }

    private void Apply(IReadOnlyList<AlarmChange> changes)
    {
        foreach (var change in changes)
        {
            var self = Self;
            var store = _store;
            var at = _clock();
            _chain = _chain.ContinueWith(async _ =>
            {
                try
                {
                    if (change.Change == AlarmChangeKind.Resolved)
                    {
                        var row = await store.ResolveAsync(change.Alarm, change.Alarm.ResolvedAt ?? at);
                        if (row is not null)
                            self.Tell(new Stored(change.Change, row, false));
                    }
                    else
                    {
                        var (row, inserted) = await store.UpsertOpenAsync(change.Alarm);
                        self.Tell(new Stored(change.Change, row, inserted));
                    }
                }
                catch (Exception e)
                {
                    self.Tell(new StoreFailed(change, e));
                }
            }, TaskScheduler.Default).Unwrap();
        }
    }


    protected override void PostStop()
    {
        _mediator.Tell(new Unsubscribe(CallEvents.Topic, Self));
        _mediator.Tell(new Unsubscribe(AlarmNotices.RulesTopic, Self));
    }
}
