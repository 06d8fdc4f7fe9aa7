using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>A name for an address (any port when <see cref="Port"/> is 0), shown in call flows instead of ip:port.</summary>
public sealed record AliasRow(long Id, IPAddress Ip, int Port, string Name, long? CaptureId, DateTimeOffset CreatedAt);

/// <summary>The <c>aliases</c> table. At most one alias per (address, port).</summary>
public sealed class AliasStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, ip, port, name, capture_id, created_at";

    public async Task<IReadOnlyList<AliasRow>> ListAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM aliases ORDER BY ip, port");
        var rows = new List<AliasRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(Read(reader));
        return rows;
    }

    /// <summary>Null when another alias already names this address and port.</summary>
    public async Task<AliasRow?> CreateAsync(IPAddress ip, int port, string name, long? captureId, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            INSERT INTO aliases (ip, port, name, capture_id) VALUES ($1, $2, $3, $4)
            ON CONFLICT (ip, port) DO NOTHING
            RETURNING {Columns}
            """);
        AddValues(cmd, ip, port, name, captureId);
        return await Single(cmd, ct);
    }

    /// <summary>Null when there is no such alias; throws <see cref="AliasConflictException"/> when the new address is taken.</summary>
    public async Task<AliasRow?> UpdateAsync(long id, IPAddress ip, int port, string name, long? captureId, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            UPDATE aliases SET ip = $1, port = $2, name = $3, capture_id = $4 WHERE id = $5
            RETURNING {Columns}
            """);
        AddValues(cmd, ip, port, name, captureId);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Bigint });
        try
        {
            return await Single(cmd, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new AliasConflictException($"{ip}:{port} has an alias already");
        }
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM aliases WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Bigint });
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    private static void AddValues(NpgsqlCommand cmd, IPAddress ip, int port, string name, long? captureId)
    {
        cmd.Parameters.Add(new NpgsqlParameter { Value = ip, NpgsqlDbType = NpgsqlDbType.Inet });
        cmd.Parameters.Add(new NpgsqlParameter { Value = port, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new NpgsqlParameter { Value = name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)captureId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
    }

    private static async Task<AliasRow?> Single(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static AliasRow Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetFieldValue<IPAddress>(1), r.GetInt32(2), r.GetString(3),
        r.IsDBNull(4) ? null : r.GetInt64(4), r.GetFieldValue<DateTimeOffset>(5));
}

public sealed class AliasConflictException(string message) : InvalidOperationException(message);
