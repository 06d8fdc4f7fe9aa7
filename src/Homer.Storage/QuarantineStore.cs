using System.Text.Json;
using Homer.Hep;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>What kind of row a quarantine entry holds, as the <c>kind</c> column spells it.</summary>
public static class QuarantineKind
{
    public const string Message = "message";
    public const string Dialog = "dialog";
    public const string Stats = "stats";
    public const string Alarm = "alarm";
    public const string TopList = "toplist";

    public static readonly IReadOnlyList<string> All = [Message, Dialog, Stats, Alarm, TopList];
}

/// <summary>One row PostgreSQL refused for good, as it goes into the quarantine: the raw HEP packet of a message, or the row as JSON.</summary>
public sealed record QuarantineEntry
{
    public long Id { get; init; }
    public DateTimeOffset QuarantinedAt { get; init; }
    public DateTimeOffset? CapturedAt { get; init; }
    public required string Kind { get; init; }
    public required string Table { get; init; }
    public string? Node { get; init; }
    public byte[]? Hep { get; init; }
    public string? RowJson { get; init; }
    public required string SqlState { get; init; }
    public required string Error { get; init; }
    public int Attempts { get; init; } = 1;
    public DateTimeOffset? ReplayedAt { get; init; }

    /// <summary>Bytes kept for the row (HEP packet or JSON).</summary>
    public int Size => ListedSize ?? Hep?.Length ?? (RowJson is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(RowJson));

    /// <summary>The size as a listing reads it (which leaves the bytes in the database).</summary>
    internal int? ListedSize { get; init; }

    /// <summary>A refused message: its raw HEP packet, or one rebuilt from the message when it came without it.</summary>
    public static QuarantineEntry ForMessage(RefusedRow<CapturedMessage> refused)
    {
        var m = refused.Row;
        var (hep, json) = m.RawHep.IsEmpty ? Rebuild(m) : (m.RawHep.ToArray(), null);
        return new QuarantineEntry
        {
            CapturedAt = m.Timestamp,
            Kind = QuarantineKind.Message,
            Table = MessagesCopyTable.ByProfile.TryGetValue(m.Profile, out var table) ? table.TableName : m.Profile.ToString(),
            Node = m.NodeName,
            Hep = hep,
            RowJson = json,
            SqlState = refused.SqlState,
            Error = refused.Error,
        };
    }

    /// <summary>Any other refused row, kept as JSON (escaped, so a NUL or a broken character in it is kept too).</summary>
    public static QuarantineEntry ForRow<TRow>(string kind, string table, RefusedRow<TRow> refused, DateTimeOffset? capturedAt = null,
        string? node = null) => new()
    {
        CapturedAt = capturedAt,
        Kind = kind,
        Table = table,
        Node = node,
        RowJson = JsonSerializer.Serialize(refused.Row, JsonOptions),
        SqlState = refused.SqlState,
        Error = refused.Error,
    };

    internal static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// The packet a message came in, rebuilt with <see cref="HepEncoder"/> from what the message keeps (addresses,
    /// ports, time, protocol type, capture id, node, correlation id, VLAN, payload): decoding it gives the same stored
    /// row. Chunks the store does not keep (auth key, vendor chunks) are not in it. A message that cannot be encoded
    /// (a payload over HEP3's 64 KiB) is kept as JSON with its payload in base64.
    /// </summary>
    private static (byte[]? Hep, string? Json) Rebuild(CapturedMessage m)
    {
        try
        {
            return (HepEncoder.Encode(new HepMessage
            {
                IpProtocol = m.IpProtocol,
                SourceAddress = m.SourceIp,
                DestinationAddress = m.DestinationIp,
                SourcePort = (ushort)m.SourcePort,
                DestinationPort = (ushort)m.DestinationPort,
                Timestamp = m.Timestamp,
                ProtocolType = m.ProtocolType,
                CaptureId = (uint)m.CaptureId,
                CorrelationId = m.CorrelationId,
                NodeName = m.NodeName,
                Vlan = m.Vlan is { } vlan ? (ushort)vlan : null,
                Payload = m.Payload,
            }), null);
        }
        catch (ArgumentException)
        {
            return (null, JsonSerializer.Serialize(new
            {
                m.TimestampMicros, m.Profile, m.ProtocolType, m.IpProtocol, SourceIp = m.SourceIp.ToString(), m.SourcePort,
                DestinationIp = m.DestinationIp.ToString(), m.DestinationPort, m.CaptureId, m.NodeName, m.CorrelationId, m.CallId,
                Payload = Convert.ToBase64String(m.Payload.Span),
            }, JsonOptions));
        }
    }
}

/// <summary>
/// The <c>quarantine</c> table: rows PostgreSQL refused for good, kept whole with the error so an operator can see
/// what was refused and why, fix the cause and replay them (<c>replayQuarantine</c>, <c>homerctl quarantine replay</c>).
/// </summary>
public sealed class QuarantineStore(NpgsqlDataSource dataSource)
{
    private const int MaxText = 4_000;

