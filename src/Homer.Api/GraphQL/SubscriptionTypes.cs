using GraphQL;
using GraphQL.Types;
using Homer.Actors.Contracts;
using Homer.Api.Auth;
using Homer.Api.Subscriptions;
using Homer.Storage;

namespace Homer.Api.GraphQL;

/// <summary>A call event flattened for clients; <c>DROPPED</c> notices say how many events this subscriber lost.</summary>
public sealed record CallEventView(string Type, string? CallId, DateTimeOffset? Timestamp)
{
    public string? Kind { get; init; }
    public string? State { get; init; }
    public int? FinalStatus { get; init; }
    public string? FinalReason { get; init; }
    public string? FromUser { get; init; }
    public string? ToUser { get; init; }
    public string? RuriUser { get; init; }
    public long? DurationMs { get; init; }
    public bool? EndedByTimeout { get; init; }
    public string? LegCallId { get; init; }
    public string? CorrelationGroup { get; init; }
    public string? Alarm { get; init; }
    public string? Detail { get; init; }
    public QosReport? Qos { get; init; }
    public long? Dropped { get; init; }
    public long? Skipped { get; init; }

    public static CallEventView Of(CallEvents.ICallEvent e)
    {
        var at = DialogType.FromMicros(e.TimestampMicros);
        return e switch
        {
            CallEvents.DialogStarted s => new("DIALOG_STARTED", s.CallId, at) { Kind = s.Kind, FromUser = s.FromUser, ToUser = s.ToUser, RuriUser = s.RuriUser },
            CallEvents.DialogStateChanged c => new("STATE_CHANGED", c.CallId, at) { Kind = c.Kind, State = c.State.ToText(), FinalStatus = c.FinalStatus, FinalReason = c.FinalReason },
            CallEvents.QosAttached q => new("QOS_ATTACHED", q.CallId, at) { Qos = q.Report },
            CallEvents.LegLinked l => new("LEG_LINKED", l.CallId, at) { LegCallId = l.LegCallId, CorrelationGroup = l.CorrelationGroup },
            CallEvents.DialogEnded d => new("DIALOG_ENDED", d.CallId, at)
                { Kind = d.Kind, State = d.State.ToText(), FinalStatus = d.FinalStatus, DurationMs = d.DurationMs, EndedByTimeout = d.EndedByTimeout },
            CallEvents.AlarmObserved a => new("ALARM", a.CallId, at) { Alarm = a.Alarm, Detail = a.Detail },
            CallEvents.RequestRejected r => new("REJECTED", r.CallId, at) { Kind = r.Kind, FinalStatus = r.Status },
            _ => new("OTHER", e.CallId, at),
        };
    }

    public static CallEventView DroppedNotice(long count) => new("DROPPED", null, DateTimeOffset.UtcNow) { Dropped = count };

    public static CallEventView SkippedNotice(long count) => new("SKIPPED", null, DateTimeOffset.UtcNow) { Skipped = count };
}

public sealed class CallEventTypeEnum : EnumerationGraphType
{
    public CallEventTypeEnum()
    {
        Name = "CallEventType";
        foreach (var name in new[] { "DIALOG_STARTED", "STATE_CHANGED", "QOS_ATTACHED", "LEG_LINKED", "DIALOG_ENDED", "ALARM", "REJECTED", "OTHER", "DROPPED", "SKIPPED" })
            Add(name, name);
    }
}

