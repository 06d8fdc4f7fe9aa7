using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homer.Storage.Migrations;

/// <summary>
/// Brings the database to the newest schema at node start. Several nodes may start at once, so the whole run
/// holds a transaction-scoped advisory lock and each migration commits with its version row.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // Any constant unique to us; pg_advisory_xact_lock takes a bigint.
    private const long MigrationLockKey = 0x484f4d45525f4d47; // "HOMER_MG"

    public async Task<int> MigrateAsync(CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", ct);
        await Execute(connection, tx, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, ct);

        // Each version is applied once, whether or not higher ones exist: areas number their migrations in
        // their own ranges, so "everything above the maximum" would skip a new step of a lower area.
        var applied = new HashSet<int>();
        await using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations", connection, tx))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                applied.Add(reader.GetInt32(0));

        var current = applied.Count == 0 ? 0 : applied.Max();
        foreach (var migration in SchemaMigrations.All.Where(m => !applied.Contains(m.Version)))
        {
            logger.LogInformation("Applying schema migration {Version}: {Name}", migration.Version, migration.Name);
            await Execute(connection, tx, migration.Sql, ct);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", connection, tx);
            record.Parameters.AddWithValue(migration.Version);
            record.Parameters.AddWithValue(migration.Name);
            await record.ExecuteNonQueryAsync(ct);
            current = Math.Max(current, migration.Version);
        }

        await tx.CommitAsync(ct);
        return current;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        // No time limit: a migration that rebuilds indexes on a store of millions of rows takes minutes.
        await using var cmd = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