    /// <summary>Stores the entries in one transaction. Throws when PostgreSQL is unreachable (the caller keeps the rows).</summary>
    public async Task AddAsync(IReadOnlyList<QuarantineEntry> entries, CancellationToken ct = default)
    {
        if (entries.Count == 0)
            return;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var e in entries)
        {
            var cmd = new NpgsqlBatchCommand("""
                INSERT INTO quarantine (captured_at, kind, target_table, node, hep, row_json, sqlstate, error, attempts)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """);
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)e.CapturedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter { Value = e.Kind });
            cmd.Parameters.Add(new NpgsqlParameter { Value = Clean(e.Table, 200) });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)CleanOrNull(e.Node, 200) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Hep ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)CleanOrNull(e.RowJson, int.MaxValue) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter { Value = Clean(e.SqlState, 16) });
            cmd.Parameters.Add(new NpgsqlParameter { Value = Clean(e.Error, MaxText) });
            cmd.Parameters.Add(new NpgsqlParameter { Value = e.Attempts });
            batch.BatchCommands.Add(cmd);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Entries quarantined in [from, to), newest first, after the entry id <paramref name="afterId"/> (paging); no bytes.</summary>
    public async Task<IReadOnlyList<QuarantineEntry>> ListAsync(DateTimeOffset? from, DateTimeOffset? to, string? kind, int first,
        long? afterId, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT id, quarantined_at, captured_at, kind, target_table, node, NULL::bytea, NULL::text, sqlstate, error, attempts, replayed_at,
                   coalesce(octet_length(hep), octet_length(row_json), 0)
            FROM quarantine
            WHERE ($1::timestamptz IS NULL OR quarantined_at >= $1) AND ($2::timestamptz IS NULL OR quarantined_at < $2)
              AND ($3::text IS NULL OR kind = $3) AND ($4::bigint IS NULL OR id < $4)
            ORDER BY id DESC
            LIMIT $5
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)from ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)to ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)kind ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)afterId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(first, 1, 1_000) });
        return await ReadAsync(cmd, withSize: true, ct);
    }

    /// <summary>Whole entries (bytes included) by id, or all waiting for a replay when <paramref name="ids"/> is null (at most <paramref name="limit"/>).</summary>
    public async Task<IReadOnlyList<QuarantineEntry>> GetAsync(IReadOnlyList<long>? ids, int limit = 10_000, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT id, quarantined_at, captured_at, kind, target_table, node, hep, row_json, sqlstate, error, attempts, replayed_at
            FROM quarantine
            WHERE ($1::bigint[] IS NULL AND replayed_at IS NULL) OR id = ANY($1)
            ORDER BY id
            LIMIT $2
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)ids?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit });
        return await ReadAsync(cmd, withSize: false, ct);
    }

    /// <summary>The entry was stored by a replay.</summary>
    public async Task MarkReplayedAsync(long id, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE quarantine SET replayed_at = now(), attempts = attempts + 1 WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A replay was refused again: the new error replaces the old one.</summary>
    public async Task RecordFailureAsync(long id, string sqlState, string error, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE quarantine SET sqlstate = $2, error = $3, attempts = attempts + 1 WHERE id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Clean(sqlState, 16) });
        cmd.Parameters.Add(new NpgsqlParameter { Value = Clean(error, MaxText) });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<IReadOnlyList<QuarantineEntry>> ReadAsync(NpgsqlCommand cmd, bool withSize, CancellationToken ct)
    {
        var entries = new List<QuarantineEntry>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new QuarantineEntry
            {
                Id = reader.GetInt64(0),
                QuarantinedAt = reader.GetFieldValue<DateTimeOffset>(1),
                CapturedAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                Kind = reader.GetString(3),
                Table = reader.GetString(4),
                Node = reader.IsDBNull(5) ? null : reader.GetString(5),
                Hep = reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6),
                RowJson = reader.IsDBNull(7) ? null : reader.GetString(7),
                SqlState = reader.GetString(8),
                Error = reader.GetString(9),
                Attempts = reader.GetInt32(10),
                ReplayedAt = reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                ListedSize = withSize ? reader.GetInt32(12) : null,
            });
        }
        return entries;
    }

    private static string Clean(string value, int max)
    {
        var text = value.Length > max ? value[..max] : value;
        return text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
    }

    private static string? CleanOrNull(string? value, int max) => value is null ? null : Clean(value, max);
}

/// <summary>What a replay of quarantine entries did: entries stored (marked replayed) and entries refused again (their error updated).</summary>
public sealed record QuarantineReplayResult(int Replayed, int Failed, IReadOnlyList<QuarantineReplayFailure> Failures);

public sealed record QuarantineReplayFailure(long Id, string SqlState, string Error);

/// <summary>Re-submits quarantined rows through the normal write path (implemented where the decoder and the dialogs are).</summary>
public interface IQuarantineReplayer
{
    /// <summary>The entries named, or every entry not replayed yet when <paramref name="ids"/> is null.</summary>
    Task<QuarantineReplayResult> ReplayAsync(IReadOnlyList<long>? ids, CancellationToken ct = default);
}
