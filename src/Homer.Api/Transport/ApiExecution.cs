using System.Security.Claims;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using GraphQL.Validation;
using Homer.Api.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.Transport;

/// <summary>One place where HTTP and WebSocket run a GraphQL request, so both apply the same rules and limits.</summary>
public static class ApiExecution
{
    public static Task<ExecutionResult> ExecuteAsync(
        IServiceProvider services, GraphQLRequest request, AuthResult auth, ApiRequestContext userContext, bool allowMutations, CancellationToken ct)
    {
        var executer = services.GetRequiredService<IDocumentExecuter<ISchema>>();
        var options = services.GetRequiredService<ApiOptions>();
        return executer.ExecuteAsync(o =>
        {
            o.Query = request.Query;
            o.OperationName = request.OperationName;
            o.Variables = request.Variables;
            o.Extensions = request.Extensions;
            o.RequestServices = services;
            o.User = auth.Caller?.ToPrincipal() ?? new ClaimsPrincipal(new ClaimsIdentity());
            o.UserContext = userContext;
            o.CancellationToken = ct;
            o.ValidationRules = services.GetRequiredService<ApiValidationRules>().For(allowMutations);
            // Subscriptions are long-lived by design: the limit is for queries and mutations.
            o.Timeout = userContext.Credits is null ? options.ExecutionTimeout : Timeout.InfiniteTimeSpan;
            o.TimeoutAction = global::GraphQL.Execution.TimeoutAction.ReturnTimeoutError;
        });
    }

    /// <summary>The HTTP status for a result refused by the authorization rule, if it was.</summary>
    public static int? AuthStatus(ExecutionResult result)
    {
        var refusal = result.Errors?.OfType<AuthValidationError>().FirstOrDefault();
        return refusal is null ? null : refusal.Authenticated ? 403 : 401;
    }
}

/// <summary>The validation rules of this node, built once from its limits.</summary>
public sealed class ApiValidationRules
{
    private readonly IValidationRule[] _rules;
    private readonly IValidationRule[] _getRules;

    public ApiValidationRules(ApiOptions options)
    {
        _rules = [.. DocumentValidator.CoreRules, AuthorizationRule.Instance, TextValuesRule.Instance,
            new global::GraphQL.Validation.Rules.Custom.ComplexityValidationRule(new global::GraphQL.Validation.Complexity.ComplexityOptions
            {
                MaxDepth = options.MaxQueryDepth,
                MaxComplexity = options.MaxQueryComplexity,
            })];
        _getRules = [.. _rules, NoMutationsOverGetRule.Instance];
    }

    public IValidationRule[] For(bool allowMutations) => allowMutations ? _rules : _getRules;
}
