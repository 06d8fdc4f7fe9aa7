using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage.Auth;

/// <summary>
/// What API tokens and share links have in common: each row has an owner (<c>user_id</c>), is listed per owner or for
/// everyone (an admin), and is revoked once (the first revocation's time stays), by its owner or by an admin.
/// </summary>
internal static class OwnedRows
{
    /// <summary>The owner, or null for "any owner", as the <c>$n::bigint IS NULL OR user_id = $n</c> parameter.</summary>
    public static NpgsqlParameter Owner(long? ownerId) =>
        new() { Value = (object?)ownerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint };

    /// <summary>Revokes row <paramref name="id"/> of <paramref name="table"/> (a constant of the caller); false when there is no such live row.</summary>
    public static async Task<bool> RevokeAsync(NpgsqlDataSource dataSource, string table, long id, long? ownerId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"UPDATE {table} SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL AND ($2::bigint IS NULL OR user_id = $2)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(Owner(ownerId));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Every row the command reads, in its order.</summary>
    public static async Task<IReadOnlyList<T>> ReadAllAsync<T>(NpgsqlCommand cmd, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
            rows.Add(read(reader));
        return rows;
    }
}
