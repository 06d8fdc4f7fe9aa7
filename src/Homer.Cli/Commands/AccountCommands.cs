using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using static Homer.Cli.Commands.Render;

namespace Homer.Cli.Commands;

/// <summary>login, logout, users and API tokens: over the node's existing account fields.</summary>
internal static class AccountCommands
{
    private static Option<string?> PasswordOption() => new("--password") { Description = "The password (visible in the process list: prefer --password-stdin or the prompt)." };

    private static Option<bool> PasswordStdinOption() => new("--password-stdin") { Description = "Read the password from the first line of stdin." };

    public static Command Login(HomerCtl cli)
    {
        var user = new Option<string>("--user", "-u") { Description = "User name.", DefaultValueFactory = _ => "admin" };
        var password = PasswordOption();
        var stdin = PasswordStdinOption();
        var command = new Command("login", "Log in to a node and save its address and session token for the next commands.") { user, password, stdin };
        cli.Action(command, async (r, client, ct) =>
        {
            var secret = await cli.ReadSecret(r.GetValue(password), r.GetValue(stdin), "Password: ");
            var result = (await client.QueryAsync("mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt user { username role } } }",
                new { u = r.GetValue(user), p = secret }, ct))["login"]!;
            var path = cli.ConfigPath;
            new CliConfig
            {
                Node = client.Node.ToString(),
                Token = S(result["token"]),
                User = S(result["user"]!["username"]),
                ExpiresAt = S(result["expiresAt"]),
            }.Save(path);
            if (cli.Json(r))
                return await cli.PrintJson(new JsonObject { ["node"] = client.Node.ToString(), ["user"] = S(result["user"]!["username"]), ["role"] = S(result["user"]!["role"]), ["expiresAt"] = S(result["expiresAt"]), ["config"] = path });
            await cli.Out.WriteLineAsync($"Logged in to {client.Node} as {S(result["user"]!["username"])} ({S(result["user"]!["role"])}) until {S(result["expiresAt"])}; token saved in {path}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Logout(HomerCtl cli)
    {
        var command = new Command("logout", "End the saved session on its node and forget it.");
        cli.Action(command, async (r, client, ct) =>
        {
            var path = cli.ConfigPath;
            var saved = CliConfig.Load(path);
            if (saved.Token is null)
                throw new CliException(ExitCodes.Usage, $"Not logged in ({path} holds no token).");
            using var own = new NodeClient(new Uri(saved.Node ?? HomerCtl.DefaultNode), saved.Token, TimeSpan.FromSeconds(r.GetValue(cli.TimeoutOption)));
            try
            {
                await own.QueryAsync("mutation { logout }", null, ct);
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Unauthorized)
            {
                // Expired or revoked already: forgetting it is all that is left to do.
            }
            (saved with { Token = null, ExpiresAt = null }).Save(path);
            await cli.Out.WriteLineAsync($"Logged out of {saved.Node}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Users(HomerCtl cli)
    {
        var list = new Command("list", "Every user with role and state.");
        cli.Action(list, async (r, client, ct) =>
        {
            var users = (await client.QueryAsync("{ users { id username role disabled source createdAt } }", null, ct))["users"];
            if (cli.Json(r))
                return await cli.PrintJson(users);
            // SOURCE: LOCAL (password kept by Homer) or LDAP (password and role from the directory at each login).
            var table = Table("ID", "USER", "ROLE", "STATE", "SOURCE", "CREATED");
            foreach (var u in Items(users))
                table.Row(S(u["id"]), S(u["username"]), S(u["role"]), B(u["disabled"]) ? "disabled" : "active", S(u["source"]), S(u["createdAt"]));
            cli.Console().Write(table);
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("username") { Description = "User name." };
        var role = new Option<string>("--role") { Description = "admin, user or viewer.", DefaultValueFactory = _ => "user" };
        role.AcceptOnlyFromAmong("admin", "user", "viewer", "ADMIN", "USER", "VIEWER");
        var password = PasswordOption();
        var stdin = PasswordStdinOption();
        var add = new Command("add", "Create a user (password at least 8 characters).") { name, role, password, stdin };
        cli.Action(add, async (r, client, ct) =>
        {
            var secret = await cli.ReadSecret(r.GetValue(password), r.GetValue(stdin), "Password for the new user: ");
            var user = (await client.QueryAsync("mutation ($u: String!, $p: String!, $r: Role!) { createUser(username: $u, password: $p, role: $r) { id username role disabled } }",
                new { u = r.GetValue(name), p = secret, r = r.GetValue(role)!.ToUpperInvariant() }, ct))["createUser"];
            return await UserDone(cli, r, user, "created");
        });

        var disable = new Command("disable", "Disable a user: their sessions end and their API tokens and share links are revoked, for good.") { name };
        cli.Action(disable, async (r, client, ct) =>
            await UserDone(cli, r, (await client.QueryAsync("mutation ($u: String!) { disableUser(username: $u) { id username role disabled } }",
                new { u = r.GetValue(name) }, ct))["disableUser"], "disabled"));

        var enable = new Command("enable", "Enable a disabled user again; they log in again and make new tokens.") { name };
        cli.Action(enable, async (r, client, ct) =>
            await UserDone(cli, r, (await client.QueryAsync("mutation ($u: String!) { enableUser(username: $u) { id username role disabled } }",
                new { u = r.GetValue(name) }, ct))["enableUser"], "enabled"));

        var reset = new Command("reset-password", "Set a user's password; their open sessions end.") { name, password, stdin };
        cli.Action(reset, async (r, client, ct) =>
        {
            var secret = await cli.ReadSecret(r.GetValue(password), r.GetValue(stdin), "New password: ");
            return await UserDone(cli, r, (await client.QueryAsync("mutation ($u: String!, $p: String!) { resetPassword(username: $u, password: $p) { id username role disabled } }",
                new { u = r.GetValue(name), p = secret }, ct))["resetPassword"], "has a new password");
        });
        return cli.Group("users", "Users: list, add, disable, enable, reset-password.", list, add, disable, enable, reset);
    }

    private static async Task<int> UserDone(HomerCtl cli, ParseResult r, JsonNode? user, string what)
    {
        if (cli.Json(r))
            return await cli.PrintJson(user);
        await cli.Out.WriteLineAsync($"User {S(user?["username"])} ({S(user?["role"])}) {what}.");
        return ExitCodes.Ok;
    }

    public static Command Tokens(HomerCtl cli)
    {
        var all = new Option<bool>("--all") { Description = "Everyone's tokens (admin), not only yours." };
        var list = new Command("list", "API tokens (never their secrets).") { all };
        cli.Action(list, async (r, client, ct) =>
        {
            var tokens = (await client.QueryAsync("query ($a: Boolean) { apiTokens(all: $a) { id name owner role createdAt expiresAt revokedAt } }",
                new { a = r.GetValue(all) }, ct))["apiTokens"];
            if (cli.Json(r))
                return await cli.PrintJson(tokens);
            var table = Table("ID", "NAME", "OWNER", "ROLE", "CREATED", "EXPIRES", "REVOKED");
            foreach (var t in Items(tokens))
                table.Row(S(t["id"]), S(t["name"]), S(t["owner"]), S(t["role"]), S(t["createdAt"]), S(t["expiresAt"]) is { Length: > 0 } e ? e : "never", S(t["revokedAt"]));
            cli.Console().Write(table);
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "What the token is for, e.g. 'prometheus-exporter'." };
        var role = new Option<string?>("--role") { Description = "admin, user or viewer; default your own role (never higher)." };
        role.AcceptOnlyFromAmong("admin", "user", "viewer", "ADMIN", "USER", "VIEWER");
        var days = new Option<int?>("--expires-in-days") { Description = "Lifetime in days; default: never expires (revoke it when done)." };
        var create = new Command("create", "Create an API token; its secret is printed once.") { name, role, days };
        cli.Action(create, async (r, client, ct) =>
        {
            if (r.GetValue(days) is <= 0)
                throw new CliException(ExitCodes.Usage, "--expires-in-days must be at least 1.");
            var expiresAt = r.GetValue(days) is { } d ? DateTimeOffset.UtcNow.AddDays(d).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : null;
            var created = (await client.QueryAsync("""
                mutation ($n: String!, $r: Role, $e: DateTime) { createApiToken(name: $n, role: $r, expiresAt: $e) { token apiToken { id name role expiresAt } } }
                """, new { n = r.GetValue(name), r = r.GetValue(role)?.ToUpperInvariant(), e = expiresAt }, ct))["createApiToken"]!;
            if (cli.Json(r))
                return await cli.PrintJson(created);
            var token = created["apiToken"]!;
            await cli.Out.WriteLineAsync($"Token {S(token["id"])} '{S(token["name"])}' ({S(token["role"])}, expires {(S(token["expiresAt"]) is { Length: > 0 } e ? e : "never")}):");
            await cli.Out.WriteLineAsync(S(created["token"]));
            await cli.Out.WriteLineAsync("This secret is shown only now; store it safely.");
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "Token id as 'tokens list' prints it." };
        var revoke = new Command("revoke", "Revoke an API token at once.") { id };
        cli.Action(revoke, async (r, client, ct) =>
        {
            var revoked = (await client.QueryAsync("mutation ($i: ID!) { revokeApiToken(id: $i) }", new { i = r.GetValue(id) }, ct))["revokeApiToken"];
            if (!B(revoked))
                throw new CliException(ExitCodes.NotFound, $"No live API token with id {r.GetValue(id)} (unknown, someone else's, or revoked already).");
            if (cli.Json(r))
                return await cli.PrintJson(new JsonObject { ["id"] = r.GetValue(id), ["revoked"] = true });
            await cli.Out.WriteLineAsync($"Token {r.GetValue(id)} revoked.");
            return ExitCodes.Ok;
        });
        return cli.Group("tokens", "API tokens: list, create, revoke.", list, create, revoke);
    }
}
