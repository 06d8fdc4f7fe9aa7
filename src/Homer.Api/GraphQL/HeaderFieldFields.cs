using Homer.Storage.Auth;
using GraphQL;
using GraphQL.Types;
using Homer.Api.Auth;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

/// <summary><c>headerFields</c>: the configured header fields, for the search form; merged into <c>Query</c>.</summary>
public sealed class HeaderFieldQueryFields : ObjectGraphType
{
    public HeaderFieldQueryFields()
    {
        Name = "HeaderFieldQueryFields";

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<HeaderFieldType>>>>("headerFields")
            .Description("Header fields extracted at ingest (configuration and the admin mutation), searchable with `messages(filter: { fields: … })`.")
            .ResolveAsync(async c => await HeaderFieldMutationFields.Merged(c));
    }
}

/// <summary>Declaring and removing header fields (admin); merged into <c>Mutation</c>.</summary>
public sealed class HeaderFieldMutationFields : ObjectGraphType
{
    public HeaderFieldMutationFields()
    {
        Name = "HeaderFieldMutationFields";

        Field<NonNullGraphType<HeaderFieldType>>("setHeaderField")
            .Description("Declares (or redefines) a header field to extract at ingest (admin). Every ingest node applies it to new messages " +
                         "within 5 s, without a restart; messages stored before keep what they had.")
            .Argument<NonNullGraphType<HeaderFieldInputType>>("input")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var input = c.GetArgument<IDictionary<string, object?>>("input");
                var rule = new HeaderFieldRule(input["name"] as string ?? "", input["header"] as string ?? "", input.TryGetValue("part", out var p) ? p as string : null);
                try
                {
                    var stored = await Store(c).UpsertAsync(rule, c.Caller()?.Username, c.CancellationToken);
                    await Refresh(c);
                    return stored;
                }
                catch (MessageFilterException e)
                {
                    throw new ExecutionError(e.Message) { Code = "BAD_ARGUMENT" };
                }
            });

        Field<NonNullGraphType<BooleanGraphType>>("deleteHeaderField")
            .Description("Stops extracting a header field declared through the API (admin); false when there was none. Fields from configuration stay.")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var deleted = await Store(c).DeleteAsync(c.GetArgument<string>("name"), c.CancellationToken);
                await Refresh(c);
                return deleted;
            });
    }

    private static HeaderFieldStore Store(IResolveFieldContext c) => ActivatorUtilities.GetServiceOrCreateInstance<HeaderFieldStore>(c.RequestServices!);

    // A node that also ingests applies the change at once; the others on their next poll.
    private static async Task Refresh(IResolveFieldContext c)
    {
        if (c.RequestServices!.GetService<HeaderFieldLoader>() is { } loader)
            await loader.RefreshAsync(c.CancellationToken);
    }

    internal static async Task<IReadOnlyList<HeaderFieldRule>> Merged(IResolveFieldContext c)
    {
        var configured = c.RequestServices!.GetService<HeaderFieldRegistry>()?.Configured ?? [];
        return HeaderFieldStore.Merge(configured, await Store(c).ListAsync(c.CancellationToken));
    }
}

public sealed class HeaderFieldType : ObjectGraphType<HeaderFieldRule>
{
    public HeaderFieldType()
    {
        Name = "HeaderField";
        Field(x => x.Name).Description("Field name in searches (`fields: [{ name, value }]`) and in `Message.fields`.");
        Field(x => x.Header).Description("SIP header it is read from (first occurrence).");
        Field(x => x.Part, nullable: true).Description("null: the whole value; user or host of its URI; param:NAME; regex:PATTERN (first group).");
    }
}

public sealed class HeaderFieldInputType : InputObjectGraphType
{
    public HeaderFieldInputType()
    {
        Name = "HeaderFieldInput";
        Field<NonNullGraphType<StringGraphType>>("name").Description("Letters, digits, '-' and '_' (stored in lower case).");
        Field<NonNullGraphType<StringGraphType>>("header").Description("Header name, any case; compact forms allowed.");
        Field<StringGraphType>("part").Description("user, host, param:NAME or regex:PATTERN; omit for the whole value.");
    }
}

/// <summary>One condition on a header or a configured field.</summary>
public sealed class HeaderConditionInputType : InputObjectGraphType<HeaderCondition>
{
    public HeaderConditionInputType()
    {
        Name = "HeaderConditionInput";
        Field<NonNullGraphType<StringGraphType>>("name").Description("Header name (any case, compact forms folded: i, f, t, m, v, …) or field name.");
        Field<NonNullGraphType<StringGraphType>>("value").Description("The whole value: exact, or with * (any run) and ? (one character); case-sensitive.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) =>
        new HeaderCondition(value["name"] as string ?? "", value["value"] as string ?? "");
}
