using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

/// <summary>
/// The served schema: the search and dialog queries plus the account fields, mutations and subscriptions. Account
/// query fields live in their own type and are merged into <c>Query</c> so each area keeps its own file.
/// </summary>
public sealed class HomerApiSchema : Schema
{
    public HomerApiSchema(IServiceProvider services) : base(services)
    {
        var query = services.GetRequiredService<HomerQuery>();
        Merge(query, services.GetRequiredService<AccountQueryFields>());
        Merge(query, services.GetRequiredService<DialogSearchQueryFields>());
        Merge(query, services.GetRequiredService<CallFlowQueryFields>());
        Merge(query, services.GetRequiredService<AliasQueryFields>());
        Merge(query, services.GetRequiredService<DashboardQueryFields>());
        Query = query;
        var mutation = services.GetRequiredService<HomerMutation>();
        Merge(mutation, services.GetRequiredService<AliasMutationFields>());
        Merge(mutation, services.GetRequiredService<DashboardMutationFields>());
        Mutation = mutation;
        Subscription = services.GetRequiredService<HomerSubscription>();
        RegisterTypeMapping(typeof(DateTimeOffset), typeof(DateTimeScalar));
    }

    private static void Merge(ObjectGraphType target, ObjectGraphType fields)
    {
        foreach (var field in fields.Fields.ToList())
            target.AddField(field);
    }
}