public sealed class CallEventType : ObjectGraphType<CallEventView>
{
    public CallEventType()
    {
        Name = "CallEvent";
        Description = "What a dialog did, as its host published it; type DROPPED is a notice that this subscriber was too slow and lost 'dropped' events, " +
            "type SKIPPED that its rate limit skipped 'skipped' events and none has passed since.";
        Field<NonNullGraphType<CallEventTypeEnum>>("type").Resolve(c => c.Source.Type);
        Field(x => x.CallId, nullable: true);
        Field<DateTimeScalar>("timestamp").Resolve(c => c.Source.Timestamp);
        Field(x => x.Kind, nullable: true).Description("CALL, REGISTRATION or OTHER.");
        Field(x => x.State, nullable: true);
        Field(x => x.FinalStatus, nullable: true);
        Field(x => x.FinalReason, nullable: true);
        Field(x => x.FromUser, nullable: true);
        Field(x => x.ToUser, nullable: true);
        Field(x => x.RuriUser, nullable: true);
        Field(x => x.DurationMs, nullable: true);
        Field(x => x.EndedByTimeout, nullable: true);
        Field(x => x.LegCallId, nullable: true);
        Field(x => x.CorrelationGroup, nullable: true);
        Field(x => x.Alarm, nullable: true);
        Field(x => x.Detail, nullable: true);
        Field<FloatGraphType>("mosLq").Resolve(c => c.Source.Qos?.MosLq);
        Field<FloatGraphType>("mosCq").Resolve(c => c.Source.Qos?.MosCq);
        Field<FloatGraphType>("packetLossPct").Resolve(c => c.Source.Qos?.PacketLossPct);
        Field<FloatGraphType>("jitterMs").Resolve(c => c.Source.Qos?.JitterMs);
        Field(x => x.Dropped, nullable: true).Description("DROPPED notices: events lost since the previous notice.");
        Field(x => x.Skipped, nullable: true).Description("Events the subscription's rate limit (maxPerSecond) skipped since the previous item delivered; 0 or null when none.");
    }
}

public sealed record CallEventFilter(string? CallId, string? User, string? Kind, string? State, IReadOnlyList<string>? Types);

public sealed class CallEventFilterInputType : InputObjectGraphType<CallEventFilter>
{
    public CallEventFilterInputType()
    {
        Name = "CallEventFilter";
        Description = "Which events to deliver; fields combine with AND. Events of a call matched by user follow its DIALOG_STARTED.";
        Field<StringGraphType>("callId");
        Field<StringGraphType>("user").Description("From, To or R-URI user, exact.");
        Field<StringGraphType>("kind").Description("CALL, REGISTRATION or OTHER.");
        Field<StringGraphType>("state").Description("Only events that carry this state (STATE_CHANGED, DIALOG_ENDED).");
        Field<ListGraphType<NonNullGraphType<CallEventTypeEnum>>>("types");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new CallEventFilter(
        value.TryGetValue("callId", out var c) ? (string?)c : null,
        value.TryGetValue("user", out var u) ? (string?)u : null,
        value.TryGetValue("kind", out var k) ? (string?)k : null,
        value.TryGetValue("state", out var s) ? (string?)s : null,
        value.TryGetValue("types", out var t) && t is IEnumerable<object?> types ? types.Select(x => (string)x!).ToList() : null);
}

public sealed record LiveMessageView(CapturedMessage? Message, long? Dropped, bool ShowPayload)
{
    public long? Skipped { get; init; }

