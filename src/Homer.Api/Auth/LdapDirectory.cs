using System.DirectoryServices.Protocols;
using System.Net;
using System.Text;
using Homer.Storage.Auth;
using Microsoft.Extensions.Logging;

namespace Homer.Api.Auth;

public enum LdapOutcome
{
    /// <summary>Password right and a mapped group: <see cref="LdapVerdict.Role"/> is set.</summary>
    Accepted,
    /// <summary>No such user, or the wrong password (the directory does not tell which, nor do we).</summary>
    BadCredentials,
    /// <summary>Password right, but the user is in no group mapped to a role.</summary>
    NoMappedGroup,
    /// <summary>The directory could not be reached or refused our service account: <see cref="LdapVerdict.Detail"/> says why.</summary>
    Unavailable,
}

public sealed record LdapVerdict(LdapOutcome Outcome, HomerRole? Role = null, string? UserDn = null, string? Detail = null);

/// <summary>
/// Checks a password against an LDAP directory (System.DirectoryServices.Protocols, over the system's libldap on Linux)
/// and maps the user's groups to a role. A fresh connection per login: logins are rare, and a connection kept open
/// would need its own reconnect and health logic.
/// </summary>
public sealed class LdapDirectory(LdapOptions options, ILogger<LdapDirectory> log)
{
    // LDAP result codes (RFC 4511) that mean "no": 49 invalidCredentials; 32 noSuchObject (a DN template naming nobody).
    private const int InvalidCredentials = 49;
    private const int NoSuchObject = 32;

    public bool Enabled => options.Enabled;

    /// <summary>The blocking LDAP calls run on the thread pool; a login is one short exchange.</summary>
    public Task<LdapVerdict> AuthenticateAsync(string username, string password, CancellationToken ct) =>
        Task.Run(() => Authenticate(username, password), ct);

