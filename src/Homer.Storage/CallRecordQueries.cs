using Homer.Hep;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>
/// Everything the store holds about some calls, for call flows and QoS charts: their SIP messages, the QoS reports and
/// logs correlated to them, and the other legs of the same call.
/// </summary>
/// <remarks>
/// These are lookups without a time range, so they go through the lookup data source (generic plans, auto-prepared):
/// planning over every partition of every profile table costs more than running them.
/// </remarks>
public sealed class CallRecordQueries(NpgsqlDataSource dataSource, NpgsqlDataSource? lookupDataSource = null)
{
    /// <summary>How long after a call's last SIP message a vq-rtcpxr PUBLISH (which carries its own Call-ID) is looked for.</summary>
    public static readonly TimeSpan QualityReportTail = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest stretch of time scanned for reports found by their content or addresses (PUBLISH bodies, uncorrelated
    /// RTCP): no index leads to them, so every row of the window is read; a long call is searched in its last (PUBLISH,
    /// where the end-of-call report is) or first (RTCP) stretch only.
    /// </summary>
    public static readonly TimeSpan MaxScanWindow = TimeSpan.FromMinutes(15);

    private NpgsqlDataSource Lookup => lookupDataSource ?? dataSource;

    /// <summary>
    /// The Call-IDs of the same call as <paramref name="callIds"/>: grouped in the dialogs table, or named by a leg
    /// correlation header (X-CID) in either direction; followed a few steps, at most <paramref name="limit"/> in all.
    /// The given ones come first, the others in the order the store saw them.
    /// </summary>
    public async Task<IReadOnlyList<string>> FindLegsAsync(IReadOnlyList<string> callIds, int limit, CancellationToken ct = default)
    {
        var found = new List<string>(callIds.Distinct(StringComparer.Ordinal));
        var known = new HashSet<string>(found, StringComparer.Ordinal);
        var frontier = found.ToList();
        var dialogs = new DialogSearch(dataSource);
        // Three steps cover A → B2BUA → B and a transfer's third leg; a chain longer than that is not one call.
        for (var step = 0; step < 3 && frontier.Count > 0 && found.Count < limit; step++)
        {
            var next = new List<string>();
            foreach (var id in await dialogs.GroupedWithAsync(frontier, limit, ct))
                next.Add(id);
            await using (var cmd = Lookup.CreateCommand($"""
                SELECT id FROM (
                    SELECT correlation_id AS id, min(ts) AS first FROM messages
                    WHERE {IndexedText.AnySql("call_id", "$1", "$3")} AND proto_type = 1 AND correlation_id IS NOT NULL GROUP BY correlation_id
                    UNION ALL
                    SELECT call_id, min(ts) FROM messages
                    WHERE {IndexedText.AnySql("correlation_id", "$1", "$3")} AND proto_type = 1 AND call_id IS NOT NULL GROUP BY call_id) legs
                GROUP BY id ORDER BY min(first), id LIMIT $2
                """))
            {
                var ids = frontier.Select(c => StorableText.Clean(c)!).ToArray();
                cmd.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                cmd.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
                cmd.Parameters.Add(new NpgsqlParameter { Value = IndexedText.Prefixes(ids), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    next.Add(reader.GetString(0));
            }
            frontier = [];
            foreach (var id in next)
            {
                if (found.Count >= limit)
                    break;
                if (known.Add(id))
                {
                    found.Add(id);
                    frontier.Add(id);
                }
            }
        }
        return found;
    }

    /// <summary>
    /// In capture order: the SIP messages of <paramref name="callIds"/>, the non-SIP messages (RTCP, QoS reports, logs)
    /// whose correlation id names one of them, and vq-rtcpxr PUBLISH reports about them. At most <paramref name="limit"/>
    /// rows; <c>truncated</c> says whether there were more.
    /// </summary>
    public async Task<(IReadOnlyList<StoredMessage> Messages, bool Truncated)> LoadAsync(IReadOnlyList<string> callIds, int limit, CancellationToken ct = default)
    {
        var ids = callIds.Select(c => StorableText.Clean(c)!).ToArray();
        var messages = new List<StoredMessage>();
        await using (var cmd = Lookup.CreateCommand($"""
            SELECT {MessageQueries.Columns}, ARRAY[capture_id] FROM messages
            WHERE {IndexedText.AnySql("call_id", "$1", "$3")} AND proto_type = 1
            UNION ALL
            SELECT {MessageQueries.Columns}, ARRAY[capture_id] FROM messages
            WHERE {IndexedText.AnySql("correlation_id", "$1", "$3")} AND proto_type <> 1
            ORDER BY 2, 1
            LIMIT $2
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = limit + 1, NpgsqlDbType = NpgsqlDbType.Integer });
            cmd.Parameters.Add(new NpgsqlParameter { Value = IndexedText.Prefixes(ids), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                messages.Add(MessageQueries.Read(reader));
        }
        var truncated = messages.Count > limit;
        if (truncated)
            messages.RemoveAt(messages.Count - 1);

        var sip = messages.Where(m => m.ProtocolType == HepProtocolType.Sip).ToList();
        if (sip.Count > 0 && !truncated)
        {
            // An RFC 6035 report travels in its own PUBLISH dialog and names the call only in its body ("CallID: …"):
            // look for it among the PUBLISH requests around the call.
            await using var cmd = dataSource.CreateCommand($"""
                SELECT {MessageQueries.Columns}, ARRAY[capture_id] FROM {OneProfile(MessageProfile.Default)}
                WHERE ts >= $2 AND ts <= $3 AND method = 'PUBLISH'
                  AND NOT (call_id = ANY($1))
                  AND position('application/vq-rtcpxr'::bytea IN payload) > 0
                  AND EXISTS (SELECT 1 FROM unnest($1::text[]) c WHERE position(convert_to('CallID: ' || c, 'UTF8') IN payload) > 0)
                ORDER BY ts, id LIMIT $4
                """);
            cmd.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            var to = sip[^1].Timestamp + QualityReportTail;
            var from = sip[0].Timestamp > to - MaxScanWindow ? sip[0].Timestamp : to - MaxScanWindow;
            cmd.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = Math.Max(1, limit - messages.Count), NpgsqlDbType = NpgsqlDbType.Integer });
            var reports = new List<StoredMessage>();
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    reports.Add(MessageQueries.Read(reader));
            if (reports.Count > 0)
                messages = [.. messages.Concat(reports).OrderBy(m => m.Timestamp).ThenBy(m => m.Id)];
        }
        return (messages, truncated);
    }

    /// <summary>
    /// RTCP that carries no correlation id, sent to or from one of <paramref name="endpoints"/> (the media addresses a
    /// call's SDP announced) between <paramref name="from"/> and <paramref name="to"/>: how the dialogs attribute it too.
    /// </summary>
    public async Task<IReadOnlyList<StoredMessage>> LoadRtcpByEndpointsAsync(IReadOnlyList<(System.Net.IPAddress Ip, int Port)> endpoints,
        DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken ct = default)
    {
        if (endpoints.Count == 0 || limit <= 0)
            return [];
        await using var cmd = dataSource.CreateCommand($"""
            SELECT {MessageQueries.Columns}, ARRAY[capture_id] FROM {OneProfile(MessageProfile.Rtcp)}
            WHERE ts >= $3 AND ts <= $4 AND correlation_id IS NULL
              AND EXISTS (SELECT 1 FROM unnest($1::inet[], $2::int[]) e(ip, port)
                          WHERE (dst_ip = e.ip AND dst_port = e.port) OR (src_ip = e.ip AND src_port = e.port))
            ORDER BY ts, id LIMIT $5
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = endpoints.Select(e => e.Ip).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Inet });
        cmd.Parameters.Add(new NpgsqlParameter { Value = endpoints.Select(e => e.Port).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        cmd.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var messages = new List<StoredMessage>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            messages.Add(MessageQueries.Read(reader));
        return messages;
    }

    /// <summary>One profile's table shaped like the messages view: planning the whole view costs more than these scans.</summary>
    private static string OneProfile(MessageProfile profile) =>
        $"(SELECT *, {(short)profile}::smallint AS profile FROM {MessageTables.TableOf(profile)}) m";
}
