using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>One stored message with what an export needs to rebuild its packet.</summary>
public sealed record ExportedMessage(
    DateTimeOffset Timestamp, byte IpProtocol, IPAddress SourceIp, int SourcePort, IPAddress DestinationIp, int DestinationPort,
    byte ProtocolType, string? CallId, string? Method, int? StatusCode, string? ReasonPhrase, byte[] Payload);

public sealed record CallSelection(IReadOnlyList<string> CallIds, DateTimeOffset? From, DateTimeOffset? To, bool IncludeLegs);

/// <summary>
/// Reads the messages of some calls for export, in capture order: their SIP, the QoS reports and logs correlated to
/// them, and (with legs) the other Call-IDs the dialogs grouped with them.
/// </summary>
public sealed class CallMessages(NpgsqlDataSource dataSource)
{
    /// <summary>At most <paramref name="limit"/> messages; null when the selection holds more (the caller says so instead of cutting).</summary>
    public async Task<IReadOnlyList<ExportedMessage>?> ReadAsync(CallSelection selection, int limit, CancellationToken ct)
    {
        // The Call-ID and correlation id indexes hold the first 256 characters of each value (IndexedText): each
        // condition names the prefixes, which the index answers, and the full values, which the row confirms.
        var calls = selection.IncludeLegs
            ? $"(SELECT $1::text[] || coalesce(array_agg(d2.call_id), '{{}}') FROM dialogs d1 JOIN dialogs d2 ON {IndexedText.EqualsSql("d2.correlation_group", "d1.correlation_group")} WHERE {IndexedText.AnySql("d1.call_id", "$1", "$5")})"
            : "$1::text[]";
        await using var cmd = dataSource.CreateCommand($"""
            WITH wanted AS (SELECT ids, ARRAY(SELECT DISTINCT left(i, {IndexedText.PrefixLength}) FROM unnest(ids) i) AS prefixes FROM (SELECT {calls} AS ids) c)
            SELECT ts, ip_proto, src_ip, src_port, dst_ip, dst_port, proto_type, call_id, method, status, reason, payload
            FROM messages, wanted
            WHERE ({IndexedText.AnySql("call_id", "wanted.ids", "wanted.prefixes")} OR {IndexedText.AnySql("correlation_id", "wanted.ids", "wanted.prefixes")})
              AND ($2::timestamptz IS NULL OR ts >= $2) AND ($3::timestamptz IS NULL OR ts <= $3)
            ORDER BY ts, id
            LIMIT $4
            """);
        var callIds = selection.CallIds.Select(c => StorableText.Clean(c)!).ToArray();
        cmd.Parameters.Add(new NpgsqlParameter { Value = callIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)selection.From?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)selection.To?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit + 1, NpgsqlDbType = NpgsqlDbType.Integer });
        if (selection.IncludeLegs)
            cmd.Parameters.Add(new NpgsqlParameter { Value = IndexedText.Prefixes(callIds), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var messages = new List<ExportedMessage>();
        while (await reader.ReadAsync(ct))
        {
            if (messages.Count == limit)
                return null;
            messages.Add(new ExportedMessage(
                new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero),
                (byte)reader.GetInt16(1),
                reader.GetFieldValue<IPAddress>(2), reader.GetInt32(3),
                reader.GetFieldValue<IPAddress>(4), reader.GetInt32(5),
                (byte)reader.GetInt16(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetInt16(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetFieldValue<byte[]>(11)));
        }
        return messages;
    }
}
