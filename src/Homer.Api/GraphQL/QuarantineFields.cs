using System.Globalization;
using GraphQL;
using GraphQL.Types;
using Homer.Api.Auth;
using Homer.Storage.Auth;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

/// <summary><c>quarantine</c> (admin); merged into <c>Query</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class QuarantineQueryFields : ObjectGraphType
{
    public QuarantineQueryFields()
    {
        Name = "QuarantineQueryFields";

        Field<NonNullGraphType<QuarantinePageType>>("quarantine")
            .Description("Rows PostgreSQL refused for good (admin): each was isolated from its batch, whose other rows were stored, and kept with its raw HEP packet (messages) or as JSON (other rows) and the error. Newest first.")
            .Argument<DateTimeScalar>("from", "Quarantined at or after this time.")
            .Argument<DateTimeScalar>("to", "Quarantined before this time.")
            .Argument<StringGraphType>("kind", "message, dialog, stats, alarm or toplist.")
            .Argument<IntGraphType>("first", "Entries per page (default 50, at most 1000).")
            .Argument<StringGraphType>("after", "The endCursor of the previous page.")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var kind = c.GetArgument<string?>("kind");
                if (kind is not null && !QuarantineKind.All.Contains(kind))
                    throw new ExecutionError($"kind must be one of {string.Join(", ", QuarantineKind.All)}.") { Code = "BAD_ARGUMENT" };
                var first = c.GetArgument<int?>("first") ?? 50;
                if (first is < 1 or > 1_000)
                    throw new ExecutionError("first must be between 1 and 1000.") { Code = "BAD_ARGUMENT" };
                long? after = null;
                if (c.GetArgument<string?>("after") is { } cursor)
                {
                    after = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                        ? id
                        : throw new ExecutionError("after is not a cursor this API gave out.") { Code = "BAD_ARGUMENT" };
                }
                var store = c.RequestServices!.GetRequiredService<QuarantineStore>();
                var entries = await store.ListAsync(c.GetArgument<DateTimeOffset?>("from"), c.GetArgument<DateTimeOffset?>("to"), kind,
                    first + 1, after, c.CancellationToken);
                return new QuarantinePage(entries.Take(first).ToList(), entries.Count > first);
            });
    }
}

/// <summary><c>replayQuarantine</c> (admin); merged into <c>Mutation</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class QuarantineMutationFields : ObjectGraphType
{
    public QuarantineMutationFields()
    {
        Name = "QuarantineMutationFields";

        Field<NonNullGraphType<QuarantineReplayType>>("replayQuarantine")
            .Description("Re-submits quarantined rows through the normal write path once their cause is fixed (admin): messages are decoded from their HEP packet, stored and handed to their dialog; dialog rows are upserted. A stored entry is marked replayed; one refused again keeps the new error. Give ids, or all: true for every entry not replayed yet (at most 10 000 per call).")
            .Argument<ListGraphType<NonNullGraphType<IdGraphType>>>("ids")
            .Argument<BooleanGraphType>("all")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var all = c.GetArgument<bool?>("all") ?? false;
                var idTexts = c.GetArgument<List<string>?>("ids");
                if (all == (idTexts is not null))
                    throw new ExecutionError("Give either ids or all: true.") { Code = "BAD_ARGUMENT" };
                List<long>? ids = null;
                if (idTexts is not null)
                {
                    ids = [];
                    foreach (var text in idTexts)
                    {
                        ids.Add(long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                            ? id
                            : throw new ExecutionError($"'{text}' is not a quarantine id.") { Code = "BAD_ARGUMENT" });
                    }
                }
                var replayer = c.RequestServices!.GetService<IQuarantineReplayer>()
                    ?? throw new ExecutionError("This node cannot replay the quarantine.") { Code = "UNAVAILABLE" };
                try
                {
                    return await replayer.ReplayAsync(ids, c.CancellationToken);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException && !StorageErrors.IsPermanent(e))
                {
                    throw new ExecutionError("PostgreSQL is unreachable; nothing was replayed beyond what the answer of a later call shows.") { Code = "UNAVAILABLE" };
                }
            });
    }
}

public sealed record QuarantinePage(IReadOnlyList<QuarantineEntry> Nodes, bool HasNextPage)
{
    public string? EndCursor => Nodes.Count == 0 ? null : Nodes[^1].Id.ToString(CultureInfo.InvariantCulture);
}

public sealed class QuarantinePageType : ObjectGraphType<QuarantinePage>
{
    public QuarantinePageType()
    {
        Name = "QuarantinePage";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<QuarantineEntryType>>>>("nodes").Resolve(c => c.Source.Nodes);
        Field<NonNullGraphType<BooleanGraphType>>("hasNextPage").Resolve(c => c.Source.HasNextPage);
        Field<StringGraphType>("endCursor").Resolve(c => c.Source.EndCursor).Description("Pass as `after` for the next page.");
    }
}

public sealed class QuarantineEntryType : ObjectGraphType<QuarantineEntry>
{
    public QuarantineEntryType()
    {
        Name = "QuarantineEntry";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(CultureInfo.InvariantCulture));
        Field<NonNullGraphType<DateTimeScalar>>("time").Resolve(c => c.Source.QuarantinedAt).Description("When it was quarantined.");
        Field<DateTimeScalar>("capturedAt").Resolve(c => c.Source.CapturedAt).Description("Capture time of a message; start of a dialog.");
        Field<NonNullGraphType<StringGraphType>>("kind").Resolve(c => c.Source.Kind).Description("message, dialog, stats, alarm or toplist.");
        Field<NonNullGraphType<StringGraphType>>("table").Resolve(c => c.Source.Table).Description("The table PostgreSQL refused the row for.");
        Field<StringGraphType>("node").Resolve(c => c.Source.Node).Description("Capture node of a message, node of a dialog.");
        Field<NonNullGraphType<StringGraphType>>("sqlstate").Resolve(c => c.Source.SqlState).Description("PostgreSQL's SQLSTATE (encode: a value the writer could not encode; replay: the entry could not be replayed).");
        Field<NonNullGraphType<StringGraphType>>("error").Resolve(c => c.Source.Error);
        Field<NonNullGraphType<IntGraphType>>("size").Resolve(c => c.Source.Size).Description("Bytes kept: the HEP packet, or the row's JSON.");
        Field<NonNullGraphType<IntGraphType>>("attempts").Resolve(c => c.Source.Attempts).Description("1 + replays tried.");
        Field<DateTimeScalar>("replayedAt").Resolve(c => c.Source.ReplayedAt).Description("When a replay stored it; null while it waits.");
    }
}

public sealed class QuarantineReplayType : ObjectGraphType<QuarantineReplayResult>
{
    public QuarantineReplayType()
    {
        Name = "QuarantineReplay";
        Field<NonNullGraphType<IntGraphType>>("replayed").Resolve(c => c.Source.Replayed).Description("Entries stored and marked replayed.");
        Field<NonNullGraphType<IntGraphType>>("failed").Resolve(c => c.Source.Failed).Description("Entries refused again; their error is updated.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<QuarantineReplayFailureType>>>>("failures").Resolve(c => c.Source.Failures);
    }
}

public sealed class QuarantineReplayFailureType : ObjectGraphType<QuarantineReplayFailure>
{
    public QuarantineReplayFailureType()
    {
        Name = "QuarantineReplayFailure";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(CultureInfo.InvariantCulture));
        Field<NonNullGraphType<StringGraphType>>("sqlstate").Resolve(c => c.Source.SqlState);
        Field<NonNullGraphType<StringGraphType>>("error").Resolve(c => c.Source.Error);
    }
}
