using GraphQL.Validation;
using GraphQLParser.AST;

namespace Homer.Api.Transport;

/// <summary>GET must be safe: a mutation sent as a query string is refused before it runs.</summary>
public sealed class NoMutationsOverGetRule : ValidationRuleBase
{
    public static readonly NoMutationsOverGetRule Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) =>
        new(new MatchingNodeVisitor<GraphQLOperationDefinition>((operation, ctx) =>
        {
            if (operation.Operation != OperationType.Query)
                ctx.ReportError(new ValidationError(ctx.Document.Source, "GET_NOT_QUERY",
                    $"Only queries may be sent with GET; send a {operation.Operation.ToString().ToLowerInvariant()} with POST.", operation));
        }));
}