    private LdapVerdict Authenticate(string username, string password)
    {
        // An empty password is an unauthenticated bind (RFC 4513 5.1.2), which many servers accept: never a login.
        if (username.Length == 0 || password.Length == 0)
            return new LdapVerdict(LdapOutcome.BadCredentials);
        try
        {
            string userDn;
            using var service = options.BindDn is { Length: > 0 } || options.UserDnTemplate is null ? Connect() : null;
            if (service is not null)
            {
                if (options.BindDn is { Length: > 0 } bindDn)
                    service.Bind(new NetworkCredential(bindDn, options.BindPassword ?? ""));
                else
                    service.Bind(new NetworkCredential("", ""));
            }
            if (options.UserDnTemplate is { } template)
                userDn = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, EscapeDn(username));
            else
            {
                var filter = string.Format(System.Globalization.CultureInfo.InvariantCulture, options.UserFilter, EscapeFilter(username));
                var found = (SearchResponse)service!.SendRequest(new SearchRequest(options.UserBase, filter, SearchScope.Subtree, "1.1"));
                if (found.Entries.Count != 1)
                {
                    if (found.Entries.Count > 1)
                        log.LogWarning("LDAP: {Count} entries match {Filter} under {Base}; refusing an ambiguous login", found.Entries.Count, filter, options.UserBase);
                    return new LdapVerdict(LdapOutcome.BadCredentials);
                }
                userDn = found.Entries[0].DistinguishedName;
            }

            using var user = Connect();
            try
            {
                user.Bind(new NetworkCredential(userDn, password));
            }
            catch (LdapException e) when (e.ErrorCode is InvalidCredentials or NoSuchObject)
            {
                return new LdapVerdict(LdapOutcome.BadCredentials);
            }

            // Groups are read with the service account when there is one (users often may not read groups themselves).
            var role = RoleOf(service is not null && options.BindDn is { Length: > 0 } ? service : user, userDn, username);
            return role is null
                ? new LdapVerdict(LdapOutcome.NoMappedGroup, UserDn: userDn)
                : new LdapVerdict(LdapOutcome.Accepted, role, userDn);
        }
        catch (LdapException e)
        {
            // 81 server down, 91 connect error, 85 timeout, or the service account refused: the directory cannot answer.
            var detail = $"{e.Message} (LDAP result {e.ErrorCode}{(e.ServerErrorMessage is { Length: > 0 } m ? ": " + m : "")})";
            log.LogWarning("LDAP login of {User} against {Url}: {Detail}", username, options.Url, detail);
            return new LdapVerdict(LdapOutcome.Unavailable, Detail: detail);
        }
        catch (DirectoryOperationException e)
        {
            log.LogWarning("LDAP login of {User} against {Url}: {Error}", username, options.Url, e.Message);
            return new LdapVerdict(LdapOutcome.Unavailable, Detail: e.Message);
        }
    }

    private HomerRole? RoleOf(LdapConnection connection, string userDn, string username)
    {
        if (options.GroupBase is not { Length: > 0 } groupBase)
            return null;
        var filter = options.GroupFilter.Replace("{dn}", EscapeFilter(userDn), StringComparison.Ordinal)
            .Replace("{user}", EscapeFilter(username), StringComparison.Ordinal);
        var groups = (SearchResponse)connection.SendRequest(new SearchRequest(groupBase, filter, SearchScope.Subtree, "cn"));
        HomerRole? best = null;
        foreach (SearchResultEntry group in groups.Entries)
        {
            var cn = group.Attributes["cn"] is { Count: > 0 } attribute ? attribute[0] as string : null;
            foreach (var (names, role) in new[] { (options.AdminGroups, HomerRole.Admin), (options.UserGroups, HomerRole.User), (options.ViewerGroups, HomerRole.Viewer) })
            {
                if (names.Any(n => SameDn(n, group.DistinguishedName) || cn is not null && string.Equals(n, cn, StringComparison.OrdinalIgnoreCase))
                    && (best is null || role > best))
                    best = role;
            }
        }
        return best;
    }

    private LdapConnection Connect()
    {
        var url = new Uri(options.Url!);
        var ldaps = url.Scheme.Equals("ldaps", StringComparison.OrdinalIgnoreCase);
        var port = url.IsDefaultPort || url.Port <= 0 ? ldaps ? 636 : 389 : url.Port;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(url.Host, port), null, AuthType.Basic)
        {
            Timeout = options.Timeout,
            AutoBind = false,
        };
        var session = connection.SessionOptions;
        session.ProtocolVersion = 3;
        session.ReferralChasing = ReferralChasingOptions.None;
        // The node runs on Linux (libldap); Windows' LDAP client takes its trust from the machine store instead.
        if (options.CaDirectory is { Length: > 0 } caDirectory && !OperatingSystem.IsWindows())
        {
            session.TrustedCertificatesDirectory = caDirectory;
            // libldap reads TLS settings into a context once; a new one makes it take the directory above.
            session.StartNewTlsSessionContext();
        }
        if (ldaps)
            session.SecureSocketLayer = true;
        else if (options.StartTls)
        {
            // On Linux, StartTLS on a handle that has not connected yet fails with "server unavailable" (libldap has no
            // connection to upgrade): connect first with an anonymous read of the root DSE (RFC 4512 5.1), then upgrade.
            // Nothing secret crosses before the upgrade, and a certificate the CA does not vouch for fails it (91).
            try
            {
                connection.SendRequest(new SearchRequest("", "(objectClass=*)", SearchScope.Base, "1.1"));
            }
            catch (DirectoryOperationException)
            {
                // A server that hides its root DSE from anonymous readers still opened the connection.
            }
            StartTls(session);
        }
        return connection;
    }

    /// <summary>
    /// slapd refuses StartTLS with operationsError while it still counts an operation as executing on the connection
    /// (RFC 4511 4.14.1), and it may still count the root DSE read whose result the client already has: the refusal
    /// leaves the connection as it was, so it is asked again a few times before the directory counts as unavailable.
    /// </summary>
    private static void StartTls(LdapSessionOptions session)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                session.StartTransportLayerSecurity(null);
                return;
            }
            catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.OperationsError && attempt < StartTlsAttempts)
            {
                Thread.Sleep(attempt * 10);
            }
        }
    }

    private const int StartTlsAttempts = 5;

    private static bool SameDn(string a, string b) =>
        string.Equals(a.Replace(" ", "", StringComparison.Ordinal), b.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 4514 escaping of a value put into a DN.</summary>
    public static string EscapeDn(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (ch is ',' or '+' or '"' or '\\' or '<' or '>' or ';' or '=' || (ch is '#' && i == 0) || (ch is ' ' && (i == 0 || i == value.Length - 1)))
                sb.Append('\\').Append(ch);
            else if (ch == '\0')
                sb.Append("\\00");
            else
                sb.Append(ch);
        }
        return sb.ToString();
    }

    /// <summary>RFC 4515 escaping of a value put into a search filter.</summary>
    public static string EscapeFilter(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        foreach (var ch in value)
        {
            _ = ch switch
            {
                '*' => sb.Append("\\2a"),
                '(' => sb.Append("\\28"),
                ')' => sb.Append("\\29"),
                '\\' => sb.Append("\\5c"),
                '\0' => sb.Append("\\00"),
                _ => sb.Append(ch),
            };
        }
        return sb.ToString();
    }
}
