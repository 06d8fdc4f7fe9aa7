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
        Merge(query, services.GetRequiredService<AlarmQueryFields>());
        Merge(query, services.GetRequiredService<StatsQueryFields>());
        Merge(query, services.GetRequiredService<DialogSearchQueryFields>());
        Merge(query, services.GetRequiredService<CallFlowQueryFields>());
        Merge(query, services.GetRequiredService<AliasQueryFields>());
        Merge(query, services.GetRequiredService<DashboardQueryFields>());
        Merge(query, services.GetRequiredService<ClusterQueryFields>());
        Merge(query, services.GetRequiredService<QuarantineQueryFields>());
        Merge(query, services.GetRequiredService<HeaderFieldQueryFields>());
        Merge(query, services.GetRequiredService<AgentQueryFields>());
        Query = query;
        var mutation = services.GetRequiredService<HomerMutation>();
        Merge(mutation, services.GetRequiredService<AlarmMutationFields>());
        Merge(mutation, services.GetRequiredService<AliasMutationFields>());
        Merge(mutation, services.GetRequiredService<DashboardMutationFields>());
        Merge(mutation, services.GetRequiredService<ClusterMutationFields>());
        Merge(mutation, services.GetRequiredService<QuarantineMutationFields>());
        Merge(mutation, services.GetRequiredService<HeaderFieldMutationFields>());
        Merge(mutation, services.GetRequiredService<AgentMutationFields>());
        Mutation = mutation;
        var subscription = services.GetRequiredService<HomerSubscription>();
        Merge(subscription, services.GetRequiredService<AlarmSubscriptionFields>());
        Subscription = subscription;
        RegisterTypeMapping(typeof(DateTimeOffset), typeof(DateTimeScalar));
    }

    private static void Merge(ObjectGraphType into, ObjectGraphType from)
    {
        foreach (var field in from.Fields.ToList())
            into.AddField(field);
    }
}
