using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

public sealed record CaptureNodeRow(string? Node, long CaptureId, DateTimeOffset LastSeen, long Messages24h);

/// <summary>The capture agents (HEP node name and capture id) that sent messages in the last day.</summary>
/// <remarks>
/// Read from the messages of the window itself, so it costs a pass over a day of rows (an index-only pass is not
/// possible: node and capture id are not indexed, and an index for them would slow every COPY). Callers cache it.
/// </remarks>
public sealed class CaptureNodeQueries(NpgsqlDataSource dataSource)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    public async Task<IReadOnlyList<CaptureNodeRow>> ListAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT node, capture_id, max(ts), count(*) FROM messages
            WHERE ts > $1 AND ts <= $2
            GROUP BY node, capture_id
            ORDER BY node NULLS LAST, capture_id
            """);
        // Capture clocks run ahead sometimes: a row stamped in the future still counts as seen now, not later.
        cmd.Parameters.Add(new NpgsqlParameter { Value = (now - Window).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (now + TimeSpan.FromHours(1)).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.CommandTimeout = 120;
        var rows = new List<CaptureNodeRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new CaptureNodeRow(r.IsDBNull(0) ? null : r.GetString(0), r.GetInt64(1), r.GetFieldValue<DateTimeOffset>(2), r.GetInt64(3)));
        return rows;
    }
}
