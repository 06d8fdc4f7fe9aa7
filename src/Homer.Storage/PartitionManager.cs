using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homer.Storage;

/// <summary>A range partition of a message table.</summary>
public sealed record MessagePartition(string Table, string Name, DateTimeOffset From, DateTimeOffset To, long Bytes);

/// <summary>
/// Keeps range partitions of every message table created ahead of time, so the COPY path never has to create one
/// and rows land in a default partition only when a sender's clock is far off; lists and drops them for retention.
/// </summary>
public sealed class PartitionManager(NpgsqlDataSource dataSource, StorageOptions options, ILogger<PartitionManager> logger)
{
    public async Task<IReadOnlyList<string>> EnsurePartitionsAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var step = options.PartitionStep;
        if (step < TimeSpan.FromHours(1) || TimeSpan.FromDays(1).Ticks % step.Ticks != 0 && step.Ticks % TimeSpan.FromDays(1).Ticks != 0)
            throw new InvalidOperationException($"Partition step {step} must be at least an hour and divide or be a multiple of a day.");

        var created = new List<string>();
        var first = AlignDown(now.UtcDateTime, step) - step * options.PartitionsBehind;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        foreach (var table in MessageTables.All)
        {
            for (var i = 0; i <= options.PartitionsBehind + options.PartitionsAhead; i++)
            {
                var from = first + step * i;
                var name = PartitionName(table, from, step);
                if (await CreateAsync(connection, table, name, from, from + step, ct))
                    created.Add(name);
            }
        }
        return created;
    }

    private async Task<bool> CreateAsync(NpgsqlConnection connection, string table, string name, DateTime from, DateTime to, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection))
        {
            exists.Parameters.AddWithValue(name);
            if ((bool)(await exists.ExecuteScalarAsync(ct))!)
                return false;
        }

        var range = $"FROM ('{Iso(from)}') TO ('{Iso(to)}')";
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            // Serialises creators across nodes for this table; the lock ends with the transaction.
            await Execute(connection, tx, $"SELECT pg_advisory_xact_lock(hashtext('{table}'))", ct);
            await using (var again = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection, tx))
            {
                again.Parameters.AddWithValue(name);
                if ((bool)(await again.ExecuteScalarAsync(ct))!)
                    return false;
            }

            long moved = 0;
            await using (var stray = new NpgsqlCommand($"SELECT count(*) FROM {table}_default WHERE ts >= '{Iso(from)}' AND ts < '{Iso(to)}'", connection, tx))
                moved = (long)(await stray.ExecuteScalarAsync(ct))!;

            if (moved == 0)
            {
                await Execute(connection, tx, $"CREATE TABLE {name} PARTITION OF {table} FOR VALUES {range}", ct);
            }
            else
            {
                // Rows of this range already sit in the default partition (the range was created late), and
                // PostgreSQL refuses a partition that would strand them: move them into it in the same transaction.
                await Execute(connection, tx, $"ALTER TABLE {table} DETACH PARTITION {table}_default", ct);
                await Execute(connection, tx, $"CREATE TABLE {name} PARTITION OF {table} FOR VALUES {range}", ct);
                await Execute(connection, tx, $"INSERT INTO {name} SELECT * FROM {table}_default WHERE ts >= '{Iso(from)}' AND ts < '{Iso(to)}'", ct);
                await Execute(connection, tx, $"DELETE FROM {table}_default WHERE ts >= '{Iso(from)}' AND ts < '{Iso(to)}'", ct);
                await Execute(connection, tx, $"ALTER TABLE {table} ATTACH PARTITION {table}_default DEFAULT", ct);
            }
            await tx.CommitAsync(ct);
            logger.LogInformation("Created partition {Partition} [{From}, {To}){Moved}", name, Iso(from), Iso(to),
                moved == 0 ? "" : $", moved {moved} rows into it from the default partition");
            return true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateTable)
        {
            // Another node created it first: the outcome we wanted.
            return false;
        }
    }

    /// <summary>Range partitions of the message tables, oldest first, with their size on disk.</summary>
    public async Task<IReadOnlyList<MessagePartition>> ListAsync(CancellationToken ct = default)
    {
        const string sql = """
            SELECT parent.relname, child.relname, pg_get_expr(child.relpartbound, child.oid), pg_total_relation_size(child.oid)
            FROM pg_inherits i
            JOIN pg_class parent ON parent.oid = i.inhparent
            JOIN pg_class child ON child.oid = i.inhrelid
            WHERE parent.relname = ANY($1) AND child.relkind = 'r'
            """;
        var result = new List<MessagePartition>();
        await using var cmd = dataSource.CreateCommand(sql);
        cmd.Parameters.AddWithValue(MessageTables.All.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var bound = reader.GetString(2);
            if (!TryParseRange(bound, out var from, out var to))
                continue; // the default partition
            result.Add(new MessagePartition(reader.GetString(0), reader.GetString(1), from, to, reader.GetInt64(3)));
        }
        return result.OrderBy(p => p.From).ThenBy(p => p.Table).ToList();
    }

    public async Task DropAsync(MessagePartition partition, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"DROP TABLE IF EXISTS {partition.Name}");
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string PartitionName(string table, DateTime from, TimeSpan step) =>
        step.Ticks % TimeSpan.FromDays(1).Ticks == 0
            ? $"{table}_p{from.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}"
            : $"{table}_p{from.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}";

    // pg_get_expr gives: FOR VALUES FROM ('2026-11-27 00:00:00+00') TO ('2026-11-28 00:00:00+00')
    private static bool TryParseRange(string bound, out DateTimeOffset from, out DateTimeOffset to)
    {
        from = to = default;
        var parts = bound.Split('\'');
        return parts.Length >= 4
            && DateTimeOffset.TryParse(parts[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out from)
            && DateTimeOffset.TryParse(parts[3], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out to);
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static DateTime AlignDown(DateTime utc, TimeSpan step) =>
        new(utc.Ticks - utc.Ticks % step.Ticks, DateTimeKind.Utc);

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss'+00'", CultureInfo.InvariantCulture);
}
