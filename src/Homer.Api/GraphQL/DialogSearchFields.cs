using System.Globalization;
using GraphQL;
using GraphQL.Types;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

using Homer.Api.Transport;

namespace Homer.Api.GraphQL;

/// <summary>The call and registration search (<c>dialogs</c>); merged into <c>Query</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class DialogSearchQueryFields : ObjectGraphType
{
    public DialogSearchQueryFields()
    {
        Name = "DialogSearchQueryFields";

        Field<NonNullGraphType<DialogConnectionType>>("dialogs")
            .DatabaseHeavy()
            .Description("Search calls, registrations and other requests as their dialogs summarised them (the dialogs table), by start time, one keyset page at a time, with the exact total.")
            .Argument<NonNullGraphType<DialogFilterInputType>>("filter")
            .Argument<IntGraphType>("first", $"Page size, 0 to {DialogSearch.MaxPageSize}; default {HomerQuery.DefaultPageSize}.", a => a.DefaultValue = HomerQuery.DefaultPageSize)
            .Argument<StringGraphType>("after", "Cursor (pageInfo.endCursor) of the previous page.")
            .Argument<BooleanGraphType>("descending", "Newest first; default true.", a => a.DefaultValue = true)
            .ResolveAsync(async c =>
            {
                var first = c.GetArgument("first", HomerQuery.DefaultPageSize);
                if (first < 0 || first > DialogSearch.MaxPageSize)
                    throw new ExecutionError($"first must be between 0 and {DialogSearch.MaxPageSize}, was {first}") { Code = "BAD_ARGUMENT" };
                var search = ActivatorUtilities.GetServiceOrCreateInstance<DialogSearch>(c.RequestServices!);
                try
                {
                    return await search.SearchAsync(c.GetArgument<DialogFilter>("filter"), first, c.GetArgument<string?>("after"),
                        c.GetArgument("descending", true), c.CancellationToken);
                }
                catch (MessageFilterException e)
                {
                    throw new ExecutionError(e.Message) { Code = "BAD_FILTER" };
                }
            });
    }
}

public sealed class DialogFilterInputType : InputObjectGraphType<DialogFilter>
{
    public DialogFilterInputType()
    {
        Name = "DialogFilter";
        Description = "Which dialogs to return. Every field is optional; fields combine with AND, list values with OR. " +
                      "User fields match exactly unless they contain * (any characters) or ? (one character).";
        Field<DateTimeScalar>("from").Description("Started at or after.");
        Field<DateTimeScalar>("to").Description("Started at or before.");
        Field<StringGraphType>("callId").Description("Exact Call-ID.");
        Field<StringGraphType>("kind").Description("CALL, REGISTRATION or OTHER.");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("states").Description("ANSWERED, COMPLETED, FAILED, CANCELLED, …");
        Field<StringGraphType>("fromUser");
        Field<StringGraphType>("toUser");
        Field<StringGraphType>("ruriUser");
        Field<StringGraphType>("anyUser").Description("From, To or R-URI user.");
        Field<StringGraphType>("ip").Description("Caller or callee address, or a subnet (CIDR).");
        Field<ListGraphType<NonNullGraphType<IntGraphType>>>("finalStatus").Description("Final SIP status of the dialog.");
        Field<IntGraphType>("minDurationMs");
        Field<IntGraphType>("maxDurationMs");
        Field<FloatGraphType>("minMos").Description("Lowest MOS of the call at or above this.");
        Field<FloatGraphType>("maxMos").Description("Lowest MOS of the call at or below this (bad calls: maxMos: 3.5).");
        Field<StringGraphType>("node").Description("Capture node name (patterns allowed).");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        T? Get<T>(string name) => value.TryGetValue(name, out var v) && v is not null ? (T)v : default;
        IReadOnlyList<T>? List<T>(string name) =>
            value.TryGetValue(name, out var v) && v is IEnumerable<object?> items ? items.Select(i => (T)Convert.ChangeType(i!, typeof(T), CultureInfo.InvariantCulture)).ToList() : null;
        double? Number(string name) => value.TryGetValue(name, out var v) && v is not null ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : null;
        long? Whole(string name) => value.TryGetValue(name, out var v) && v is not null ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;
        return new DialogFilter
        {
            From = value.TryGetValue("from", out var from) ? (DateTimeOffset?)from : null,
            To = value.TryGetValue("to", out var to) ? (DateTimeOffset?)to : null,
            CallId = Get<string>("callId"),
            Kind = Get<string>("kind"),
            States = List<string>("states"),
            FromUser = Get<string>("fromUser"),
            ToUser = Get<string>("toUser"),
            RuriUser = Get<string>("ruriUser"),
            AnyUser = Get<string>("anyUser"),
            Ip = Get<string>("ip"),
            FinalStatus = List<int>("finalStatus"),
            MinDurationMs = Whole("minDurationMs"),
            MaxDurationMs = Whole("maxDurationMs"),
            MinMos = Number("minMos"),
            MaxMos = Number("maxMos"),
            Node = Get<string>("node"),
        };
    }
}

