using GraphQL;
using GraphQL.Types;
using Homer.Api.Auth;
using Homer.Storage.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

/// <summary>Query fields about the caller and the users; merged into <c>Query</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class AccountQueryFields : ObjectGraphType
{
    public AccountQueryFields()
    {
        Name = "AccountQueryFields";

        Field<NonNullGraphType<MeType>>("me").Description("Who the token belongs to.").Resolve(c => c.Caller());

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserType>>>>("users")
            .Description("Every user (admin).")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<UserStore>().ListAsync(c.CancellationToken));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ApiTokenType>>>>("apiTokens")
            .Description("The caller's API tokens; an admin with all: true sees everyone's.")
            .Argument<BooleanGraphType>("all")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var all = c.GetArgument("all", false);
                if (all && caller.Role < HomerRole.Admin)
                    throw new ExecutionError("all: true needs the admin role.") { Code = "FORBIDDEN" };
                return await c.RequestServices!.GetRequiredService<UserStore>().ListApiTokensAsync(all ? null : caller.UserId, c.CancellationToken);
            });

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ShareLinkEntryType>>>>("shareLinks")
            .Description("The share links the caller made, newest first, expired and revoked ones included (for 30 days after expiry); an admin with all: true sees everyone's.")
            .Argument<BooleanGraphType>("all")
            .RequireRole(HomerRole.User)
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var all = c.GetArgument("all", false);
                if (all && caller.Role < HomerRole.Admin)
                    throw new ExecutionError("all: true needs the admin role.") { Code = "FORBIDDEN" };
                return await c.RequestServices!.GetRequiredService<ShareLinkStore>()
                    .ListAsync(all || caller.Kind == Caller.AuthOffKind ? null : caller.UserId, c.CancellationToken);
            });
    }
}

public sealed class HomerMutation : ObjectGraphType
{
    public const int MinPasswordLength = 8;

