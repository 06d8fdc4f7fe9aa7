using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using Homer.Api.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.Transport;

/// <summary>
/// GraphQL over HTTP (POST with a JSON body, GET with query-string parameters for queries only), written by hand
/// because no GraphQL.Server transport package is served to us.
/// </summary>
public static class GraphQLHttpEndpoint
{
    public const string ResponseContentType = "application/graphql-response+json; charset=utf-8";
    public const int MaxQueryLength = 64 * 1024;

    public static async Task HandlePost(HttpContext http)
    {
        var serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        GraphQLRequest? request;
        try
        {
            request = await serializer.ReadAsync<GraphQLRequest>(http.Request.Body, http.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException or InvalidOperationException)
        {
            await WriteError(http, StatusCodes.Status400BadRequest, "The request body is not a GraphQL request in JSON: " + e.Message);
            return;
        }
        await Execute(http, request, allowMutations: true);
    }

    public static async Task HandleGet(HttpContext http)
    {
        var serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        var query = http.Request.Query;
        Inputs? variables = null;
        if (query["variables"] is { Count: > 0 } raw && !string.IsNullOrEmpty(raw[0]))
        {
            try
            {
                variables = serializer.Deserialize<Inputs>(raw[0]);
            }
            catch (Exception e) when (e is JsonException or FormatException)
            {
                await WriteError(http, StatusCodes.Status400BadRequest, "The 'variables' parameter is not a JSON object: " + e.Message);
                return;
            }
        }
        var request = new GraphQLRequest { Query = query["query"], OperationName = query["operationName"], Variables = variables };
        await Execute(http, request, allowMutations: false);
    }

    private static async Task Execute(HttpContext http, GraphQLRequest? request, bool allowMutations)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.Query))
        {
            await WriteError(http, StatusCodes.Status400BadRequest, "The request has no 'query'.");
            return;
        }
        if (request.Query.Length > MaxQueryLength)
        {
            await WriteError(http, StatusCodes.Status400BadRequest, $"The query is longer than {MaxQueryLength} characters.");
            return;
        }

        var auth = await http.RequestServices.GetRequiredService<Authenticator>().AuthenticateAsync(Authenticator.BearerToken(http.Request), http.RequestAborted);
        if (auth.Error is not null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await WriteError(http, StatusCodes.Status401Unauthorized, "The token was refused: " + auth.Error + ".", "INVALID_TOKEN");
            return;
        }
        var context = new ApiRequestContext { ClientAddress = http.Connection.RemoteIpAddress?.ToString() };
        var result = await ApiExecution.ExecuteAsync(http.RequestServices, request, auth, context, allowMutations, http.RequestAborted);

        http.Response.ContentType = ResponseContentType;
        // Per GraphQL over HTTP: a request that never reached execution (parse or validation errors) is a 400.
        http.Response.StatusCode = ApiExecution.AuthStatus(result)
            ?? (ApiExecution.TooManyQueries(result) ? StatusCodes.Status429TooManyRequests
                : result.Executed ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
        if (http.Response.StatusCode == StatusCodes.Status401Unauthorized)
            http.Response.Headers.WWWAuthenticate = "Bearer";
        var serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        var limit = http.RequestServices.GetRequiredService<ApiOptions>().MaxResultBytes;
        // Buffered so that an oversized result becomes an error instead of a response cut off half way. The budget
        // charged while the result was built stops most; the buffer stops the rest at the limit, never past it.
        using var buffer = new LimitedBufferStream(limit);
        try
        {
            await serializer.WriteAsync(buffer, result, http.RequestAborted);
        }
        catch (Exception) when (buffer.Overflowed)
        {
            http.RequestServices.GetRequiredService<ResultBudgetStats>().OnRefused();
            await WriteError(http, StatusCodes.Status200OK,
                $"The result is over the {limit / 1024} KiB limit: ask for fewer fields or a smaller page (first).", ResultBudget.ErrorCode);
            return;
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(http.Response.Body, http.RequestAborted);
    }

    private static async Task WriteError(HttpContext http, int status, string message, string? code = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = ResponseContentType;
        var serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        await serializer.WriteAsync(http.Response.Body, new ExecutionResult { Errors = [new ExecutionError(message) { Code = code }] }, http.RequestAborted);
    }
}
