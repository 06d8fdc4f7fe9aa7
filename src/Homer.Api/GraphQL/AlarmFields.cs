using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using GraphQL;
using GraphQL.Types;
using Homer.Actors.Alarms;
using Homer.Actors.Contracts;
using Homer.Api.Auth;
using Homer.Api.Subscriptions;
using Homer.Storage.Alarms;
using Homer.Storage.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

public sealed class AlarmRuleTypeEnum : EnumerationGraphType
{
    public static readonly string[] Names =
        ["SCANNER", "AUTH_FAILURES", "ERROR_RATE", "LOW_ASR", "LOW_MOS", "HIGH_PACKET_LOSS", "REGISTRATION_STORM", "HOST_UNREACHABLE", "SHORT_CALLS", "RETRANSMISSIONS", "STORAGE_STALLED"];

    public AlarmRuleTypeEnum()
    {
        Name = "AlarmRuleType";
        foreach (var name in Names)
            Add(name, name);
    }
}

public sealed class AlarmStateEnum : EnumerationGraphType
{
    public AlarmStateEnum()
    {
        Name = "AlarmState";
        // Values are the rows' text, which the contract's enum maps.
        foreach (var state in Enum.GetValues<AlarmState>())
            Add(state.ToText(), state.ToText());
    }
}

public sealed class AlarmSeverityEnum : EnumerationGraphType
{
    public AlarmSeverityEnum()
    {
        Name = "AlarmSeverity";
        foreach (var severity in Enum.GetValues<AlarmSeverity>())
            Add(severity.ToText(), severity.ToText());
    }
}