    public HomerMutation()
    {
        Name = "Mutation";

        Field<NonNullGraphType<LoginResultType>>("login")
            .Description("Exchanges a user name and password for a session token. Attempts are rate-limited per user and per address, counted before the password is checked.")
            .Argument<NonNullGraphType<StringGraphType>>("username")
            .Argument<NonNullGraphType<StringGraphType>>("password")
            .AllowAnonymous()
            .ResolveAsync(async c => await LoginAsync(c));

        Field<NonNullGraphType<BooleanGraphType>>("logout")
            .Description("Ends the session of the token sent with this request.")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                if (caller.Kind != Caller.SessionKind || caller.SessionId is not { } session || caller.ExpiresAt is not { } expires)
                    throw new ExecutionError("Only session tokens log out; revoke an API token with revokeApiToken.") { Code = "BAD_REQUEST" };
                await c.RequestServices!.GetRequiredService<UserStore>().RevokeSessionAsync(session, expires, c.CancellationToken);
                return true;
            });

        Field<NonNullGraphType<CreatedApiTokenType>>("createApiToken")
            .Description("A long-lived token for scripts and tools, with a role no higher than the caller's.")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .Argument<DateTimeScalar>("expiresAt", "Null: never expires (revoke it when done).")
            .Argument<RoleEnumType>("role", "Default: the caller's role.")
            .ResolveAsync(async c =>
            {
                var caller = RealUser(c);
                var name = NotEmpty(c.GetArgument<string>("name"), "name");
                var role = c.GetArgument<HomerRole?>("role") ?? caller.Role;
                if (role > caller.Role)
                    throw new ExecutionError($"A {caller.Role.ToName()} cannot create a token with the {role.ToName()} role.") { Code = "FORBIDDEN" };
                var expiresAt = c.GetArgument<DateTimeOffset?>("expiresAt");
                if (expiresAt is { } e && e <= DateTimeOffset.UtcNow)
                    throw new ExecutionError("expiresAt is in the past.") { Code = "BAD_ARGUMENT" };
                var (token, hash) = TokenService.NewApiToken();
                var row = await c.RequestServices!.GetRequiredService<UserStore>()
                    .CreateApiTokenAsync(caller.UserId, name, hash, role, expiresAt, c.CancellationToken);
                return new CreatedApiToken(token, row);
            });

        Field<NonNullGraphType<BooleanGraphType>>("revokeApiToken")
            .Description("Revokes one of the caller's API tokens (an admin: anyone's). False if there is no such live token.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var id = long.TryParse(c.GetArgument<string>("id"), out var i) ? i : throw new ExecutionError("id is not a token id.") { Code = "BAD_ARGUMENT" };
                return await c.RequestServices!.GetRequiredService<UserStore>()
                    .RevokeApiTokenAsync(id, caller.Role == HomerRole.Admin ? null : caller.UserId, c.CancellationToken);
            });

        Field<NonNullGraphType<UserType>>("createUser")
            .Description("Creates a user (admin).")
            .Argument<NonNullGraphType<StringGraphType>>("username")
            .Argument<NonNullGraphType<StringGraphType>>("password")
            .Argument<NonNullGraphType<RoleEnumType>>("role")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var username = NotEmpty(c.GetArgument<string>("username"), "username").Trim();
                var hash = HashNew(c, c.GetArgument<string>("password"));
                return await c.RequestServices!.GetRequiredService<UserStore>().CreateAsync(username, hash, c.GetArgument<HomerRole>("role"), c.CancellationToken)
                    ?? throw new ExecutionError($"A user named '{username}' already exists.") { Code = "CONFLICT" };
            });

        Field<NonNullGraphType<UserType>>("updateUserRole")
            .Description("Changes a user's role (admin); it applies to their open sessions and tokens at once.")
            .Argument<NonNullGraphType<StringGraphType>>("username")
            .Argument<NonNullGraphType<RoleEnumType>>("role")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var username = NotSelf(c, "change your own role");
                return await Existing(c, username, c.RequestServices!.GetRequiredService<UserStore>().UpdateRoleAsync(username, c.GetArgument<HomerRole>("role"), c.CancellationToken));
            });

        Field<NonNullGraphType<UserType>>("disableUser")
            .Description("Disables a user (admin): their sessions end and their API tokens are revoked, for good (enabling them again does not bring them back).")
            .Argument<NonNullGraphType<StringGraphType>>("username")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var username = NotSelf(c, "disable yourself");
                return await Existing(c, username, c.RequestServices!.GetRequiredService<UserStore>().SetDisabledAsync(username, true, c.CancellationToken));
            });

        Field<NonNullGraphType<UserType>>("enableUser")
            .Description("Enables a disabled user again (admin); they log in again and make new API tokens.")
            .Argument<NonNullGraphType<StringGraphType>>("username")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var username = c.GetArgument<string>("username");
                return await Existing(c, username, c.RequestServices!.GetRequiredService<UserStore>().SetDisabledAsync(username, false, c.CancellationToken));
            });

        Field<NonNullGraphType<UserType>>("resetPassword")
            .Description("Sets a local user's password (admin); their open sessions end. LDAP users change theirs in the directory.")
            .Argument<NonNullGraphType<StringGraphType>>("username")
            .Argument<NonNullGraphType<StringGraphType>>("password")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var username = c.GetArgument<string>("username");
                var hash = HashNew(c, c.GetArgument<string>("password"));
                var users = c.RequestServices!.GetRequiredService<UserStore>();
                // A directory user's password is checked by the directory only: a local one would never be asked.
                if (await users.FindByNameAsync(username, c.CancellationToken) is { Source: UserRow.LdapSource })
                    throw new ExecutionError($"'{username}' logs in with the LDAP directory's password; change it there.") { Code = "BAD_REQUEST" };
                return await Existing(c, username, users.ResetPasswordAsync(username, hash, c.CancellationToken));
            });

        AddShareLinks(this);
        AddShareLinkRevocation(this);
    }

    /// <summary>Keeps the link (the Call-IDs travel inside its signed token) short enough for chat tools and browsers.</summary>
    public const int MaxSharedCalls = 20;

    private static void AddShareLinks(ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<ShareLinkType>>("createShareLink")
            .Description("A signed, expiring link that shows one or several sessions (correlated in one flow) read-only, without a login: GET the path it returns.")
            .Argument<StringGraphType>("callId", "One session; give this or callIds.")
            .Argument<ListGraphType<NonNullGraphType<StringGraphType>>>("callIds", $"Several sessions, at most {MaxSharedCalls}, shown together.")
            .Argument<IntGraphType>("expiresInMinutes", "Default HOMER_SHARE_LINK_HOURS (24 h); at most HOMER_SHARE_LINK_MAX_DAYS (7 days).")
            .RequireRole(HomerRole.User)
            .ResolveAsync(async c =>
            {
                var callIds = new List<string>();
                if (c.GetArgument<string?>("callId") is { } one) callIds.Add(NotEmpty(one, "callId"));
                foreach (var id in c.GetArgument<List<string>?>("callIds") ?? [])
                    callIds.Add(NotEmpty(id, "callIds"));
                callIds = callIds.Distinct(StringComparer.Ordinal).ToList();
                if (callIds.Count == 0)
                    throw new ExecutionError("Give callId or callIds.") { Code = "BAD_ARGUMENT" };
                if (callIds.Count > MaxSharedCalls)
                    throw new ExecutionError($"A share link holds at most {MaxSharedCalls} sessions, {callIds.Count} were given.") { Code = "BAD_ARGUMENT" };
                var options = c.RequestServices!.GetRequiredService<AuthOptions>();
                var minutes = c.GetArgument("expiresInMinutes", (int)options.DefaultShareLinkLifetime.TotalMinutes);
                if (minutes < 1 || TimeSpan.FromMinutes(minutes) > options.MaxShareLinkLifetime)
                    throw new ExecutionError($"expiresInMinutes must be between 1 and {options.MaxShareLinkLifetime.TotalMinutes}.") { Code = "BAD_ARGUMENT" };
                var expiresAt = DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow + TimeSpan.FromMinutes(minutes)).ToUnixTimeSeconds());
                var caller = c.Caller();
                var row = await c.RequestServices!.GetRequiredService<ShareLinkStore>().CreateAsync(
                    caller.Kind == Caller.AuthOffKind ? null : caller.UserId, caller.Username, callIds, expiresAt, c.CancellationToken);
                var token = c.RequestServices!.GetRequiredService<TokenService>().IssueShare(callIds, expiresAt, row.Id);
                return new ShareLink(row.Id, "/api/share/" + token, expiresAt);
            });

    private static void AddShareLinkRevocation(ObjectGraphType mutation) =>
        mutation.Field<NonNullGraphType<BooleanGraphType>>("revokeShareLink")
            .Description("Revokes one of the caller's share links (an admin: anyone's); it stops working at once. False if there is no such live link.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .RequireRole(HomerRole.User)
            .ResolveAsync(async c =>
            {
                var caller = c.Caller();
                var id = long.TryParse(c.GetArgument<string>("id"), out var i) ? i : throw new ExecutionError("id is not a share link id.") { Code = "BAD_ARGUMENT" };
                return await c.RequestServices!.GetRequiredService<ShareLinkStore>()
                    .RevokeAsync(id, caller.Role == HomerRole.Admin ? null : caller.UserId, c.CancellationToken);
            });

    private static async Task<LoginResult> LoginAsync(IResolveFieldContext c)
    {
        var services = c.RequestServices!;
        var username = c.GetArgument<string>("username").Trim();
        var password = c.GetArgument<string>("password");
        var client = (c.UserContext as ApiRequestContext)?.ClientAddress;
        var throttle = services.GetRequiredService<LoginThrottle>();
        // Counted before the password is checked, in one step with the check: parallel guesses cannot all slip through.
        if (!throttle.TryBegin(username, client, out var attempt, out var retryAfter))
            throw new ExecutionError($"Too many failed logins; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.") { Code = "TOO_MANY_ATTEMPTS" };

        // Local accounts and, when configured, the LDAP directory, in the configured order (LoginService).
        var user = await services.GetRequiredService<LoginService>().CheckAsync(username, password, c.CancellationToken);
        throttle.Succeeded(attempt);
        if (user.Disabled)
            throw new ExecutionError("The account is disabled.") { Code = "ACCOUNT_DISABLED" };

        var options = services.GetRequiredService<AuthOptions>();
        var (token, expiresAt, _) = services.GetRequiredService<TokenService>().IssueSession(user, options.SessionLifetime);
        return new LoginResult(token, expiresAt, user);
    }

    private static readonly UserRow Nobody = LoginService.Nobody;

    private static Caller RealUser(IResolveFieldContext c)
    {
        var caller = c.Caller();
        if (caller.Kind == Caller.AuthOffKind)
            throw new ExecutionError("With authentication off there is no user to own a token.") { Code = "BAD_REQUEST" };
        return caller;
    }

    private static string NotSelf(IResolveFieldContext c, string what)
    {
        var username = c.GetArgument<string>("username");
        if (string.Equals(username, c.Caller().Username, StringComparison.Ordinal))
            throw new ExecutionError($"You cannot {what}: ask another admin.") { Code = "BAD_REQUEST" };
        return username;
    }

    private static async Task<UserRow> Existing(IResolveFieldContext c, string username, Task<UserRow?> update) =>
        await update ?? throw new ExecutionError($"There is no user named '{username}'.") { Code = "NOT_FOUND" };

    private static string HashNew(IResolveFieldContext c, string password)
    {
        if (password is null || password.Length < MinPasswordLength)
            throw new ExecutionError($"The password must have at least {MinPasswordLength} characters.") { Code = "BAD_ARGUMENT" };
        return c.RequestServices!.GetRequiredService<PasswordHasher<UserRow>>().HashPassword(Nobody, password);
    }

    private static string NotEmpty(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new ExecutionError($"{name} must not be empty.") { Code = "BAD_ARGUMENT" } : value;
}
