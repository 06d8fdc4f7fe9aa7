using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>
/// What the message store knows about dialogs, read when a dialog shard recovers after its node crashed: the store
/// holds every message the ingest nodes received, including those a crashed dialog node received but never
/// checkpointed. Times are capture times in microseconds since the Unix epoch (the partition key of the store).
/// </summary>
public interface IDialogHistory
{
    /// <summary>
    /// Call-IDs and correlation ids with a message captured at or after <paramref name="fromMicros"/>, each with the
    /// capture time of its newest message.
    /// </summary>
    /// <param name="limit">At most this many; the caller says what it does when the answer is cut.</param>
    Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default);

    /// <summary>
    /// The messages routed to the dialog <paramref name="dialogId"/> (its Call-ID, or its correlation id for QoS and
    /// logs) captured at or after <paramref name="fromMicros"/>, oldest first.
    /// </summary>
    Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default);

    /// <summary>
    /// Like <see cref="DialogIdsSinceAsync"/>, for a window closed at <paramref name="toMicros"/>: the ids with a message
    /// captured in [<paramref name="fromMicros"/>, <paramref name="toMicros"/>]. An implementation that cannot close the
    /// window may answer more (the caller filters by <see cref="DialogActivity.FirstMicros"/> when it is set).
    /// </summary>
    Task<IReadOnlyList<DialogActivity>> DialogIdsBetweenAsync(long fromMicros, long toMicros, int limit, CancellationToken ct = default) =>
        DialogIdsSinceAsync(fromMicros, limit, ct);

    /// <summary>
    /// The messages of many dialogs in one read: every message captured at or after <paramref name="fromMicros"/> whose
    /// Call-ID or correlation id is one of <paramref name="dialogIds"/>, oldest first. The caller hands each dialog its own.
    /// </summary>
    async Task<IReadOnlyList<CapturedMessage>> MessagesOfAsync(IReadOnlyCollection<string> dialogIds, long fromMicros, int limit,
        CancellationToken ct = default)
    {
        var all = new List<CapturedMessage>();
        foreach (var id in dialogIds)
            all.AddRange(await MessagesSinceAsync(id, fromMicros, limit, ct));
        // A message of two of them (Call-ID and correlation id) comes twice; its key makes it count once.
        return all.OrderBy(m => m.TimestampMicros).Take(limit).ToList();
    }
}

/// <summary>A dialog id (Call-ID or correlation id) and the capture time of its newest stored message.</summary>
public readonly record struct DialogActivity(string Id, long LastMicros)
{
    /// <summary>Capture time of its oldest message in the window read; 0 when the reader did not say.</summary>
    public long FirstMicros { get; init; }
}

/// <summary>
/// <see cref="IDialogHistory"/> on the partitioned message tables. Both queries are bounded by capture time, so
/// PostgreSQL prunes to the partitions of the window; the per-dialog one uses the (left(call_id, 256), ts) and
/// left(correlation_id, 256) indexes.
/// </summary>
public sealed class DialogHistoryQueries(NpgsqlDataSource dataSource) : IDialogHistory
{
    public async Task<IReadOnlyList<DialogActivity>> DialogIdsSinceAsync(long fromMicros, int limit, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"""
            SELECT id, max(ts) FROM (
                SELECT call_id AS id, ts FROM {MessageTables.SearchView} WHERE ts >= @from AND call_id IS NOT NULL
                UNION ALL
                SELECT correlation_id, ts FROM {MessageTables.SearchView} WHERE ts >= @from AND correlation_id IS NOT NULL) m
            GROUP BY id
            LIMIT @limit
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = FromMicros(fromMicros) });
        cmd.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        var ids = new List<DialogActivity>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids.Add(new DialogActivity(reader.GetString(0), ToMicros(reader.GetFieldValue<DateTime>(1))));
        return ids;
    }

    public async Task<IReadOnlyList<DialogActivity>> DialogIdsBetweenAsync(long fromMicros, long toMicros, int limit, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand($"""
            SELECT id, min(ts), max(ts) FROM (
                SELECT call_id AS id, ts FROM {MessageTables.SearchView} WHERE ts >= @from AND ts <= @to AND call_id IS NOT NULL
                UNION ALL
                SELECT correlation_id, ts FROM {MessageTables.SearchView} WHERE ts >= @from AND ts <= @to AND correlation_id IS NOT NULL) m
            GROUP BY id
            LIMIT @limit
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = FromMicros(fromMicros) });
        cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = FromMicros(toMicros) });
        cmd.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        var ids = new List<DialogActivity>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids.Add(new DialogActivity(reader.GetString(0), ToMicros(reader.GetFieldValue<DateTime>(2)))
            {
                FirstMicros = ToMicros(reader.GetFieldValue<DateTime>(1)),
            });
        return ids;
    }

    public async Task<IReadOnlyList<CapturedMessage>> MessagesOfAsync(IReadOnlyCollection<string> dialogIds, long fromMicros, int limit,
        CancellationToken ct = default)
    {
        if (dialogIds.Count == 0)
            return [];
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Two index scans per partition ((left(call_id, 256), ts) and left(correlation_id, 256)) with the ids as an array: one statement for
        // a shard's whole window instead of one per dialog.
        await using var cmd = new NpgsqlCommand($"""
            SELECT {MessageQueries.Columns}, ARRAY[m.capture_id]
            FROM (SELECT * FROM {MessageTables.SearchView} WHERE {IndexedText.AnySql("call_id", "@ids", "@prefixes")} AND ts >= @from
                  UNION ALL
                  SELECT * FROM {MessageTables.SearchView}
                  WHERE {IndexedText.AnySql("correlation_id", "@ids", "@prefixes")} AND ts >= @from AND (call_id IS NULL OR call_id <> ALL(@ids))) m
            ORDER BY ts, id
            LIMIT @limit
            """, connection);
        var ids = dialogIds.Select(id => StorableText.Clean(id)!).ToArray();
        cmd.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
        cmd.Parameters.Add(new NpgsqlParameter("prefixes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = IndexedText.Prefixes(ids) });
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = FromMicros(fromMicros) });
        cmd.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        return await ReadMessages(cmd, ct);
    }

    public async Task<IReadOnlyList<CapturedMessage>> MessagesSinceAsync(string dialogId, long fromMicros, int limit, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Two index scans instead of an OR that PostgreSQL may answer with a scan of the window.
        await using var cmd = new NpgsqlCommand($"""
            SELECT {MessageQueries.Columns}, ARRAY[m.capture_id]
            FROM (SELECT * FROM {MessageTables.SearchView} WHERE {IndexedText.EqualsSql("call_id", "@id")} AND ts >= @from
                  UNION ALL
                  SELECT * FROM {MessageTables.SearchView}
                  WHERE {IndexedText.EqualsSql("correlation_id", "@id")} AND ts >= @from AND call_id IS DISTINCT FROM @id) m
            ORDER BY ts, id
            LIMIT @limit
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = StorableText.Clean(dialogId) });
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = FromMicros(fromMicros) });
        cmd.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        return await ReadMessages(cmd, ct);
    }

    private static async Task<IReadOnlyList<CapturedMessage>> ReadMessages(NpgsqlCommand cmd, CancellationToken ct)
    {
        var messages = new List<CapturedMessage>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            messages.Add(MessageQueries.Read(reader).ToCaptured());
        return messages;
    }

    private static DateTime FromMicros(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10);

    private static long ToMicros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
