using System.Globalization;
using System.Security.Claims;
using Homer.Storage.Auth;

namespace Homer.Api.Auth;

/// <summary>Who is calling, as the rest of the API reads it from the request's <see cref="ClaimsPrincipal"/>.</summary>
public sealed record Caller(long UserId, string Username, HomerRole Role, string Kind, Guid? SessionId, DateTimeOffset? ExpiresAt)
{
    public const string SessionKind = "session";
    public const string ApiTokenKind = "api-token";
    public const string AuthOffKind = "auth-off";

    private const string AuthenticationType = "homer";
    private const string KindClaim = "homer:kind";
    private const string SessionClaim = "homer:session";
    private const string ExpiresClaim = "homer:expires";

    /// <summary>With auth off everyone is this admin; it owns nothing in the users table.</summary>
    public static readonly Caller AuthOff = new(0, "anonymous", HomerRole.Admin, AuthOffKind, null, null);

    public ClaimsPrincipal ToPrincipal()
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, UserId.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, Username),
            new(ClaimTypes.Role, Role.ToName()),
            new(KindClaim, Kind),
        };
        if (SessionId is { } s)
            claims.Add(new(SessionClaim, s.ToString()));
        if (ExpiresAt is { } e)
            claims.Add(new(ExpiresClaim, e.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, AuthenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    public static Caller? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true, AuthenticationType: AuthenticationType })
            return null;
        string? Get(string type) => principal.FindFirst(type)?.Value;
        return new Caller(
            long.Parse(Get(ClaimTypes.NameIdentifier)!, CultureInfo.InvariantCulture),
            Get(ClaimTypes.Name)!,
            HomerRoles.Parse(Get(ClaimTypes.Role)!),
            Get(KindClaim)!,
            Get(SessionClaim) is { } s ? Guid.Parse(s) : null,
            Get(ExpiresClaim) is { } e ? DateTimeOffset.FromUnixTimeSeconds(long.Parse(e, CultureInfo.InvariantCulture)) : null);
    }
}
