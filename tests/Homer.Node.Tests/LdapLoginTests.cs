using System.DirectoryServices.Protocols;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>A node whose login asks a real slapd started for the test (and stopped with it).</summary>
public abstract class LdapNodeFixture : NodeFixture
{
    public LdapServer Ldap { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        // Outside CI without slapd every test here is skipped (LdapFact): start nothing.
        if (LdapServer.UnavailableReason is not null)
            return;
        Ldap = await LdapServer.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        if (Ldap is null)
            return;
        await base.DisposeAsync();
        await Ldap.DisposeAsync();
    }

    protected IEnumerable<KeyValuePair<string, string?>> Common() =>
    [
        new("LDAP_GROUP_BASE", LdapServer.Groups),
        // One group by full DN, the others by cn: both forms are accepted.
        new("LDAP_ADMIN_GROUPS", "cn=homer-admins," + LdapServer.Groups),
        new("LDAP_USER_GROUPS", "homer-users"),
        new("LDAP_VIEWER_GROUPS", "homer-viewers"),
        new("LDAP_TIMEOUT_SECONDS", "3"),
        // Bad passwords are part of the tests: keep the throttle out of their way.
        new("LOGIN_ATTEMPTS", "100"),
    ];

    public async Task<(string? Token, string? Role, string? Code, string? Message)> TryLogin(string username, string password)
    {
        using var anonymous = Client(null);
        using var response = await anonymous.PostAsJsonAsync("/graphql", new
        {
            query = "mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token user { role } } }",
            variables = new { u = username, p = password },
        });
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        if (json.TryGetProperty("errors", out var errors))
        {
            var error = errors[0];
            return (null, null, error.GetProperty("extensions").GetProperty("code").GetString(), error.GetProperty("message").GetString());
        }
        var login = json.GetProperty("data").GetProperty("login");
        return (login.GetProperty("token").GetString(), login.GetProperty("user").GetProperty("role").GetString(), null, null);
    }
}

/// <summary>Search-then-bind with a service account, over StartTLS with the test CA, directory first.</summary>
public sealed class SearchBindLdapFixture : LdapNodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        .. Common(),
        new("LDAP_URL", Ldap.Url),
        new("LDAP_STARTTLS", "on"),
        new("LDAP_CA_DIR", Ldap.CaDirectory),
        new("LDAP_BIND_DN", LdapServer.ServiceDn),
        new("LDAP_BIND_PASSWORD", LdapServer.ServicePassword),
        new("LDAP_USER_BASE", LdapServer.People),
        new("LDAP_ORDER", "ldap-first"),
    ];
}

/// <summary>Bind as the user through a DN template over LDAPS, local accounts first.</summary>
public sealed class TemplateBindLdapFixture : LdapNodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        .. Common(),
        new("LDAP_URL", Ldap.TlsUrl),
        new("LDAP_CA_DIR", Ldap.CaDirectory),
        new("LDAP_USER_DN", "uid={0}," + LdapServer.People),
        new("LDAP_ORDER", "local-first"),
    ];
}

public sealed class LdapSearchBindTests(SearchBindLdapFixture node) : IClassFixture<SearchBindLdapFixture>
{
    [LdapFact]
    public async Task A_directory_user_logs_in_with_the_role_of_their_group()
    {
        var alice = await node.TryLogin("alice", LdapServer.PasswordOf("alice"));
        Assert.Null(alice.Message);
        Assert.Equal("ADMIN", alice.Role);
        // The session works like a local one: the token names the user and the directory's role.
        using var client = node.Client(alice.Token);
        var me = (await NodeFixture.GraphQL(client, "{ me { username role } }")).GetProperty("me");
        Assert.Equal("alice", me.GetProperty("username").GetString());
        Assert.Equal("ADMIN", me.GetProperty("role").GetString());

        // A posixGroup (memberUid) maps as well as a groupOfNames (member).
        var dave = await node.TryLogin("dave", LdapServer.PasswordOf("dave"));
        Assert.Equal("VIEWER", dave.Role);

        var users = (await node.GraphQL("{ users { username role source } }")).GetProperty("users").EnumerateArray()
            .ToDictionary(u => u.GetProperty("username").GetString()!, u => u.GetProperty("source").GetString());
        Assert.Equal("LDAP", users["alice"]);
        Assert.Equal("LOCAL", users["admin"]);

        // Their password lives in the directory: an admin cannot set a local one that would never be asked.
        using var reset = await node.Http.PostAsJsonAsync("/graphql", new
        {
            query = "mutation { resetPassword(username: \"alice\", password: \"a-local-password\") { username } }",
        });
        Assert.Contains("change it there", await reset.Content.ReadAsStringAsync());
        Assert.Equal("LOGIN_FAILED", (await node.TryLogin("alice", "a-local-password")).Code);
    }

