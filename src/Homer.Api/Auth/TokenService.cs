using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Homer.Storage.Auth;

namespace Homer.Api.Auth;

/// <summary>
/// Signs and checks the tokens the API hands out: session tokens (login), share links (one call, read-only) and
/// API tokens (random, stored hashed). Signed tokens are <c>prefix.payload.signature</c> with an HMAC-SHA256 over the
/// purpose and payload, so a share link can never pass for a session and the other way round.
/// </summary>
public sealed class TokenService(TimeProvider clock)
{
    public const string SessionPrefix = "hs";
    public const string SharePrefix = "sh";
    public const string ApiTokenPrefix = "hat_";

    private byte[]? _key;

    public bool HasKey => _key is not null;

    public void UseKey(byte[] key)
    {
        if (key.Length < 32)
            throw new ArgumentException("The token key must be at least 256 bits", nameof(key));
        _key = key;
    }

    public static byte[] DeriveKey(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public sealed record SessionClaims(
        [property: JsonPropertyName("uid")] long UserId,
        [property: JsonPropertyName("ep")] int Epoch,
        [property: JsonPropertyName("jti")] Guid SessionId,
        [property: JsonPropertyName("exp")] long ExpiresUnix);

    /// <param name="CallId">The first session; the only one in links made before links carried several.</param>
    /// <param name="CallIds">Every session the link shows, in the order they were opened.</param>
    public sealed record ShareClaims(
        [property: JsonPropertyName("cid")] string CallId,
        [property: JsonPropertyName("exp")] long ExpiresUnix,
        [property: JsonPropertyName("cids")] IReadOnlyList<string>? CallIds = null,
        [property: JsonPropertyName("lid")] long? LinkId = null)
    {
        [JsonIgnore]
        public IReadOnlyList<string> AllCallIds => CallIds is { Count: > 0 } ids ? ids : [CallId];
    }

    public (string Token, DateTimeOffset ExpiresAt, Guid SessionId) IssueSession(UserRow user, TimeSpan lifetime)
    {
        var expires = Truncate(clock.GetUtcNow() + lifetime);
        var sessionId = Guid.NewGuid();
        return (Sign(SessionPrefix, new SessionClaims(user.Id, user.SessionEpoch, sessionId, expires.ToUnixTimeSeconds())), expires, sessionId);
    }

    /// <param name="linkId">The link's row in share_links, checked at each use so the link can be revoked.</param>
    public string IssueShare(IReadOnlyList<string> callIds, DateTimeOffset expiresAt, long linkId) =>
        Sign(SharePrefix, new ShareClaims(callIds[0], expiresAt.ToUnixTimeSeconds(), callIds.Count > 1 ? callIds : null, linkId));

    /// <summary>Null with a reason when the token is forged, malformed or expired.</summary>
    public SessionClaims? ReadSession(string token, out string? error)
    {
        var claims = Verify<SessionClaims>(SessionPrefix, token, out error);
        if (claims is not null && claims.ExpiresUnix <= clock.GetUtcNow().ToUnixTimeSeconds())
        {
            error = "the token has expired; log in again";
            return null;
        }
        return claims;
    }

    public ShareClaims? ReadShare(string token, out string? error)
    {
        var claims = Verify<ShareClaims>(SharePrefix, token, out error);
        if (claims is not null && claims.ExpiresUnix <= clock.GetUtcNow().ToUnixTimeSeconds())
        {
            error = "the share link has expired";
            return null;
        }
        return claims;
    }

    public static (string Token, byte[] Hash) NewApiToken()
    {
        var token = ApiTokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, HashApiToken(token));
    }

    public static byte[] HashApiToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private string Sign<T>(string prefix, T claims)
    {
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        return $"{prefix}.{payload}.{Base64Url.EncodeToString(Mac(prefix, payload))}";
    }

    private T? Verify<T>(string prefix, string token, out string? error) where T : class
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != prefix)
        {
            error = "the token is malformed";
            return null;
        }
        byte[] signature;
        byte[] payload;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
            payload = Base64Url.DecodeFromChars(parts[1]);
        }
        catch (FormatException)
        {
            error = "the token is malformed";
            return null;
        }
        if (!CryptographicOperations.FixedTimeEquals(signature, Mac(prefix, parts[1])))
        {
            error = "the token's signature is not valid";
            return null;
        }
        try
        {
            error = null;
            return JsonSerializer.Deserialize<T>(payload) ?? throw new JsonException();
        }
        catch (JsonException)
        {
            error = "the token is malformed";
            return null;
        }
    }

    private byte[] Mac(string purpose, string payload) =>
        HMACSHA256.HashData(_key ?? throw new InvalidOperationException("The token key is not loaded yet"), Encoding.UTF8.GetBytes(purpose + "." + payload));

    private static DateTimeOffset Truncate(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds());
}
