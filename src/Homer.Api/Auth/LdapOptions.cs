namespace Homer.Api.Auth;

/// <summary>Which password check runs first at login; the first that accepts the password wins.</summary>
public enum LoginOrder
{
    /// <summary>Local accounts first: a local login never waits for the directory (the default).</summary>
    LocalFirst,
    /// <summary>The directory first; local accounts are the fallback (break-glass admin while the directory is down).</summary>
    LdapFirst,
}

/// <summary>
/// LDAP login (HOMER_LDAP_*; docs/configuration.md). Off while <see cref="Url"/> is empty. Either
/// <see cref="UserDnTemplate"/> (bind as the user directly) or <see cref="UserBase"/> + <see cref="UserFilter"/> (find the
/// user's entry, with <see cref="BindDn"/> when set, then bind as it).
/// </summary>
public sealed record LdapOptions
{
    /// <summary><c>ldap://host:389</c> or <c>ldaps://host:636</c>; empty: LDAP login is off.</summary>
    public string? Url { get; init; }

    /// <summary>Upgrade an <c>ldap://</c> connection with StartTLS before any bind (the password never travels in clear).</summary>
    public bool StartTls { get; init; }

    /// <summary>A directory of PEM CA certificates to trust for LDAPS/StartTLS instead of the system's store.</summary>
    public string? CaDirectory { get; init; }

    /// <summary>Bind DN with <c>{0}</c> for the (DN-escaped) login name, e.g. <c>uid={0},ou=people,dc=example,dc=org</c>.</summary>
    public string? UserDnTemplate { get; init; }

    /// <summary>Service account for search-then-bind and for reading groups; empty: search anonymously / as the user.</summary>
    public string? BindDn { get; init; }

    public string? BindPassword { get; init; }

    /// <summary>Where users are searched (subtree) when there is no <see cref="UserDnTemplate"/>.</summary>
    public string? UserBase { get; init; }

    /// <summary>Filter with <c>{0}</c> for the (filter-escaped) login name.</summary>
    public string UserFilter { get; init; } = "(uid={0})";

    /// <summary>Where groups are searched (subtree).</summary>
    public string? GroupBase { get; init; }

    /// <summary>Groups of the user: <c>{dn}</c> is the user's DN, <c>{user}</c> the login name (both escaped).</summary>
    public string GroupFilter { get; init; } = "(|(member={dn})(uniqueMember={dn})(memberUid={user}))";

    /// <summary>Groups (full DN or cn, case-insensitive) whose members get each role; the highest role matched wins.</summary>
    public IReadOnlyList<string> AdminGroups { get; init; } = [];
    public IReadOnlyList<string> UserGroups { get; init; } = [];
    public IReadOnlyList<string> ViewerGroups { get; init; } = [];

    public LoginOrder Order { get; init; } = LoginOrder.LocalFirst;

    /// <summary>Connect and operation timeout: how long a login waits for a directory that does not answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}