    public string Type => Message is not null ? "MESSAGE" : Dropped is not null ? "DROPPED" : "SKIPPED";
}

public sealed class LiveMessageType : ObjectGraphType<LiveMessageView>
{
    public LiveMessageType()
    {
        Name = "LiveMessage";
        Description = "One message as it is captured; type DROPPED is a notice that this subscriber was too slow and lost 'dropped' messages, " +
            "type SKIPPED that its rate limit skipped 'skipped' messages and none has passed since.";
        Field<NonNullGraphType<StringGraphType>>("type").Resolve(c => c.Source.Type);
        Field<LongGraphType>("dropped").Resolve(c => c.Source.Dropped);
        Field<LongGraphType>("skipped")
            .Description("Messages the subscription's rate limit (maxPerSecond) skipped since the previous item delivered; 0 when none.")
            .Resolve(c => c.Source.Skipped);
        Field<DateTimeScalar>("timestamp").Resolve(c => c.Source.Message?.Timestamp);
        Field<IntGraphType>("protocolType").Resolve(c => (int?)c.Source.Message?.ProtocolType);
        Field<StringGraphType>("callId").Resolve(c => c.Source.Message?.CallId);
        Field<StringGraphType>("method").Resolve(c => c.Source.Message?.Method);
        Field<IntGraphType>("statusCode").Resolve(c => c.Source.Message?.StatusCode);
        Field<StringGraphType>("reason").Resolve(c => c.Source.Message?.ReasonPhrase);
        Field<StringGraphType>("fromUser").Resolve(c => c.Source.Message?.FromUser);
        Field<StringGraphType>("toUser").Resolve(c => c.Source.Message?.ToUser);
        Field<StringGraphType>("ruriUser").Resolve(c => c.Source.Message?.RuriUser);
        Field<StringGraphType>("userAgent").Resolve(c => c.Source.Message?.UserAgent);
        Field<StringGraphType>("srcIp").Resolve(c => c.Source.Message?.SourceIp.ToString());
        Field<IntGraphType>("srcPort").Resolve(c => c.Source.Message?.SourcePort);
        Field<StringGraphType>("dstIp").Resolve(c => c.Source.Message?.DestinationIp.ToString());
        Field<IntGraphType>("dstPort").Resolve(c => c.Source.Message?.DestinationPort);
        Field<LongGraphType>("captureId").Resolve(c => c.Source.Message?.CaptureId);
        Field<StringGraphType>("node").Resolve(c => c.Source.Message?.NodeName);
        Field<StringGraphType>("correlationId").Resolve(c => c.Source.Message?.CorrelationId);
        Field<StringGraphType>("payload")
            .Description("The raw payload as UTF-8 text; null for viewers unless HOMER_VIEWER_PAYLOADS=on (payloads hold personal data).")
            .Resolve(c => c.Source is { ShowPayload: true, Message: { } m } ? System.Text.Encoding.UTF8.GetString(m.Payload.Span) : null);
    }
}

public sealed record LiveMessageFilter(string? CallId, string? User, string? Method, string? Ip, int? ProtocolType);

public sealed class LiveMessageFilterInputType : InputObjectGraphType<LiveMessageFilter>
{
    public LiveMessageFilterInputType()
    {
        Name = "LiveMessageFilter";
        Description = "Which messages to deliver; fields combine with AND.";
        Field<StringGraphType>("callId");
        Field<StringGraphType>("user").Description("From, To or R-URI user, exact.");
        Field<StringGraphType>("method").Description("Request method, or the CSeq method a reply answers is not known here: requests only.");
        Field<StringGraphType>("ip").Description("Source or destination address.");
        Field<IntGraphType>("protocolType").Description("HEP payload type: 1 SIP, 5 RTCP, 100 log, …");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new LiveMessageFilter(
        value.TryGetValue("callId", out var c) ? (string?)c : null,
        value.TryGetValue("user", out var u) ? (string?)u : null,
        value.TryGetValue("method", out var m) ? (string?)m : null,
        value.TryGetValue("ip", out var i) ? (string?)i : null,
        value.TryGetValue("protocolType", out var p) ? (int?)p : null);

    public static bool Matches(LiveMessageFilter? f, CapturedMessage m) =>
        f is null ||
        ((f.CallId is null || f.CallId == m.CallId) &&
         (f.User is null || f.User == m.FromUser || f.User == m.ToUser || f.User == m.RuriUser) &&
         (f.Method is null || string.Equals(f.Method, m.Method, StringComparison.OrdinalIgnoreCase)) &&
         (f.Ip is null || f.Ip == m.SourceIp.ToString() || f.Ip == m.DestinationIp.ToString()) &&
         (f.ProtocolType is null || f.ProtocolType == m.ProtocolType));
}

/// <summary>Per-subscription state of a call-event filter: a call matched by user keeps matching until it ends.</summary>
internal sealed class CallEventMatcher(CallEventFilter? filter)
{
    private const int MaxTrackedCalls = 100_000;
    private readonly HashSet<string> _calls = [];
    private readonly Lock _lock = new();

