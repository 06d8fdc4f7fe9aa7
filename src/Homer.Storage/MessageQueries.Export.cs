using System.Net;
using System.Runtime.CompilerServices;
using Npgsql;

namespace Homer.Storage;

/// <summary>One message of an export: what a PCAP frame, a text block or a CSV row needs.</summary>
public sealed record ExportRow(
    DateTimeOffset Timestamp,
    byte IpProtocol,
    IPAddress SourceIp,
    int SourcePort,
    IPAddress DestinationIp,
    int DestinationPort,
    byte ProtocolType,
    string? CallId,
    string? Method,
    int? StatusCode,
    string? ReasonPhrase,
    string? FromUser,
    string? ToUser,
    string? RuriUser,
    string? UserAgent,
    long? CSeqNumber,
    string? CSeqMethod,
    long CaptureId,
    string? NodeName,
    string? CorrelationId,
    string? Transport,
    byte[] Payload);

public sealed partial class MessageQueries
{
    /// <summary>
    /// The messages a <c>messages</c> search selects, in its order, at most <paramref name="limit"/> + 1 of them (the
    /// extra one tells the caller the cap cut the result), read one row at a time from PostgreSQL so a day of results
    /// is never held in memory. The statement runs without the searches' statement_timeout (a large export streams for
    /// as long as its client reads); <paramref name="ct"/> (the request's abort) ends it.
    /// </summary>
    public async IAsyncEnumerable<ExportRow> StreamForExportAsync(MessageFilter filter, MessageSearchOptions options, int limit,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var where = new SqlWhere();
        Build(filter, where);
        var direction = options.Descending ? "DESC" : "ASC";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var timeout = new NpgsqlCommand("SET LOCAL statement_timeout = 0", connection, transaction))
            await timeout.ExecuteNonQueryAsync(ct);
        await using var select = new NpgsqlCommand($"""
            SELECT ts, ip_proto, src_ip, src_port, dst_ip, dst_port, proto_type, call_id, method, status, reason,
                   from_user, to_user, ruri_user, user_agent, cseq, cseq_method, capture_id, node, correlation_id, transport, payload
            FROM {Source(where, options)}
            ORDER BY ts {direction}, id {direction}
            LIMIT {(long)limit + 1}
            """, connection, transaction);
        select.Parameters.AddRange(where.Parameters());
        // SequentialAccess: the payload column is read as it arrives instead of the row being buffered first.
        await using var reader = await select.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            yield return new ExportRow(
                new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero),
                (byte)reader.GetInt16(1),
                reader.GetFieldValue<IPAddress>(2), reader.GetInt32(3),
                reader.GetFieldValue<IPAddress>(4), reader.GetInt32(5),
                (byte)reader.GetInt16(6),
                await Text(reader, 7, ct), await Text(reader, 8, ct),
                await reader.IsDBNullAsync(9, ct) ? null : reader.GetInt16(9),
                await Text(reader, 10, ct), await Text(reader, 11, ct), await Text(reader, 12, ct), await Text(reader, 13, ct),
                await Text(reader, 14, ct),
                await reader.IsDBNullAsync(15, ct) ? null : reader.GetInt64(15),
                await Text(reader, 16, ct),
                reader.GetInt64(17),
                await Text(reader, 18, ct), await Text(reader, 19, ct), await Text(reader, 20, ct),
                await reader.GetFieldValueAsync<byte[]>(21, ct));
        }
    }

    private static async Task<string?> Text(NpgsqlDataReader reader, int ordinal, CancellationToken ct) =>
        await reader.IsDBNullAsync(ordinal, ct) ? null : reader.GetString(ordinal);
}