public sealed class DialogSummaryType : ObjectGraphType<DialogRow>
{
    public DialogSummaryType()
    {
        Name = "DialogSummary";
        Description = "One row of the dialogs table: a call, registration or other request as its dialog summarised it.";
        Field(x => x.CallId);
        Field(x => x.Kind).Description("CALL, REGISTRATION or OTHER.");
        Field(x => x.State);
        Field(x => x.FromUser, nullable: true);
        Field(x => x.ToUser, nullable: true);
        Field(x => x.RuriUser, nullable: true);
        Field(x => x.CallerIp, nullable: true);
        Field(x => x.CalleeIp, nullable: true);
        Field<NonNullGraphType<DateTimeScalar>>("startedAt").Resolve(c => c.Source.StartedAt);
        Field<DateTimeScalar>("answeredAt").Resolve(c => c.Source.AnsweredAt);
        Field<DateTimeScalar>("endedAt").Resolve(c => c.Source.EndedAt);
        Field<IntGraphType>("pddMs").Resolve(c => Int(c.Source.PddMs));
        Field<IntGraphType>("setupMs").Resolve(c => Int(c.Source.SetupMs));
        Field<IntGraphType>("durationMs").Resolve(c => Int(c.Source.DurationMs));
        Field(x => x.FinalStatus, nullable: true);
        Field(x => x.FinalReason, nullable: true);
        Field(x => x.MosMin, nullable: true);
        Field(x => x.MosAvg, nullable: true);
        Field<NonNullGraphType<IntGraphType>>("messageCount").Resolve(c => (int)Math.Min(c.Source.MessageCount, int.MaxValue));
        Field(x => x.CorrelationGroup, nullable: true);
        Field(x => x.Node, nullable: true);
        Field<NonNullGraphType<StringGraphType>>("cursor").Resolve(c => DialogCursor.Encode(c.Source)).Description("Pass as `after` to continue after this dialog.");
    }

    // A call longer than 24 days does not fit Int's milliseconds; clamp rather than fail the whole page.
    private static int? Int(long? value) => value is { } v ? (int)Math.Clamp(v, int.MinValue, int.MaxValue) : null;
}

public sealed class DialogConnectionType : ObjectGraphType<DialogPage>
{
    public DialogConnectionType()
    {
        Name = "DialogConnection";
        Field<NonNullGraphType<IntGraphType>>("totalCount").Resolve(c => (int)Math.Min(c.Source.TotalCount, int.MaxValue)).Description("Exact number of dialogs matching the filter.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DialogSummaryType>>>>("nodes").Resolve(c => c.Source.Nodes);
        Field<NonNullGraphType<DialogPageInfoType>>("pageInfo").Resolve(c => c.Source);
    }
}

public sealed class DialogPageInfoType : ObjectGraphType<DialogPage>
{
    public DialogPageInfoType()
    {
        Name = "DialogPageInfo";
        Field<NonNullGraphType<BooleanGraphType>>("hasNextPage").Resolve(c => c.Source.HasNextPage);
        Field<StringGraphType>("endCursor").Resolve(c => c.Source.EndCursor).Description("Cursor of the last node; pass it as `after`.");
    }
}
