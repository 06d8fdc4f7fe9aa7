using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>A saved dashboard. <see cref="Widgets"/> is the dashboard's own JSON, stored as given.</summary>
public sealed record DashboardRow(long Id, string Owner, string Title, bool Shared, bool Promoted, string Layout, string Widgets, DateTimeOffset UpdatedAt);

public sealed record DashboardValues(string Title, string Layout, string Widgets, bool? Promoted, bool? Shared);

/// <summary>
/// The <c>dashboards</c> table. Who may see or change a row is decided by the caller's name: a user sees their own and
/// the shared ones; only the owner (or, with <c>anyOwner</c>, an admin) changes or deletes one.
/// </summary>
public sealed class DashboardStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, owner_name, title, shared, promoted, layout, widgets, updated_at";

    /// <summary>The caller's own dashboards and those others shared; an admin with <paramref name="all"/> sees every one.</summary>
    public async Task<IReadOnlyList<DashboardRow>> ListAsync(string username, bool all, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            SELECT {Columns} FROM dashboards WHERE $2 OR owner_name = $1 OR shared
            ORDER BY owner_name = $1 DESC, title, id
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = username, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = all, NpgsqlDbType = NpgsqlDbType.Boolean });
        return await Rows(cmd, ct);
    }

    /// <summary>One dashboard if the caller may see it (own, shared, or any with <paramref name="all"/>).</summary>
    public async Task<DashboardRow?> GetAsync(long id, string username, bool all, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM dashboards WHERE id = $3 AND ($2 OR owner_name = $1 OR shared)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = username, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = all, NpgsqlDbType = NpgsqlDbType.Boolean });
        cmd.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Bigint });
        return (await Rows(cmd, ct)).FirstOrDefault();
    }

    /// <param name="ownerId">The owner's users row; null when authentication is off (no such row).</param>
    public async Task<DashboardRow> CreateAsync(long? ownerId, string owner, DashboardValues values, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            INSERT INTO dashboards (owner_id, owner_name, title, layout, widgets, promoted, shared)
            VALUES ($6, $7, $1, $2, $3, coalesce($4, false), coalesce($5, false))
            RETURNING {Columns}
            """);
        AddValues(cmd, values);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)ownerId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = owner, NpgsqlDbType = NpgsqlDbType.Text });
        return (await Rows(cmd, ct))[0];
    }

    /// <summary>Null when there is no such dashboard that <paramref name="username"/> owns (or any, with <paramref name="anyOwner"/>).</summary>
    public async Task<DashboardRow?> UpdateAsync(long id, string username, bool anyOwner, DashboardValues values, CancellationToken ct = default)
    {
        // Null flags keep their current value, so an editor that only knows title/layout/widgets does not unshare.
        await using var cmd = dataSource.CreateCommand($"""
            UPDATE dashboards SET title = $1, layout = $2, widgets = $3, promoted = coalesce($4, promoted),
                shared = coalesce($5, shared), updated_at = now()
            WHERE id = $6 AND ($8 OR owner_name = $7)
            RETURNING {Columns}
            """);
        AddValues(cmd, values);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = username, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = anyOwner, NpgsqlDbType = NpgsqlDbType.Boolean });
        return (await Rows(cmd, ct)).FirstOrDefault();
    }

    public async Task<bool> DeleteAsync(long id, string username, bool anyOwner, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM dashboards WHERE id = $1 AND ($3 OR owner_name = $2)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = username, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = anyOwner, NpgsqlDbType = NpgsqlDbType.Boolean });
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    private static void AddValues(NpgsqlCommand cmd, DashboardValues v)
    {
        cmd.Parameters.Add(new NpgsqlParameter { Value = v.Title, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = v.Layout, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = v.Widgets, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)v.Promoted ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)v.Shared ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
    }

    private static async Task<List<DashboardRow>> Rows(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<DashboardRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new DashboardRow(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetBoolean(3), r.GetBoolean(4),
                r.GetString(5), r.GetString(6), r.GetFieldValue<DateTimeOffset>(7)));
        return rows;
    }
}
