using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage.Auth;

public sealed record ShareLinkRow(long Id, long? UserId, string CreatedBy, IReadOnlyList<string> CallIds, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>
/// Share links in PostgreSQL (migration 202): the signed token names its row, so a link can be listed and revoked
/// (by its maker or an admin), and disabling its maker revokes it.
/// </summary>
public sealed class ShareLinkStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, user_id, created_by, call_ids, created_at, expires_at, revoked_at";

    /// <summary>Rows of links expired this long ago are deleted when a new link is made.</summary>
    public static readonly TimeSpan KeepExpired = TimeSpan.FromDays(30);

    public async Task<ShareLinkRow> CreateAsync(long? userId, string createdBy, IReadOnlyList<string> callIds, DateTimeOffset expiresAt, CancellationToken ct)
    {
        await using (var sweep = dataSource.CreateCommand("DELETE FROM share_links WHERE expires_at < $1"))
        {
            sweep.Parameters.Add(new NpgsqlParameter { Value = (DateTimeOffset.UtcNow - KeepExpired).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await sweep.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = dataSource.CreateCommand(
            $"INSERT INTO share_links (user_id, created_by, call_ids, expires_at) VALUES ($1, $2, $3, $4) RETURNING {Columns}");
        cmd.Parameters.Add(OwnedRows.Owner(userId));
        cmd.Parameters.Add(new NpgsqlParameter { Value = createdBy });
        cmd.Parameters.Add(new NpgsqlParameter { Value = callIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = expiresAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return Read(reader);
    }

    public async Task<ShareLinkRow?> GetAsync(long id, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM share_links WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Links of one user, or of everyone when <paramref name="userId"/> is null; newest first.</summary>
    public async Task<IReadOnlyList<ShareLinkRow>> ListAsync(long? userId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {Columns} FROM share_links WHERE $1::bigint IS NULL OR user_id = $1 ORDER BY id DESC");
        cmd.Parameters.Add(OwnedRows.Owner(userId));
        return await OwnedRows.ReadAllAsync(cmd, Read, ct);
    }

    /// <summary>Revokes a link of <paramref name="ownerId"/> (any owner when null); false when there is no such live link.</summary>
    public Task<bool> RevokeAsync(long id, long? ownerId, CancellationToken ct) =>
        OwnedRows.RevokeAsync(dataSource, "share_links", id, ownerId, ct);

    private static ShareLinkRow Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.GetString(2), r.GetFieldValue<string[]>(3),
        new DateTimeOffset(r.GetFieldValue<DateTime>(4), TimeSpan.Zero),
        new DateTimeOffset(r.GetFieldValue<DateTime>(5), TimeSpan.Zero),
        r.IsDBNull(6) ? null : new DateTimeOffset(r.GetFieldValue<DateTime>(6), TimeSpan.Zero));
}
