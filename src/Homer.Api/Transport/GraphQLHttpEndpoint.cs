using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using Homer.Api.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
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
        // The token is checked before the body is read: a refused token costs no parsing, and a request without a
        // token (only a login needs none) may send no more than a small body.
        var auth = await http.RequestServices.GetRequiredService<Authenticator>().AuthenticateAsync(Authenticator.BearerToken(http.Request), http.RequestAborted);
        if (auth.Error is not null)
        {
            await RefuseToken(http, auth.Error, closeConnection: true);
            return;
        }
        var anonymousLimit = http.RequestServices.GetRequiredService<ApiOptions>().MaxAnonymousBodyBytes;
        if (auth.Caller is null)
        {
            if (http.Request.ContentLength > anonymousLimit)
            {
                await RefuseAnonymousBody(http, anonymousLimit);
                return;
            }
            // A body without a length (chunked) is cut off by the server once it passes the limit.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
                bodySize.MaxRequestBodySize = anonymousLimit;
        }

        var serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        GraphQLRequest? request;
        try
        {
            request = await serializer.ReadAsync<GraphQLRequest>(http.Request.Body, http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && auth.Caller is null)
        {
            await RefuseAnonymousBody(http, anonymousLimit);
            return;
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException or InvalidOperationException)
        {
            await WriteError(http, StatusCodes.Status400BadRequest, "The request body is not a GraphQL request in JSON: " + e.Message);
            return;
        }
        await Execute(http, request, allowMutations: true, auth);
    }

    /// <summary>401 for a body too large to be a login, without reading the rest of it: the connection closes after the answer.</summary>
    private static async Task RefuseAnonymousBody(HttpContext http, long limit)
    {
        http.Response.Headers.Connection = "close";
        http.Response.Headers.WWWAuthenticate = "Bearer";
        await WriteError(http, StatusCodes.Status401Unauthorized,
            $"Without a token a request body may hold at most {limit / 1024} KiB (enough for a login): send 'Authorization: Bearer <token>'.",
            "UNAUTHENTICATED");
    }

    private static async Task RefuseToken(HttpContext http, string error, bool closeConnection = false)
    {
        // Closing spares the server the rest of a body it will not read.
        if (closeConnection && http.Request.ContentLength is not 0)
            http.Response.Headers.Connection = "close";
        http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        await WriteError(http, StatusCodes.Status401Unauthorized, "The token was refused: " + error + ".", "INVALID_TOKEN");
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

    private static async Task Execute(HttpContext http, GraphQLRequest? request, bool allowMutations, AuthResult? checkedAuth = null)
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

        var auth = checkedAuth
            ?? await http.RequestServices.GetRequiredService<Authenticator>().AuthenticateAsync(Authenticator.BearerToken(http.Request), http.RequestAborted);
        if (auth.Error is not null)
        {
            await RefuseToken(http, auth.Error);
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