    [LdapFact]
    public async Task A_wrong_password_and_an_unknown_user_are_refused_alike()
    {
        var wrong = await node.TryLogin("alice", "not-her-password");
        Assert.Equal("LOGIN_FAILED", wrong.Code);
        var unknown = await node.TryLogin("mallory", "whatever-password");
        Assert.Equal("LOGIN_FAILED", unknown.Code);
        Assert.Equal(wrong.Message, unknown.Message);
        // An empty password would be an unauthenticated bind, which slapd accepts: never a login.
        var empty = await node.TryLogin("alice", "");
        Assert.Equal("LOGIN_FAILED", empty.Code);
        // Filter metacharacters are escaped, not a wildcard that matches someone.
        var star = await node.TryLogin("*", LdapServer.PasswordOf("alice"));
        Assert.Equal("LOGIN_FAILED", star.Code);
    }

    [LdapFact]
    public async Task A_user_in_no_mapped_group_is_refused_with_a_reason()
    {
        var carol = await node.TryLogin("carol", LdapServer.PasswordOf("carol"));
        Assert.Equal("LDAP_NO_ROLE", carol.Code);
        Assert.Contains("no group that has access", carol.Message);
    }

    [LdapFact]
    public async Task A_group_change_takes_effect_on_the_next_login()
    {
        var bob = await node.TryLogin("bob", LdapServer.PasswordOf("bob"));
        Assert.Equal("USER", bob.Role);

        node.Ldap.Modify("cn=homer-admins," + LdapServer.Groups, DirectoryAttributeOperation.Add, "member", LdapServer.DnOf("bob"));
        var promoted = await node.TryLogin("bob", LdapServer.PasswordOf("bob"));
        Assert.Equal("ADMIN", promoted.Role);

        // Out of every mapped group: refused, and the sessions opened before end too.
        node.Ldap.Modify("cn=homer-admins," + LdapServer.Groups, DirectoryAttributeOperation.Delete, "member", LdapServer.DnOf("bob"));
        node.Ldap.Modify("cn=homer-users," + LdapServer.Groups, DirectoryAttributeOperation.Delete, "member", LdapServer.DnOf("bob"));
        var removed = await node.TryLogin("bob", LdapServer.PasswordOf("bob"));
        Assert.Equal("LDAP_NO_ROLE", removed.Code);
        using var old = node.Client(promoted.Token);
        using var response = await old.PostAsJsonAsync("/graphql", new { query = "{ me { username } }" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        node.Ldap.Modify("cn=homer-users," + LdapServer.Groups, DirectoryAttributeOperation.Add, "member", LdapServer.DnOf("bob"));
        var back = await node.TryLogin("bob", LdapServer.PasswordOf("bob"));
        Assert.True(back.Role == "USER", $"back in homer-users: role {back.Role ?? "none"}, error {back.Code}: {back.Message}");
    }

    [LdapFact]
    public async Task With_the_directory_down_the_error_says_so_and_the_local_admin_still_logs_in()
    {
        await node.Ldap.StopAsync();
        try
        {
            var alice = await node.TryLogin("alice", LdapServer.PasswordOf("alice"));
            Assert.Equal("LDAP_UNAVAILABLE", alice.Code);
            Assert.Contains("LDAP directory could not be asked", alice.Message);
            Assert.Contains("local accounts can still log in", alice.Message);

            // Counted for alerting (the registry is shared by the test process: at least this one).
            Assert.Matches(@"homer_ldap_logins_total\{outcome=""unavailable""\} [1-9]", await node.Http.GetStringAsync("/metrics"));

            // Directory first, but a local account is the fallback when it cannot answer.
            var admin = await node.TryLogin("admin", NodeFixture.AdminPassword);
            Assert.Null(admin.Message);
            Assert.Equal("ADMIN", admin.Role);
        }
        finally
        {
            await node.Ldap.RestartAsync();
        }
        Assert.Equal("ADMIN", (await node.TryLogin("alice", LdapServer.PasswordOf("alice"))).Role);
    }
}

public sealed class LdapTemplateBindTests(TemplateBindLdapFixture node) : IClassFixture<TemplateBindLdapFixture>
{
    [LdapFact]
    public async Task Over_LDAPS_a_user_binds_through_the_DN_template()
    {
        var alice = await node.TryLogin("alice", LdapServer.PasswordOf("alice"));
        Assert.Null(alice.Message);
        Assert.Equal("ADMIN", alice.Role);
        Assert.Equal("LOGIN_FAILED", (await node.TryLogin("alice", "wrong-password")).Code);
        // A DN-special character in the name is escaped instead of changing the DN.
        Assert.Equal("LOGIN_FAILED", (await node.TryLogin("alice,ou=people", LdapServer.PasswordOf("alice"))).Code);
    }

    [LdapFact]
    public async Task A_local_account_keeps_its_name_against_a_directory_entry()
    {
        await node.GraphQL("mutation { createUser(username: \"erin\", password: \"erin-local-password\", role: VIEWER) { id } }");
        // The directory's erin (homer-users) does not take over the local account...
        Assert.Equal("LOGIN_FAILED", (await node.TryLogin("erin", LdapServer.PasswordOf("erin"))).Code);
        // ... which logs in with its own password and role.
        Assert.Equal("VIEWER", (await node.TryLogin("erin", "erin-local-password")).Role);
    }
}
