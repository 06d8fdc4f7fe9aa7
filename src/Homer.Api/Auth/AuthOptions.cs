using Homer.Storage.Auth;

namespace Homer.Api.Auth;

public sealed record AuthOptions
{
    /// <summary>Off only for local experiments and the dashboard's browser test: every caller is then an admin.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Password of the first <c>admin</c>; when absent one is generated, printed once and written to <see cref="AdminPasswordFile"/>.</summary>
    public string? AdminPassword { get; init; }

    public string AdminPasswordFile { get; init; } = "initial-admin-password";

    /// <summary>Secret that signs session tokens and share links; when absent a random key is kept in the database for the whole cluster.</summary>
    public string? TokenKey { get; init; }

    /// <summary>LDAP login (HOMER_LDAP_*): off unless a URL is set.</summary>
    public LdapOptions Ldap { get; init; } = new();

    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Login attempts allowed per user name (ten times this per client address) within the sliding <see cref="LoginWindow"/>; a successful one is taken back.</summary>
    public int LoginAttempts { get; init; } = 5;

    public TimeSpan LoginWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Lifetime of a share link made without expiresInMinutes.</summary>
    public TimeSpan DefaultShareLinkLifetime { get; init; } = TimeSpan.FromDays(1);

    public TimeSpan MaxShareLinkLifetime { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Whether the viewer role sees raw payloads (Message.payload, the live tail's payload). Off by default: SIP bodies
    /// and headers carry personal data (numbers, names, addresses) a read-only role should not need to read.
    /// </summary>
    public bool ViewerPayloads { get; init; }

    /// <summary>How often an open WebSocket re-checks its token (expiry, revocation, disabled user).</summary>
    public TimeSpan WebSocketRecheck { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Raw payloads, HEP log text and searching inside them (payloadContains): the user role, or viewers with <see cref="ViewerPayloads"/>.</summary>
    public bool MaySeePayloads(Caller caller) => caller.Role >= HomerRole.User || ViewerPayloads;

    /// <summary>What a viewer gets instead of a HEP log's text (a non-null field keeps its place in the time line).</summary>
    public const string HiddenLogText = "(log text needs the user role)";
}
