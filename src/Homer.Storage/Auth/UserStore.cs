using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage.Auth;

/// <param name="Source">Where the password is checked: <see cref="LocalSource"/> or <see cref="LdapSource"/> (migration 203).</param>
public sealed record UserRow(long Id, string Username, string PasswordHash, HomerRole Role, bool Disabled, int SessionEpoch, DateTimeOffset CreatedAt,
    string Source = UserRow.LocalSource)
{
    public const string LocalSource = "local";
    public const string LdapSource = "ldap";
    /// <summary>The password_hash of directory users: not a hash format, so no password ever matches it locally.</summary>
    public const string LdapPasswordMarker = "!ldap";
}

public sealed record ApiTokenRow(long Id, long UserId, string Username, string Name, HomerRole Role, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>Users, API tokens, logged-out sessions and the signing key in PostgreSQL (migration 200).</summary>
public sealed class UserStore(NpgsqlDataSource dataSource)
{
    private const string UserColumns = "id, username, password_hash, role, disabled, session_epoch, created_at, source";
    private const string TokenColumns = "t.id, t.user_id, u.username, t.name, t.role, t.created_at, t.expires_at, t.revoked_at";

    /// <summary>The cluster's signing key: the first node to start stores its candidate, every node reads the stored one.</summary>
    public async Task<byte[]> EnsureKeyAsync(string name, byte[] candidate, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("INSERT INTO auth_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING");
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        cmd.Parameters.Add(new NpgsqlParameter { Value = candidate, NpgsqlDbType = NpgsqlDbType.Bytea });
        await cmd.ExecuteNonQueryAsync(ct);
        await using var select = dataSource.CreateCommand("SELECT key FROM auth_keys WHERE name = $1");
        select.Parameters.Add(new NpgsqlParameter { Value = name });
        return (byte[])(await select.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Creates the user unless the name is taken; false when it was (another node may have won the race).</summary>
    public async Task<bool> CreateIfAbsentAsync(string username, string passwordHash, HomerRole role, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING");
        AddParameters(cmd, username, passwordHash, role.ToName());
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<UserRow?> CreateAsync(string username, string passwordHash, HomerRole role, CancellationToken ct) =>
        await SingleUser($"INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING RETURNING {UserColumns}",
            ct, username, passwordHash, role.ToName());

    public Task<UserRow?> FindByNameAsync(string username, CancellationToken ct) =>
        SingleUser($"SELECT {UserColumns} FROM users WHERE username = $1", ct, username);

    public Task<UserRow?> GetAsync(long id, CancellationToken ct) =>
        SingleUser($"SELECT {UserColumns} FROM users WHERE id = $1", ct, id);

    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {UserColumns} FROM users ORDER BY username");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var users = new List<UserRow>();
        while (await reader.ReadAsync(ct))
            users.Add(ReadUser(reader));
        return users;
    }

    /// <summary>
    /// After the directory accepted a password: creates the directory user, or brings its role up to date with its
    /// groups (a role change then applies at once to its open sessions and tokens). Null when the name is a local
    /// account's: a directory entry never takes one over.
    /// </summary>
    public Task<UserRow?> UpsertLdapUserAsync(string username, HomerRole role, CancellationToken ct) =>
        SingleUser($"""
            INSERT INTO users (username, password_hash, role, source) VALUES ($1, '{UserRow.LdapPasswordMarker}', $2, '{UserRow.LdapSource}')
            ON CONFLICT (username) DO UPDATE SET role = EXCLUDED.role,
                updated_at = CASE WHEN users.role = EXCLUDED.role THEN users.updated_at ELSE now() END
                WHERE users.source = '{UserRow.LdapSource}'
            RETURNING {UserColumns}
            """, ct, username, role.ToName());

    /// <summary>
    /// The directory no longer maps this user to any role (or no longer knows them): their open sessions end (the epoch
    /// moves) and their API tokens are revoked, as when an admin disables a user. The next login with a mapped group
    /// works again.
    /// </summary>
    public async Task EndLdapUserAsync(string username, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            WITH u AS (
                UPDATE users SET session_epoch = session_epoch + 1, updated_at = now()
                WHERE username = $1 AND source = '{UserRow.LdapSource}' RETURNING id)
            UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM u)
            """);
        AddParameters(cmd, username);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public Task<UserRow?> UpdateRoleAsync(string username, HomerRole role, CancellationToken ct) =>
        SingleUser($"UPDATE users SET role = $2, updated_at = now() WHERE username = $1 RETURNING {UserColumns}", ct, username, role.ToName());

    /// <summary>
    /// Disabling ends the user's access for good: the session epoch moves (every session token issued so far is refused,
    /// also after the user is enabled again) and every live API token and share link they made is revoked, in the same statement.
    /// Enabling only clears the flag: the user logs in again and makes new tokens.
    /// </summary>
    public Task<UserRow?> SetDisabledAsync(string username, bool disabled, CancellationToken ct) => disabled
        ? SingleUser($"""
            WITH u AS (
                UPDATE users SET disabled = true, session_epoch = session_epoch + 1, updated_at = now() WHERE username = $1
                RETURNING {UserColumns}),
            revoked AS (
                UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM u)),
            links AS (
                UPDATE share_links SET revoked_at = now() WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM u))
            SELECT {UserColumns} FROM u
            """, ct, username)
        : SingleUser($"UPDATE users SET disabled = false, updated_at = now() WHERE username = $1 RETURNING {UserColumns}", ct, username);

    /// <summary>New password; the epoch moves so sessions opened with the old one end.</summary>
    public Task<UserRow?> ResetPasswordAsync(string username, string passwordHash, CancellationToken ct) =>
        SingleUser($"UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = now() WHERE username = $1 RETURNING {UserColumns}",
            ct, username, passwordHash);

    /// <summary>Rehash after the hasher asked for it (newer iteration count); sessions stay valid.</summary>
    public async Task UpdateHashAsync(long id, string passwordHash, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE users SET password_hash = $2 WHERE id = $1");
        AddParameters(cmd, id, passwordHash);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<(UserRow? User, bool Revoked)> SessionStateAsync(long userId, Guid sessionId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {UserColumns}, EXISTS (SELECT 1 FROM revoked_sessions WHERE jti = $2) FROM users WHERE id = $1");
        AddParameters(cmd, userId, sessionId);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return (null, false);
        return (ReadUser(reader), reader.GetBoolean(8));
    }

    public async Task RevokeSessionAsync(Guid sessionId, DateTimeOffset expiresAt, CancellationToken ct)
    {
        // Expired entries are useless (the token is refused for its age anyway): each logout sweeps them.
        await using (var sweep = dataSource.CreateCommand("DELETE FROM revoked_sessions WHERE expires_at < now()"))
            await sweep.ExecuteNonQueryAsync(ct);
        await using var cmd = dataSource.CreateCommand("INSERT INTO revoked_sessions (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING");
        cmd.Parameters.Add(new NpgsqlParameter { Value = sessionId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = expiresAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<ApiTokenRow> CreateApiTokenAsync(long userId, string name, byte[] tokenHash, HomerRole role, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            WITH t AS (
                INSERT INTO api_tokens (user_id, name, token_hash, role, expires_at) VALUES ($1, $2, $3, $4, $5)
                RETURNING *)
            SELECT {TokenColumns} FROM t JOIN users u ON u.id = t.user_id
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        cmd.Parameters.Add(new NpgsqlParameter { Value = tokenHash, NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { Value = role.ToName() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)expiresAt?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return ReadToken(reader);
    }

    public async Task<(ApiTokenRow Token, UserRow User)?> FindApiTokenAsync(byte[] tokenHash, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            SELECT {TokenColumns}, u.id, u.username, u.password_hash, u.role, u.disabled, u.session_epoch, u.created_at, u.source
            FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = tokenHash, NpgsqlDbType = NpgsqlDbType.Bytea });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        return (ReadToken(reader), ReadUser(reader, 8));
    }

    /// <summary>Tokens of one user, or of everyone when <paramref name="userId"/> is null.</summary>
    public async Task<IReadOnlyList<ApiTokenRow>> ListApiTokensAsync(long? userId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            SELECT {TokenColumns} FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE $1::bigint IS NULL OR t.user_id = $1 ORDER BY t.id
            """);
        cmd.Parameters.Add(OwnedRows.Owner(userId));
        return await OwnedRows.ReadAllAsync(cmd, ReadToken, ct);
    }

    /// <summary>Revokes a token of <paramref name="ownerId"/> (any owner when null); false when there is no such live token.</summary>
    public Task<bool> RevokeApiTokenAsync(long id, long? ownerId, CancellationToken ct) =>
        OwnedRows.RevokeAsync(dataSource, "api_tokens", id, ownerId, ct);

    private async Task<UserRow?> SingleUser(string sql, CancellationToken ct, params object[] values)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        AddParameters(cmd, values);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadUser(reader) : null;
    }

    private static void AddParameters(NpgsqlCommand cmd, params object[] values)
    {
        foreach (var value in values)
            cmd.Parameters.Add(new NpgsqlParameter { Value = value });
    }

    private static UserRow ReadUser(NpgsqlDataReader r, int o = 0) => new(
        r.GetInt64(o), r.GetString(o + 1), r.GetString(o + 2), HomerRoles.Parse(r.GetString(o + 3)), r.GetBoolean(o + 4), r.GetInt32(o + 5),
        new DateTimeOffset(r.GetFieldValue<DateTime>(o + 6), TimeSpan.Zero), r.GetString(o + 7));

    private static ApiTokenRow ReadToken(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), HomerRoles.Parse(r.GetString(4)),
        new DateTimeOffset(r.GetFieldValue<DateTime>(5), TimeSpan.Zero),
        r.IsDBNull(6) ? null : new DateTimeOffset(r.GetFieldValue<DateTime>(6), TimeSpan.Zero),
        r.IsDBNull(7) ? null : new DateTimeOffset(r.GetFieldValue<DateTime>(7), TimeSpan.Zero));
}