    public bool Matches(CallEvents.ICallEvent e)
    {
        if (filter is null)
            return true;
        if (filter.CallId is not null && filter.CallId != e.CallId)
            return false;
        var view = CallEventView.Of(e);
        if (filter.Types is { Count: > 0 } types && !types.Contains(view.Type))
            return false;
        if (filter.Kind is not null && view.Kind is not null && !string.Equals(filter.Kind, view.Kind, StringComparison.OrdinalIgnoreCase))
            return false;
        if (filter.State is not null && !string.Equals(filter.State, view.State, StringComparison.OrdinalIgnoreCase))
            return false;
        if (filter.User is null)
            return true;
        lock (_lock)
        {
            if (e is CallEvents.DialogStarted s && (s.FromUser == filter.User || s.ToUser == filter.User || s.RuriUser == filter.User))
            {
                if (_calls.Count < MaxTrackedCalls)
                    _calls.Add(s.CallId);
                return true;
            }
            var known = _calls.Contains(e.CallId);
            if (known && e is CallEvents.DialogEnded)
                _calls.Remove(e.CallId);
            return known;
        }
    }
}

public sealed class HomerSubscription : ObjectGraphType
{
    private const string MaxPerSecondHelp =
        "Most items a second this subscription is sent (the server's maximum, HOMER_LIVE_MAX_PER_SECOND, when absent or larger). " +
        "The filter applies first; of what matches, items beyond the rate are skipped and counted in 'skipped'. At least 1.";

    private static int RateOf(global::GraphQL.IResolveFieldContext context, ApiOptions options)
    {
        var asked = context.GetArgument<int?>("maxPerSecond");
        if (asked is < 1)
            throw new ExecutionError("maxPerSecond must be at least 1.");
        return options.LiveRate(asked);
    }

    public HomerSubscription()
    {
        Name = "Subscription";

        Field<NonNullGraphType<CallEventType>>("callEvents")
            .Description("Dialog events from the whole cluster as they happen (WebSocket, graphql-transport-ws).")
            .Argument<CallEventFilterInputType>("filter")
            .Argument<IntGraphType>("maxPerSecond", MaxPerSecondHelp)
            .ResolveStream(context =>
            {
                var services = context.RequestServices!;
                var options = (ApiOptions)services.GetService(typeof(ApiOptions))!;
                var feed = (CallEventsFeed)services.GetService(typeof(CallEventsFeed))!;
                var matcher = new CallEventMatcher(context.GetArgument<CallEventFilter?>("filter"));
                var rate = RateOf(context, options);
                var queue = new SubscriberQueue<CallEvents.ICallEvent>(options.LiveQueue(rate), new RateLimit(rate));
                var registration = feed.Hub.Add(e =>
                {
                    if (matcher.Matches(e))
                        queue.Offer(e);
                });
                return queue.AsObservable((e, skipped) => CallEventView.Of(e) with { Skipped = skipped }, CallEventView.DroppedNotice, CallEventView.SkippedNotice,
                    (context.UserContext as ApiRequestContext)?.Credits, registration.Dispose);
            });

        Field<NonNullGraphType<LiveMessageType>>("messages")
            .Description("Captured messages as they arrive at this node's ingest (WebSocket, graphql-transport-ws); payloads need the user role (viewers too with HOMER_VIEWER_PAYLOADS=on).")
            .Argument<LiveMessageFilterInputType>("filter")
            .Argument<IntGraphType>("maxPerSecond", MaxPerSecondHelp)
            .ResolveStream(context =>
            {
                var services = context.RequestServices!;
                var options = (ApiOptions)services.GetService(typeof(ApiOptions))!;
                var feed = (LiveMessageFeed)services.GetService(typeof(LiveMessageFeed))!;
                var filter = context.GetArgument<LiveMessageFilter?>("filter");
                var showPayload = options.Auth.MaySeePayloads(context.Caller());
                var rate = RateOf(context, options);
                var queue = new SubscriberQueue<CapturedMessage>(options.LiveQueue(rate), new RateLimit(rate));
                var registration = feed.Hub.Add(m =>
                {
                    if (LiveMessageFilterInputType.Matches(filter, m))
                        queue.Offer(m);
                });
                return queue.AsObservable((m, skipped) => new LiveMessageView(m, null, showPayload) { Skipped = skipped },
                    n => new LiveMessageView(null, n, showPayload), n => new LiveMessageView(null, null, showPayload) { Skipped = n },
                    (context.UserContext as ApiRequestContext)?.Credits, registration.Dispose);
            });
    }
}
