using System.Net;
using System.Text.Json;
using Homer.Api.Auth;
using Homer.Api.Rest;
using Homer.Storage.Agents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.Agents;

/// <summary>
/// Where capture agents (<c>homer-agent --node URL --agent-token hag_…</c>) talk to the cluster, with an agent token:
/// <c>POST /api/agent/announce</c> (who it is, its inputs and counters, the version it runs; answers the version it
/// should run) and <c>GET /api/agent/plan</c> (that version's filter and rules). An agent token is good for these two
/// routes and its own agent name only; the rest of the API refuses it. Plain HTTP endpoints rather than GraphQL: an
/// agent has no GraphQL client, and the token must not reach the schema at all.
/// </summary>
public static class AgentEndpoints
{
    public const string TokenPrefix = "hag_";
    /// <summary>An announcement of an agent with dozens of inputs stays far below this.</summary>
    private const int MaxAnnounceBytes = 256 * 1024;

    public static void MapAgentEndpoints(this WebApplication app)
    {
        app.MapPost("/api/agent/announce", (Delegate)AnnounceAsync);
        app.MapGet("/api/agent/plan", (Delegate)PlanAsync);
    }

    /// <summary>Agent names: what the dashboard and homerctl show and address; no spaces or control characters.</summary>
    public static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "an agent name is required"
        : name.Length > 128 ? "an agent name has at most 128 characters"
        : name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ? "an agent name has no spaces or control characters"
        : null;

    private static async Task AnnounceAsync(HttpContext http)
    {
        var (ok, agent) = await AuthenticateAsync(http);
        if (!ok)
            return;
        if (http.Request.ContentLength > MaxAnnounceBytes)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, $"An announcement has at most {MaxAnnounceBytes} bytes.");
            return;
        }
        JsonDocument doc;
        try
        {
            // Read whole, at most the limit (a chunked body has no Content-Length to refuse early).
            var body = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                if (body.Length + n > MaxAnnounceBytes)
                {
                    await ApiError.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, $"An announcement has at most {MaxAnnounceBytes} bytes.");
                    return;
                }
                body.Write(buffer, 0, n);
            }
            doc = JsonDocument.Parse(body.ToArray());
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, "The body must be a JSON announcement: " + e.Message);
            return;
        }
        using (doc)
        {
            var root = doc.RootElement;
            string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long Number(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;
            var name = Text("name");
            if (NameProblem(name) is { } problem)
            {
                await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, problem + ".");
                return;
            }
            // An agent token speaks for its own agent only: a leaked token cannot overwrite another agent's row.
            if (agent is not null && agent != name)
            {
                await ApiError.WriteAsync(http, StatusCodes.Status403Forbidden, $"This agent token belongs to agent '{agent}', not '{name}'.");
                return;
            }
            var inputs = root.TryGetProperty("inputs", out var i) && i.ValueKind == JsonValueKind.Array ? i.GetRawText() : "[]";
            var counters = root.TryGetProperty("counters", out var c) && c.ValueKind == JsonValueKind.Object ? c.GetRawText() : "{}";
            var problems = root.TryGetProperty("problems", out var p) && p.ValueKind == JsonValueKind.Array
                ? p.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).Take(50).ToArray()
                : [];
            var interval = (int)Math.Clamp(Number("intervalSeconds"), 1, 3600);
            // JSON text may hold \u0000, which PostgreSQL's jsonb and text refuse: such an announcement is the agent's bug, say so.
            if (inputs.Contains("\\u0000", StringComparison.Ordinal) || counters.Contains("\\u0000", StringComparison.Ordinal))
            {
                await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, "The announcement holds a NUL character.");
                return;
            }
            var announcement = new AgentAnnouncement(name!, Clip(Text("version")), Clip(Text("host")), http.Connection.RemoteIpAddress is { } a ? Unmap(a) : null,
                inputs, counters, problems.Select(x => Clip(x)!).ToArray(), interval, Number("appliedVersion"), Clip(Text("applyError"), 2000));
            var store = http.RequestServices.GetRequiredService<AgentStore>();
            var desired = await store.AnnounceAsync(announcement, http.RequestAborted);
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(JsonSerializer.Serialize(new { name, desiredVersion = desired }), http.RequestAborted);
        }
    }

    private static async Task PlanAsync(HttpContext http)
    {
        var (ok, agent) = await AuthenticateAsync(http);
        if (!ok)
            return;
        var name = agent ?? http.Request.Query["name"].ToString();
        var row = string.IsNullOrEmpty(name) ? null : await http.RequestServices.GetRequiredService<AgentStore>().GetAsync(name, http.RequestAborted);
        if (row is null)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status404NotFound, $"No agent named '{name}' has announced itself yet.");
            return;
        }
        var d = row.Desired;
        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.Body);
        w.WriteStartObject();
        w.WriteString("name", row.Name);
        w.WriteNumber("version", d.Version);
        if (d.Filter is null) w.WriteNull("filter"); else w.WriteString("filter", d.Filter);
        w.WritePropertyName("rules");
        if (d.Rules is null) w.WriteNullValue(); else w.WriteRawValue(d.Rules);
        if (d.Input is null) w.WriteNull("input"); else w.WriteString("input", d.Input);
        w.WriteEndObject();
        await w.FlushAsync(http.RequestAborted);
    }

    /// <summary>(true, agent name) for a live agent token; (true, null) when authentication is off; else answers 401 and (false, null).</summary>
    private static async Task<(bool Ok, string? Agent)> AuthenticateAsync(HttpContext http)
    {
        if (!http.RequestServices.GetRequiredService<AuthOptions>().Enabled)
            return (true, null);
        var token = Authenticator.BearerToken(http.Request);
        string? agent = null;
        if (token is not null && token.StartsWith(TokenPrefix, StringComparison.Ordinal))
            agent = await http.RequestServices.GetRequiredService<AgentStore>().FindTokenAsync(TokenService.HashApiToken(token), http.RequestAborted);
        if (agent is null)
        {
            http.Response.Headers.WWWAuthenticate = token is null ? "Bearer" : "Bearer error=\"invalid_token\"";
            await ApiError.WriteAsync(http, StatusCodes.Status401Unauthorized, token is null
                ? "Agents announce with an agent token (createAgentToken): send it as 'Authorization: Bearer hag_…'."
                : "The agent token is unknown or was revoked.");
            return (false, null);
        }
        return (true, agent);
    }

    private static IPAddress Unmap(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private static string? Clip(string? text, int max = 256)
    {
        if (text is null)
            return null;
        text = text.Replace("\0", "", StringComparison.Ordinal);
        return text.Length <= max ? text : text[..max];
    }
}
