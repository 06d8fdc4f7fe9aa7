using GraphQL;
using Homer.Storage.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Homer.Api.Auth;

/// <summary>
/// The <c>login</c> mutation's password check: local accounts (PBKDF2 hashes in PostgreSQL) and, when configured, an LDAP
/// directory, in the order the admin chose; the first source that accepts the password wins. A name belongs to one
/// source (users.source): local checks skip directory users, and the directory never takes over a local account.
/// </summary>
public sealed class LoginService(UserStore users, PasswordHasher<UserRow> hasher, LdapDirectory directory, LdapOptions ldap,
    ILogger<LoginService> log)
{
    public async Task<UserRow> CheckAsync(string username, string password, CancellationToken ct)
    {
        var user = await users.FindByNameAsync(username, ct);
        string? unavailable = null;
        var sources = !directory.Enabled ? [false] : ldap.Order == LoginOrder.LocalFirst ? new[] { false, true } : [true, false];
        foreach (var fromDirectory in sources)
        {
            if (!fromDirectory)
            {
                if (await CheckLocalAsync(user, password, ct) is { } local)
                    return local;
                continue;
            }
            // A local account's name is not looked up in the directory at all.
            if (user is { Source: UserRow.LocalSource })
                continue;
            var verdict = await directory.AuthenticateAsync(username, password, ct);
            DirectoryLogins.WithLabels(OutcomeLabels[(int)verdict.Outcome]).Inc();
            switch (verdict.Outcome)
            {
                case LdapOutcome.Accepted:
                    // Null only if a local account of that name appeared meanwhile: it keeps the name.
                    return await users.UpsertLdapUserAsync(username, verdict.Role!.Value, ct)
                        ?? throw new ExecutionError("Wrong user name or password.") { Code = "LOGIN_FAILED" };
                case LdapOutcome.NoMappedGroup:
                    log.LogInformation("LDAP login of {User} ({Dn}) refused: in no group mapped to a role", username, verdict.UserDn);
                    await users.EndLdapUserAsync(username, ct);
                    throw new ExecutionError("The directory accepted the password, but the account is in no group that has access to Homer.")
                        { Code = "LDAP_NO_ROLE" };
                case LdapOutcome.Unavailable:
                    unavailable = verdict.Detail;
                    break;
            }
        }
        if (unavailable is not null)
            throw new ExecutionError($"The LDAP directory could not be asked ({unavailable}); local accounts can still log in.")
                { Code = "LDAP_UNAVAILABLE" };
        throw new ExecutionError("Wrong user name or password.") { Code = "LOGIN_FAILED" };
    }

    private async Task<UserRow?> CheckLocalAsync(UserRow? user, string password, CancellationToken ct)
    {
        var local = user is { Source: UserRow.LocalSource } ? user : null;
        // Same work whether or not the name exists, so timing does not tell which names do.
        var verdict = hasher.VerifyHashedPassword(local ?? Nobody, local?.PasswordHash ?? NobodyHash, password);
        if (local is null || verdict == PasswordVerificationResult.Failed)
            return null;
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            await users.UpdateHashAsync(local.Id, hasher.HashPassword(local, password), ct);
        return local;
    }

    /// <summary>Alert on "unavailable": directory users cannot log in while it moves.</summary>
    private static readonly Counter DirectoryLogins = Metrics.CreateCounter("homer_ldap_logins_total",
        "Logins checked against the LDAP directory, by outcome (accepted, bad_credentials, no_mapped_group, unavailable).", "outcome");

    private static readonly string[] OutcomeLabels = ["accepted", "bad_credentials", "no_mapped_group", "unavailable"];

    public static readonly UserRow Nobody = new(0, "", "", HomerRole.Viewer, true, 0, default);
    private static readonly string NobodyHash = new PasswordHasher<UserRow>().HashPassword(Nobody, Guid.NewGuid().ToString());
}
