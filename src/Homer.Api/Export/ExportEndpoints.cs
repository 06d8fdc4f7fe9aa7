using System.Globalization;
using System.Text;
using Homer.Api.Auth;
using Homer.Api.Rest;
using Homer.Storage;
using Homer.Storage.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.Export;

/// <summary>
/// <c>GET /api/export/pcap</c> and <c>/api/export/text</c> (callId repeatable, from, to, includeLegs; role user), and
/// <c>GET /api/share/{token}</c>: the flow of the calls in the link, read-only, for whoever holds an unexpired share link.
/// </summary>
public static class ExportEndpoints
{
    public const string PcapContentType = "application/vnd.tcpdump.pcap";

    public static void MapExport(this WebApplication app)
    {
        app.MapGet("/api/export/pcap", (Delegate)ExportPcap);
        app.MapGet("/api/export/text", (Delegate)ExportText);
        app.MapGet("/api/share/{token}", (Delegate)Shared);
    }

    private static async Task ExportPcap(HttpContext http)
    {
        var messages = await Select(http);
        if (messages is null)
            return;
        http.Response.ContentType = PcapContentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{FileName(http)}.pcap\"";
        var writer = new PcapWriter(http.Response.Body);
        await writer.WriteHeaderAsync(http.RequestAborted);
        foreach (var message in messages)
            await writer.WriteAsync(message, http.RequestAborted);
    }

    private static async Task ExportText(HttpContext http)
    {
        var messages = await Select(http);
        if (messages is null)
            return;
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{FileName(http)}.txt\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false));
        foreach (var message in messages)
            await TextExport.WriteAsync(writer, message);
    }

    private static async Task Shared(HttpContext http, string token)
    {
        var claims = http.RequestServices.GetRequiredService<TokenService>().ReadShare(token, out var error);
        if (claims is null)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status403Forbidden, "The share link is not valid: " + error + ".");
            return;
        }
        // The token names its row: a revoked link (or one whose row is gone) stops at once on every node.
        var link = claims.LinkId is { } linkId ? await http.RequestServices.GetRequiredService<ShareLinkStore>().GetAsync(linkId, http.RequestAborted) : null;
        if (link is null || link.RevokedAt is not null)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status403Forbidden, link is not null
                ? "The share link was revoked."
                : claims.LinkId is null
                    ? "The share link was made before links could be revoked and is no longer accepted: ask for a new one."
                    : "The share link no longer exists.");
            return;
        }
        var options = http.RequestServices.GetRequiredService<ApiOptions>();
        var messages = await http.RequestServices.GetRequiredService<CallMessages>()
            .ReadAsync(new CallSelection(claims.AllCallIds, null, null, IncludeLegs: true), options.MaxExportMessages, http.RequestAborted);
        if (messages is null)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, $"The call has more than {options.MaxExportMessages} messages.");
            return;
        }
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsJsonAsync(new SharedCallsAnswer(
            claims.CallId, claims.AllCallIds, DateTimeOffset.FromUnixTimeSeconds(claims.ExpiresUnix),
            messages.Select(m => new SharedMessage(
                m.Timestamp.UtcDateTime.ToString(GraphQL.DateTimeScalar.Format, CultureInfo.InvariantCulture), m.CallId,
                m.SourceIp.ToString(), m.SourcePort, m.DestinationIp.ToString(), m.DestinationPort, m.IpProtocol == 6 ? "TCP" : "UDP",
                m.ProtocolType, m.Method, m.StatusCode, m.ReasonPhrase, Encoding.UTF8.GetString(m.Payload)))), http.RequestAborted);
    }

    /// <summary>The messages the query string selects, or null after writing the error response.</summary>
    private static async Task<IReadOnlyList<ExportedMessage>?> Select(HttpContext http)
    {
        if (await RequireAsync(http, HomerRole.User) is null)
            return null;
        var query = http.Request.Query;
        var callIds = query["callId"].Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c!).Distinct().ToList();
        foreach (var (name, values) in query)
            foreach (var value in values)
                if (Transport.TextValuesRule.Problem(value) is { } problem)
                {
                    await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, $"The parameter '{name}' {problem}.");
                    return null;
                }
        if (callIds.Count == 0)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, "Give at least one callId (the parameter may repeat).");
            return null;
        }
        DateTimeOffset? Time(string name)
        {
            var value = query[name].ToString();
            if (string.IsNullOrEmpty(value))
                return null;
            return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
                ? t
                : throw new FormatException($"{name}='{value}' is not an ISO-8601 timestamp");
        }
        CallSelection selection;
        try
        {
            var includeLegs = query["includeLegs"].ToString() is { Length: > 0 } legs
                ? bool.TryParse(legs, out var b) ? b : throw new FormatException($"includeLegs='{legs}' is not true or false")
                : false;
            selection = new CallSelection(callIds, Time("from"), Time("to"), includeLegs);
        }
        catch (FormatException e)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, e.Message + ".");
            return null;
        }

        var options = http.RequestServices.GetRequiredService<ApiOptions>();
        var messages = await http.RequestServices.GetRequiredService<CallMessages>().ReadAsync(selection, options.MaxExportMessages, http.RequestAborted);
        if (messages is null)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, $"The selection holds more than {options.MaxExportMessages} messages: narrow the time range or the calls.");
            return null;
        }
        if (messages.Count == 0)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status404NotFound, "No stored messages for " + string.Join(", ", callIds) + " in that range.");
            return null;
        }
        return messages;
    }

    /// <summary>The caller if their token is valid and their role suffices; otherwise null after a 401 or 403.</summary>
    public static async Task<Caller?> RequireAsync(HttpContext http, HomerRole role)
    {
        var auth = await http.RequestServices.GetRequiredService<Authenticator>().AuthenticateAsync(Authenticator.BearerToken(http.Request), http.RequestAborted);
        if (auth.Caller is null)
        {
            http.Response.Headers.WWWAuthenticate = auth.Error is null ? "Bearer" : "Bearer error=\"invalid_token\"";
            await ApiError.WriteAsync(http, StatusCodes.Status401Unauthorized, auth.Error is null
                ? "This needs a token: send it as 'Authorization: Bearer <token>'."
                : "The token was refused: " + auth.Error + ".");
            return null;
        }
        if (auth.Caller.Role < role)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status403Forbidden, $"This needs the {role.ToName()} role; this token has {auth.Caller.Role.ToName()}.");
            return null;
        }
        return auth.Caller;
    }

    private static string FileName(HttpContext http)
    {
        var first = http.Request.Query["callId"].FirstOrDefault() ?? "export";
        var safe = new string(first.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return safe.Length > 64 ? safe[..64] : safe;
    }
}