public sealed class AlarmType : ObjectGraphType<AlarmRow>
{
    public AlarmType()
    {
        Name = "Alarm";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field<NonNullGraphType<IdGraphType>>("ruleId").Resolve(c => c.Source.RuleId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field<NonNullGraphType<AlarmRuleTypeEnum>>("ruleType").Resolve(c => c.Source.RuleType);
        Field<NonNullGraphType<AlarmSeverityEnum>>("severity").Resolve(c => c.Source.Severity);
        Field<NonNullGraphType<AlarmStateEnum>>("state").Resolve(c => c.Source.State);
        Field(x => x.Count).Description("Occurrences while the alarm was open (dialogs, failures, calls…, per rule type).");
        Field<NonNullGraphType<DateTimeScalar>>("firstSeen").Resolve(c => c.Source.FirstSeen);
        Field<NonNullGraphType<DateTimeScalar>>("lastSeen").Resolve(c => c.Source.LastSeen);
        Field(x => x.Scope).Description("What the alarm is about: ip:<source>, host:<ip:port>, or the rule's scope.");
        Field(x => x.Message);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("exampleCallIds").Resolve(c => c.Source.ExampleCallIds)
            .Description("Up to 10 recent Call-IDs that made the alarm, newest last.");
        Field(x => x.AcknowledgedBy, nullable: true);
        Field<DateTimeScalar>("resolvedAt").Resolve(c => c.Source.ResolvedAt);
    }
}

public sealed class AlarmRuleGraphType : ObjectGraphType<AlarmRuleRow>
{
    public AlarmRuleGraphType()
    {
        Name = "AlarmRule";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(x => x.Name);
        Field<NonNullGraphType<AlarmRuleTypeEnum>>("type").Resolve(c => c.Source.Type);
        Field(x => x.Enabled);
        Field<NonNullGraphType<AlarmSeverityEnum>>("severity").Resolve(c => c.Source.Severity);
        Field(x => x.Threshold, nullable: true).Description("Count, percent or MOS, per rule type (docs/operations.md); null = the type's default.");
        Field(x => x.WindowSeconds);
        Field(x => x.MinCount, nullable: true).Description("Ratio rules: fewest attempts/messages in the window before the ratio counts.");
        Field(x => x.CooldownSeconds).Description("After a resolve, the same alarm is not raised again for this long.");
        Field(x => x.Scope, nullable: true).Description("ip:<address or CIDR>, node:<HEP node>, userAgent:<pattern*>; null = all traffic.");
        Field(x => x.Parameters, nullable: true).Description("JSON object of type-specific settings, e.g. {\"userAgents\":[\"friendly-scanner\"]}.");
    }
}

public sealed class AlarmFilterInputType : InputObjectGraphType<AlarmFilter>
{
    public AlarmFilterInputType()
    {
        Name = "AlarmFilter";
        Field<AlarmStateEnum>("state");
        Field<AlarmRuleTypeEnum>("ruleType");
        Field<DateTimeScalar>("from").Description("Alarms seen at or after this time.");
        Field<DateTimeScalar>("to").Description("Alarms first seen at or before this time.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new AlarmFilter(
        value.TryGetValue("state", out var s) ? s as string : null,
        value.TryGetValue("ruleType", out var t) ? t as string : null,
        value.TryGetValue("from", out var f) ? (DateTimeOffset?)f : null,
        value.TryGetValue("to", out var to) ? (DateTimeOffset?)to : null);
}

public sealed class AlarmRuleInputType : InputObjectGraphType<AlarmRuleRow>
{
    public AlarmRuleInputType()
    {
        Name = "AlarmRuleInput";
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<AlarmRuleTypeEnum>>("type");
        Field<BooleanGraphType>("enabled").Description("Default true.");
        Field<AlarmSeverityEnum>("severity").Description("Default: the type's default (CRITICAL for HOST_UNREACHABLE and STORAGE_STALLED, INFO for SHORT_CALLS, else WARNING).");
        Field<FloatGraphType>("threshold");
        Field<IntGraphType>("windowSeconds").Description("Default: the type's default window.");
        Field<IntGraphType>("minCount");
        Field<IntGraphType>("cooldownSeconds").Description("Default: the type's default cooldown.");
        Field<StringGraphType>("scope");
        Field<StringGraphType>("parameters");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        var type = (string)value["type"]!;
        var defaults = AlarmDefaults.Of(type);
        return new AlarmRuleRow
        {
            Name = ((string)value["name"]!).Trim(),
            Type = type,
            Enabled = value.TryGetValue("enabled", out var e) && e is bool b ? b : true,
            Severity = value.TryGetValue("severity", out var s) && s is string sv ? sv : defaults.Severity,
            Threshold = value.TryGetValue("threshold", out var t) && t is not null ? Convert.ToDouble(t, System.Globalization.CultureInfo.InvariantCulture) : null,
            WindowSeconds = value.TryGetValue("windowSeconds", out var w) && w is int wi ? wi : defaults.WindowSeconds,
            MinCount = value.TryGetValue("minCount", out var m) && m is int mi ? mi : null,
            CooldownSeconds = value.TryGetValue("cooldownSeconds", out var c) && c is int ci ? ci : defaults.CooldownSeconds,
            Scope = value.TryGetValue("scope", out var sc) && sc is string scope && scope.Length > 0 ? scope : null,
            Parameters = value.TryGetValue("parameters", out var p) && p is string ps && ps.Length > 0 ? ps : "{}",
        };
    }
}

/// <summary>Alarm query fields, merged into <c>Query</c>.</summary>
public sealed class AlarmQueryFields : ObjectGraphType
{
    public AlarmQueryFields()
    {
        Name = "AlarmQueryFields";

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AlarmType>>>>("alarms")
            .Description("Alarms, newest activity first (at most 500).")
            .Argument<AlarmFilterInputType>("filter")
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<AlarmStore>()
                .ListAlarmsAsync(c.GetArgument<AlarmFilter?>("filter") ?? new AlarmFilter(), c.CancellationToken));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AlarmRuleGraphType>>>>("alarmRules")
            .Description("Every alarm rule, enabled or not.")
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<AlarmStore>().ListRulesAsync(c.CancellationToken));
    }
}

