using Homer.Storage.Auth;
using Microsoft.AspNetCore.Http;

namespace Homer.Api.Auth;

/// <summary>A token's verdict: a caller, nobody (no token at all), or a reason the token was refused.</summary>
public sealed record AuthResult(Caller? Caller, string? Error)
{
    public static readonly AuthResult Anonymous = new(null, null);
}

/// <summary>Turns a bearer token (session or API token) into a <see cref="Caller"/>, checking it against the database each time so
/// that disabling a user, revoking a token or logging out takes effect at once on every node.</summary>
public sealed class Authenticator(AuthOptions options, TokenService tokens, UserStore users, TimeProvider clock)
{
    public bool Enabled => options.Enabled;

    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    public async Task<AuthResult> AuthenticateAsync(string? token, CancellationToken ct)
    {
        if (!options.Enabled)
            return new AuthResult(Caller.AuthOff, null);
        if (string.IsNullOrWhiteSpace(token))
            return AuthResult.Anonymous;

        if (token.StartsWith(TokenService.ApiTokenPrefix, StringComparison.Ordinal))
        {
            var found = await users.FindApiTokenAsync(TokenService.HashApiToken(token), ct);
            if (found is not var (apiToken, owner))
                return new AuthResult(null, "unknown API token");
            // Disabling revokes the owner's tokens too: while disabled, say the reason that applies to the account.
            if (owner.Disabled)
                return new AuthResult(null, "the account is disabled");
            if (apiToken.RevokedAt is not null)
                return new AuthResult(null, "the API token was revoked");
            if (apiToken.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
                return new AuthResult(null, "the API token has expired");
            // A token never outranks its owner, even after the owner was demoted.
            var role = (HomerRole)Math.Min((int)apiToken.Role, (int)owner.Role);
            return new AuthResult(new Caller(owner.Id, owner.Username, role, Caller.ApiTokenKind, null, apiToken.ExpiresAt), null);
        }

        // Agent tokens (Agents.AgentEndpoints) are checked by the agent endpoints alone; say so instead of "malformed".
        if (token.StartsWith(Agents.AgentEndpoints.TokenPrefix, StringComparison.Ordinal))
            return new AuthResult(null, "an agent token only announces its agent (POST /api/agent/announce, GET /api/agent/plan)");

        var claims = tokens.ReadSession(token, out var error);
        if (claims is null)
            return new AuthResult(null, error);
        var (user, revoked) = await users.SessionStateAsync(claims.UserId, claims.SessionId, ct);
        if (user is null)
            return new AuthResult(null, "the token's user no longer exists");
        if (revoked)
            return new AuthResult(null, "the session was logged out");
        if (user.Disabled)
            return new AuthResult(null, "the account is disabled");
        if (user.SessionEpoch != claims.Epoch)
            return new AuthResult(null, "the password was reset or the account disabled since this token was issued; log in again");
        return new AuthResult(new Caller(user.Id, user.Username, user.Role, Caller.SessionKind, claims.SessionId,
            DateTimeOffset.FromUnixTimeSeconds(claims.ExpiresUnix)), null);
    }
}
