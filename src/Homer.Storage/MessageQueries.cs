using System.Net;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>Filter of the message search. Every part is optional; parts combine with AND.</summary>
public sealed record MessageFilter
{
    public string? CallId { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
}

public sealed record StoredMessage(
    long Id,
    DateTimeOffset Timestamp,
    MessageProfile Profile,
    byte ProtocolType,
    string? Method,
    int? StatusCode,
    string? ReasonPhrase,
    string? CallId,
    string? FromUser,
    string? ToUser,
    string? RuriUser,
    string? UserAgent,
    IPAddress SourceIp,
    int SourcePort,
    IPAddress DestinationIp,
    int DestinationPort,
    long CaptureId,
    string? NodeName,
    string? CorrelationId,
    string? ParseError,
    byte[] Payload)
{
    /// <summary>The payload as text; SIP is UTF-8 and anything undecodable shows as U+FFFD rather than failing.</summary>
    public string PayloadText => Encoding.UTF8.GetString(Payload);
}

public sealed record MessagePage(long TotalCount, IReadOnlyList<StoredMessage> Nodes);

/// <summary>Read side of the message store, used by the API.</summary>
public sealed class MessageQueries(NpgsqlDataSource dataSource)
{
    public const int MaxPageSize = 10_000;

    private const string SelectColumns = """
        id, ts, profile, proto_type, method, status, reason, call_id, from_user, to_user, ruri_user, user_agent,
        src_ip, src_port, dst_ip, dst_port, capture_id, node, correlation_id, parse_error, payload
        """;

    public async Task<MessagePage> SearchAsync(MessageFilter filter, int first, CancellationToken ct = default)
    {
        if (first < 0 || first > MaxPageSize)
            throw new ArgumentOutOfRangeException(nameof(first), first, $"first must be between 0 and {MaxPageSize}");

        var (where, parameters) = BuildWhere(filter);
        await using var connection = await dataSource.OpenConnectionAsync(ct);

        long total;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM messages{where}", connection))
        {
            count.Parameters.AddRange(parameters().ToArray());
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        var nodes = new List<StoredMessage>(Math.Min(first, (int)Math.Min(total, MaxPageSize)));
        if (first > 0 && total > 0)
        {
            await using var select = new NpgsqlCommand(
                $"SELECT {SelectColumns} FROM messages{where} ORDER BY ts, id LIMIT {first}", connection);
            select.Parameters.AddRange(parameters().ToArray());
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                nodes.Add(Read(reader));
        }
        return new MessagePage(total, nodes);
    }

    private static (string Where, Func<IEnumerable<NpgsqlParameter>> Parameters) BuildWhere(MessageFilter filter)
    {
        var clauses = new List<string>();
        var values = new List<(object Value, NpgsqlDbType Type)>();
        void Add(string clause, object value, NpgsqlDbType type)
        {
            values.Add((value, type));
            clauses.Add(clause.Replace("@", "$" + values.Count));
        }

        if (filter.CallId is { Length: > 0 } callId) Add("call_id = @", callId, NpgsqlDbType.Text);
        if (filter.From is { } from) Add("ts >= @", from.UtcDateTime, NpgsqlDbType.TimestampTz);
        if (filter.To is { } to) Add("ts <= @", to.UtcDateTime, NpgsqlDbType.TimestampTz);

        var where = clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", clauses);
        // Parameters cannot be shared between two commands, so each command gets fresh ones.
        return (where, () => values.Select(v => new NpgsqlParameter { Value = v.Value, NpgsqlDbType = v.Type }));
    }

    private static StoredMessage Read(NpgsqlDataReader r) => new(
        Id: r.GetInt64(0),
        Timestamp: new DateTimeOffset(r.GetFieldValue<DateTime>(1), TimeSpan.Zero),
        Profile: (MessageProfile)r.GetInt16(2),
        ProtocolType: (byte)r.GetInt16(3),
        Method: r.IsDBNull(4) ? null : r.GetString(4),
        StatusCode: r.IsDBNull(5) ? null : r.GetInt16(5),
        ReasonPhrase: r.IsDBNull(6) ? null : r.GetString(6),
        CallId: r.IsDBNull(7) ? null : r.GetString(7),
        FromUser: r.IsDBNull(8) ? null : r.GetString(8),
        ToUser: r.IsDBNull(9) ? null : r.GetString(9),
        RuriUser: r.IsDBNull(10) ? null : r.GetString(10),
        UserAgent: r.IsDBNull(11) ? null : r.GetString(11),
        SourceIp: r.GetFieldValue<IPAddress>(12),
        SourcePort: r.GetInt32(13),
        DestinationIp: r.GetFieldValue<IPAddress>(14),
        DestinationPort: r.GetInt32(15),
        CaptureId: r.GetInt64(16),
        NodeName: r.IsDBNull(17) ? null : r.GetString(17),
        CorrelationId: r.IsDBNull(18) ? null : r.GetString(18),
        ParseError: r.IsDBNull(19) ? null : r.GetString(19),
        Payload: r.GetFieldValue<byte[]>(20));
}