/// <summary>Alarm mutations, merged into <c>Mutation</c>.</summary>
public sealed class AlarmMutationFields : ObjectGraphType
{
    public AlarmMutationFields()
    {
        Name = "AlarmMutationFields";

        Field<NonNullGraphType<AlarmRuleGraphType>>("createAlarmRule")
            .Description("Adds a rule; effective cluster-wide within a second.")
            .Argument<NonNullGraphType<AlarmRuleInputType>>("input")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var rule = Valid(c.GetArgument<AlarmRuleRow>("input"));
                try
                {
                    var created = await c.RequestServices!.GetRequiredService<AlarmStore>().CreateRuleAsync(rule, c.CancellationToken);
                    Announce(c, created.Id);
                    return created;
                }
                catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
                {
                    throw new ExecutionError($"A rule named '{rule.Name}' exists already.") { Code = "CONFLICT" };
                }
            });

        Field<NonNullGraphType<AlarmRuleGraphType>>("updateAlarmRule")
            .Description("Replaces a rule's settings; its windows start over.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<NonNullGraphType<AlarmRuleInputType>>("input")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var id = Id(c);
                var rule = Valid(c.GetArgument<AlarmRuleRow>("input"));
                var updated = await c.RequestServices!.GetRequiredService<AlarmStore>().UpdateRuleAsync(id, rule, c.CancellationToken)
                    ?? throw new ExecutionError($"No alarm rule {id}.") { Code = "NOT_FOUND" };
                Announce(c, id);
                return updated;
            });

        Field<NonNullGraphType<BooleanGraphType>>("deleteAlarmRule")
            .Description("Deletes a rule; its open alarms resolve, its past alarms are kept.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var id = Id(c);
                var deleted = await c.RequestServices!.GetRequiredService<AlarmStore>().DeleteRuleAsync(id, c.CancellationToken);
                if (deleted)
                    Announce(c, id);
                return deleted;
            });

        Field<NonNullGraphType<AlarmType>>("acknowledgeAlarm")
            .Description("Marks an active alarm as seen; it stays until its condition ends.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .RequireRole(HomerRole.User)
            .ResolveAsync(async c =>
            {
                var id = Id(c);
                var row = await c.RequestServices!.GetRequiredService<AlarmStore>().AcknowledgeAsync(id, c.Caller().Username, c.CancellationToken)
                    ?? throw new ExecutionError($"No alarm {id}.") { Code = "NOT_FOUND" };
                Mediator(c)?.Tell(new Publish(AlarmNotices.Topic,
                    row.ToNotice(AlarmChangeKind.Acknowledged)));
                return row;
            });
    }

    private static long Id(IResolveFieldContext c) =>
        long.TryParse(c.GetArgument<string>("id"), out var id) ? id : throw new ExecutionError("id is not a number.") { Code = "BAD_ARGUMENT" };

    private static AlarmRuleRow Valid(AlarmRuleRow rule)
    {
        if (rule.Name.Length == 0)
            throw new ExecutionError("name must not be empty.") { Code = "BAD_ARGUMENT" };
        if (rule.WindowSeconds <= 0 || rule.CooldownSeconds < 0)
            throw new ExecutionError("windowSeconds must be positive and cooldownSeconds not negative.") { Code = "BAD_ARGUMENT" };
        try
        {
            AlarmRule.Validate(rule);
        }
        catch (FormatException e)
        {
            throw new ExecutionError($"Invalid rule: {e.Message}") { Code = "BAD_ARGUMENT" };
        }
        return rule;
    }

    private static IActorRef? Mediator(IResolveFieldContext c) =>
        c.RequestServices!.GetService<ActorSystem>() is { } system ? DistributedPubSub.Get(system).Mediator : null;

    // The engine also reloads periodically, so a lost notice only delays the change.
    private static void Announce(IResolveFieldContext c, long ruleId) => Mediator(c)?.Tell(new Publish(AlarmNotices.RulesTopic, new AlarmNotices.RulesChanged(ruleId)));
}

/// <summary>The <c>alarms</c> subscription, merged into <c>Subscription</c>.</summary>
public sealed class AlarmSubscriptionFields : ObjectGraphType
{
    public AlarmSubscriptionFields()
    {
        Name = "AlarmSubscriptionFields";

        Field<NonNullGraphType<AlarmType>>("alarms")
            .Description("Alarms as they are raised, updated, acknowledged and resolved anywhere in the cluster.")
            .ResolveStream(context =>
            {
                var services = context.RequestServices!;
                var options = services.GetRequiredService<ApiOptions>();
                var feed = services.GetRequiredService<AlarmFeed>();
                var queue = new SubscriberQueue<AlarmNotices.AlarmChanged>(options.SubscriberQueue);
                var registration = feed.Hub.Add(a => queue.Offer(a));
                // An alarm subscriber that fell behind gets a synthetic notice rather than silence.
                return queue.AsObservable(AlarmRowNotices.ToRow, dropped => new AlarmRow
                {
                    RuleId = 0,
                    RuleType = "SCANNER",
                    Severity = AlarmSeverity.Info.ToText(),
                    Key = "dropped",
                    Scope = "subscription",
                    Message = $"{dropped} alarm notices dropped: this subscriber was too slow",
                    Count = dropped,
                    FirstSeen = DateTimeOffset.UtcNow,
                    LastSeen = DateTimeOffset.UtcNow,
                }, (context.UserContext as ApiRequestContext)?.Credits, registration.Dispose);
            });
    }
}
