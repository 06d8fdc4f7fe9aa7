using Akka.Actor;
using Akka.Hosting;
using GraphQL;
using GraphQL.Types;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

using Homer.Api.Transport;

namespace Homer.Api.GraphQL;

public sealed class HomerQuery : ObjectGraphType
{
    public const int DefaultPageSize = 100;
    private static readonly TimeSpan DialogAskTimeout = TimeSpan.FromSeconds(5);

    public HomerQuery()
    {
        Name = "Query";

        Field<NonNullGraphType<MessageConnectionType>>("messages")
            .DatabaseHeavy()
            .Description("Search captured messages in capture-time order, one keyset page at a time, with the exact total.")
            .Argument<NonNullGraphType<MessageFilterInputType>>("filter")
            .Argument<IntGraphType>("first", $"Page size, 0 to {MessageQueries.MaxPageSize}; default {DefaultPageSize}.")
            .Argument<StringGraphType>("after", "Cursor (pageInfo.endCursor) of the previous page.")
            .Argument<BooleanGraphType>("descending", "Newest first; default false.")
            .Argument<BooleanGraphType>("dedup", "Fold the same message captured by several agents (same payload within 2 s) into one row; default false.")
            .ResolveAsync(async context =>
            {
                var first = context.GetArgument("first", DefaultPageSize);
                if (first < 0 || first > MessageQueries.MaxPageSize)
                    throw new ExecutionError($"first must be between 0 and {MessageQueries.MaxPageSize}, was {first}") { Code = "BAD_ARGUMENT" };
                var queries = context.RequestServices!.GetRequiredService<MessageQueries>();
                var options = new MessageSearchOptions
                {
                    First = first,
                    After = context.GetArgument<string?>("after"),
                    Descending = context.GetArgument("descending", false),
                    Deduplicate = context.GetArgument("dedup", false),
                };
                var filter = context.GetArgument<MessageFilter>("filter");
                // Searching inside payloads reads them, one yes/no at a time: the same right as reading them.
                if ((!string.IsNullOrEmpty(filter.PayloadContains) || filter.Headers is { Count: > 0 })
                    && !context.RequestServices!.GetRequiredService<Auth.AuthOptions>().MaySeePayloads(Auth.AuthorizationFieldExtensions.Caller(context)))
                    throw new ExecutionError((filter.Headers is { Count: > 0 } ? "headers" : "payloadContains") + " needs the user role: viewers do not read payloads (HOMER_VIEWER_PAYLOADS=on allows it).")
                        { Code = "FORBIDDEN" };
                try
                {
                    return await queries.SearchAsync(filter, options, context.CancellationToken);
                }
                catch (MessageFilterException e)
                {
                    throw new ExecutionError(e.Message) { Code = "BAD_FILTER" };
                }
            });

        Field<DialogType>("dialog")
            .Description("The dialog of one Call-ID: live from the dialog host of its shard, else (ended and left its host) its row in the dialogs table; null if never seen.")
            .Argument<NonNullGraphType<StringGraphType>>("callId")
            .ResolveAsync(async context =>
            {
                var callId = context.GetArgument<string>("callId");
                if (string.IsNullOrEmpty(callId))
                    throw new ExecutionError("callId must not be empty") { Code = "BAD_ARGUMENT" };
                var services = context.RequestServices!;
                var region = await services.GetRequiredService<IRequiredActor<DialogRegion>>().GetAsync(context.CancellationToken);
                var snapshot = await region.Ask<DialogQueries.DialogSnapshot>(new DialogQueries.GetDialog(callId), DialogAskTimeout, context.CancellationToken);
                if (snapshot.Exists)
                    return snapshot;
                var row = await ActivatorUtilities.GetServiceOrCreateInstance<DialogStore>(services).GetAsync(callId, context.CancellationToken);
                return row is null ? null : DialogState.SnapshotOf(row);
            });
    }
}
