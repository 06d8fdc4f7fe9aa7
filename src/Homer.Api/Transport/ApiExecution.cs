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
    public static async Task<ExecutionResult> ExecuteAsync(
        IServiceProvider services, GraphQLRequest request, AuthResult auth, ApiRequestContext userContext, bool allowMutations, CancellationToken ct)
    {
        var executer = services.GetRequiredService<IDocumentExecuter<ISchema>>();
        var options = services.GetRequiredService<ApiOptions>();
        // Queries and mutations (over HTTP or the socket) get a result budget that cancels them once spent and a claim on
        // their user's database slots; subscriptions send event by event and run as long as the socket wants them.
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (userContext.Credits is null || !IsSubscription(request))
        {
            userContext.Budget = new ResultBudget(options.MaxResultBytes, abort, services.GetRequiredService<ResultBudgetStats>());
            var user = auth.Caller?.Username ?? "address " + (userContext.ClientAddress ?? "unknown");
            userContext.Database = new DatabaseGate(services.GetRequiredService<UserQuerySlots>(), user, abort);
        }
        using var gate = userContext.Database;
        try
        {
            var result = await Execute(executer, options, services, request, auth, userContext, allowMutations, userContext.Budget is null ? ct : abort.Token);
            // Execution may finish before it notices the cancel: the partial data goes all the same.
            if (userContext.Database is { Refused: true })
                return Refused(userContext.Database.Message, DatabaseWork.TooManyQueriesCode);
            return userContext.Budget is { Exceeded: true } ? TooLarge(userContext.Budget.Message) : result;
        }
        catch (OperationCanceledException) when (userContext.Database is { Refused: true } && !ct.IsCancellationRequested)
        {
            return Refused(userContext.Database.Message, DatabaseWork.TooManyQueriesCode);
        }
        catch (OperationCanceledException) when (userContext.Budget is { Exceeded: true } && !ct.IsCancellationRequested)
        {
            return TooLarge(userContext.Budget.Message);
        }
    }

    /// <summary>Whether the operation the request runs is a subscription (only asked of WebSocket operations).</summary>
    private static bool IsSubscription(GraphQLRequest request)
    {
        try
        {
            var operations = GraphQLParser.Parser.Parse(request.Query).Definitions.OfType<GraphQLParser.AST.GraphQLOperationDefinition>();
            var operation = request.OperationName is { Length: > 0 } name
                ? operations.FirstOrDefault(o => o.Name?.Value == name)
                : operations.FirstOrDefault();
            return operation?.Operation == GraphQLParser.AST.OperationType.Subscription;
        }
        catch (GraphQLParser.Exceptions.GraphQLParserException)
        {
            // The executer reports the syntax error; a request that does not parse runs nothing either way.
            return false;
        }
    }

    /// <summary>The answer to a request whose result is over the limit: one error, no data.</summary>
    public static ExecutionResult TooLarge(string message) => Refused(message, ResultBudget.ErrorCode);

    private static ExecutionResult Refused(string message, string code) =>
        new() { Executed = true, Errors = [new ExecutionError(message) { Code = code }] };

    /// <summary>True when the request was refused because its user already runs as many database requests as allowed.</summary>
    public static bool TooManyQueries(ExecutionResult result) =>
        result.Errors?.Any(e => e.Code == DatabaseWork.TooManyQueriesCode) == true && result.Data is null;

    private static Task<ExecutionResult> Execute(IDocumentExecuter<ISchema> executer, ApiOptions options, IServiceProvider services,
        GraphQLRequest request, AuthResult auth, ApiRequestContext userContext, bool allowMutations, CancellationToken ct)
    {
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
        _rules = [.. DocumentValidator.CoreRules, AuthorizationRule.Instance, TextValuesRule.Instance, new DatabaseWorkRule(options.MaxDatabaseFields),
            new global::GraphQL.Validation.Rules.Custom.ComplexityValidationRule(new global::GraphQL.Validation.Complexity.ComplexityOptions
            {
                MaxDepth = options.MaxQueryDepth,
                MaxComplexity = options.MaxQueryComplexity,
            })];
        _getRules = [.. _rules, NoMutationsOverGetRule.Instance];
    }

    public IValidationRule[] For(bool allowMutations) => allowMutations ? _rules : _getRules;
}
