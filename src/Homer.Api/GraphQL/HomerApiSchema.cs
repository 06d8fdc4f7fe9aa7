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
        foreach (var field in services.GetRequiredService<AccountQueryFields>().Fields.ToList())
            query.AddField(field);
        foreach (var field in services.GetRequiredService<ClusterQueryFields>().Fields.ToList())
            query.AddField(field);
        Query = query;
        var mutation = services.GetRequiredService<HomerMutation>();
        foreach (var field in services.GetRequiredService<ClusterMutationFields>().Fields.ToList())
            mutation.AddField(field);
        Mutation = mutation;
        Subscription = services.GetRequiredService<HomerSubscription>();
        RegisterTypeMapping(typeof(DateTimeOffset), typeof(DateTimeScalar));
    }
}
