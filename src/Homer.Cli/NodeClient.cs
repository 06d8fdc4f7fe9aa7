using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Homer.Cli;

/// <summary>
/// A node's GraphQL API over HTTP, with every way it can fail turned into a <see cref="CliException"/> carrying the
/// right exit code and a sentence that says what to do.
/// </summary>
public sealed class NodeClient(Uri node, string? token, TimeSpan timeout) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = node, Timeout = timeout };

    public Uri Node => node;

    /// <summary>Runs one operation and returns its <c>data</c> object; any GraphQL error throws.</summary>
    public async Task<JsonObject> QueryAsync(string query, object? variables = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "graphql")
        {
            Content = JsonContent.Create(new { query, variables }),
        };
        if (token is { Length: > 0 })
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"Cannot reach {node}: {Reason(e)}. Check --node (or HOMER_NODE) and that the node runs with the api role.");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"{node} did not answer within {timeout.TotalSeconds:0} s (raise --timeout for slow operations).");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            JsonObject? json = null;
            try
            {
                json = JsonNode.Parse(body) as JsonObject;
            }
            catch (JsonException)
            {
            }
            if (json is null)
            {
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    throw Refused(null);
                throw new CliException(response.StatusCode == HttpStatusCode.NotFound ? ExitCodes.Unreachable : ExitCodes.Failure,
                    $"{node} answered HTTP {(int)response.StatusCode} without a GraphQL result; is this a Homer node's API address?");
            }
            if (json["errors"] is JsonArray { Count: > 0 } errors)
                throw FromErrors(errors, response.StatusCode);
            return json["data"] as JsonObject
                ?? throw new CliException(ExitCodes.Failure, $"{node} answered without data or errors.");
        }
    }

    private CliException FromErrors(JsonArray errors, HttpStatusCode status)
    {
        var first = errors[0]!;
        var code = first["extensions"]?["code"]?.GetValue<string>() ?? "";
        var all = string.Join("; ", errors.Select(e => e?["message"]?.GetValue<string>()).Where(m => m is not null).Distinct());
        // A field or type the node does not serve: an older node, or a feature not built into it.
        var missing = errors.Select(e => e?["message"]?.GetValue<string>() ?? "")
            .FirstOrDefault(m => m.StartsWith("Cannot query field", StringComparison.Ordinal));
        if (missing is not null)
            return new CliException(ExitCodes.Rejected, $"{node} does not serve this command ({missing}); it may run an older version.");
        return code switch
        {
            "UNAUTHENTICATED" or "FORBIDDEN" or "LOGIN_FAILED" or "ACCOUNT_DISABLED" or "TOO_MANY_ATTEMPTS" => Refused(all),
            "NOT_FOUND" => new CliException(ExitCodes.NotFound, all),
            "UNAVAILABLE" => new CliException(ExitCodes.Unreachable, all),
            _ when status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => Refused(all),
            _ when code.Length == 0 || code.StartsWith("INTERNAL", StringComparison.Ordinal) || code == "UNHANDLED" || status >= HttpStatusCode.InternalServerError =>
                new CliException(ExitCodes.Failure, $"{node} failed: {all}"),
            _ => new CliException(ExitCodes.Rejected, all),
        };
    }

    private CliException Refused(string? detail) => new(ExitCodes.Unauthorized,
        (detail ?? $"{node} refused the request") + (token is { Length: > 0 }
            ? " (token refused or role too low: run 'homerctl login' again, or pass an admin --token)"
            : " (no token: run 'homerctl login', or pass --token or HOMER_TOKEN)"));

    private static string Reason(HttpRequestException e) => e.InnerException switch
    {
        SocketException s => s.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "unknown host",
            SocketError.TimedOut => "connection timed out",
            var other => other.ToString(),
        },
        { } inner => inner.Message,
        null => e.Message,
    };

    public void Dispose() => _http.Dispose();
}
