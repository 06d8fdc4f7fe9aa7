using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>
/// Filter of the call and registration search over the <c>dialogs</c> table. Every part is optional and parts combine
/// with AND. User patterns follow <see cref="MessageFilter"/>: exact unless they hold <c>*</c> or <c>?</c>.
/// </summary>
public sealed record DialogFilter
{
    /// <summary>started_at at or after.</summary>
    public DateTimeOffset? From { get; init; }
    /// <summary>started_at at or before.</summary>
    public DateTimeOffset? To { get; init; }
    public string? CallId { get; init; }
    public string? Kind { get; init; }
    public IReadOnlyList<string>? States { get; init; }
    public string? FromUser { get; init; }
    public string? ToUser { get; init; }
    public string? RuriUser { get; init; }
    /// <summary>From, To or R-URI user.</summary>
    public string? AnyUser { get; init; }
    /// <summary>Caller or callee address, or a CIDR subnet.</summary>
    public string? Ip { get; init; }
    public IReadOnlyList<int>? FinalStatus { get; init; }
    public long? MinDurationMs { get; init; }
    public long? MaxDurationMs { get; init; }
    /// <summary>Lowest MOS of the call at or above.</summary>
    public double? MinMos { get; init; }
    /// <summary>Lowest MOS of the call at or below.</summary>
    public double? MaxMos { get; init; }
    public string? Node { get; init; }
}

public sealed record DialogPage(long TotalCount, IReadOnlyList<DialogRow> Nodes, bool HasNextPage)
{
    public string? EndCursor => Nodes.Count == 0 ? null : DialogCursor.Encode(Nodes[^1]);
}

/// <summary>Keyset position in the dialog search: (started_at, call_id), ordered as (started_at, left(call_id, 256), call_id).</summary>
public static class DialogCursor
{
    public static string Encode(DialogRow row) => Encode(row.StartedAt, row.CallId);

    public static string Encode(DateTimeOffset startedAt, string callId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{(startedAt - DateTimeOffset.UnixEpoch).Ticks / 10}:{callId}")));

    public static bool TryDecode(string cursor, out DateTimeOffset startedAt, out string callId)
    {
        startedAt = default;
        callId = "";
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            // Call-IDs may hold colons; the time never does.
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros))
                return false;
            startedAt = DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
            callId = text[(colon + 1)..];
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}

/// <summary>Read side of the <c>dialogs</c> table for the API: search with keyset pages and an exact total, and leg lookups.</summary>
public sealed class DialogSearch(NpgsqlDataSource dataSource)
{
    public const int MaxPageSize = 10_000;

    private static readonly string[] UserColumns = ["from_user", "to_user", "ruri_user"];

    private static readonly string KeysetPrefix = IndexedText.Of("call_id");

    public async Task<DialogPage> SearchAsync(DialogFilter filter, int first, string? after, bool descending, CancellationToken ct = default)
    {
        if (first < 0 || first > MaxPageSize)
            throw new MessageFilterException($"first must be between 0 and {MaxPageSize}, was {first}");
        var where = new MessageQueries.SqlWhere();
        Build(filter, where);

        // Unprepared statements on this data source, so each is planned for its values: a generic plan once walked the
        // whole time index for a selective user (PACKAGES.md).
        await using var connection = await dataSource.OpenConnectionAsync(ct);

        var nodes = new List<DialogRow>();
        var hasNext = false;
        if (first > 0)
        {
            var page = new MessageQueries.SqlWhere(where);
            if (after is { Length: > 0 })
            {
                if (!DialogCursor.TryDecode(after, out var ts, out var callId))
                    throw new MessageFilterException($"after: '{after}' is not a cursor this API gave out");
                var id = page.Add(callId, NpgsqlDbType.Text);
                page.Raw($"(started_at, {KeysetPrefix}, call_id) {(descending ? "<" : ">")} ({page.Add(ts.UtcDateTime, NpgsqlDbType.TimestampTz)}, left({id}, {IndexedText.PrefixLength}), {id})");
            }
            var direction = descending ? "DESC" : "ASC";
            // The keyset index holds (started_at, the Call-ID's prefix); the full Call-ID only orders rows whose
            // prefixes tie, which an incremental sort does on the few it finds.
            await using var select = new NpgsqlCommand(
                $"SELECT {DialogStore.RowColumns} FROM dialogs{page.Sql} ORDER BY started_at {direction}, {KeysetPrefix} {direction}, call_id {direction} LIMIT {first + 1}", connection);
            select.Parameters.AddRange(page.Parameters());
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                nodes.Add(DialogStore.ReadRow(reader));
            if (nodes.Count > first)
            {
                hasNext = true;
                nodes.RemoveAt(nodes.Count - 1);
            }
        }

        long total;
        if (first > 0 && !hasNext && string.IsNullOrEmpty(after))
        {
            total = nodes.Count;
        }
        else
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM dialogs{where.Sql}", connection);
            count.Parameters.AddRange(where.Parameters());
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        return new DialogPage(total, nodes, hasNext);
    }

    /// <summary>
    /// The Call-IDs the dialogs table groups with <paramref name="callIds"/> (same correlation group, or the group's own
    /// Call-ID), the given ones included.
    /// </summary>
    public async Task<IReadOnlyList<string>> GroupedWithAsync(IReadOnlyList<string> callIds, int limit, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            WITH groups AS (SELECT DISTINCT coalesce(correlation_group, call_id) AS g FROM dialogs WHERE {IndexedText.AnySql("call_id", "$1", "$3")})
            SELECT d.call_id FROM dialogs d, groups
            WHERE {IndexedText.EqualsSql("d.correlation_group", "groups.g")} OR {IndexedText.EqualsSql("d.call_id", "groups.g")}
            ORDER BY d.started_at, d.call_id
            LIMIT $2
            """);
        var clean = callIds.Select(c => StorableText.Clean(c)!).ToArray();
        cmd.Parameters.Add(new NpgsqlParameter { Value = clean, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new NpgsqlParameter { Value = IndexedText.Prefixes(clean), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var found = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            found.Add(reader.GetString(0));
        return found;
    }

    /// <summary>The rows of these Call-IDs (those the table has).</summary>
    public async Task<IReadOnlyList<DialogRow>> GetManyAsync(IReadOnlyList<string> callIds, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {DialogStore.RowColumns} FROM dialogs WHERE {IndexedText.AnySql("call_id", "$1", "$2")} ORDER BY started_at, call_id");
        var clean = callIds.Select(c => StorableText.Clean(c)!).ToArray();
        cmd.Parameters.Add(new NpgsqlParameter { Value = clean, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = IndexedText.Prefixes(clean), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var rows = new List<DialogRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(DialogStore.ReadRow(reader));
        return rows;
    }

    private static void Build(DialogFilter f, MessageQueries.SqlWhere w)
    {
        if (f.From is { } from) w.Compare("started_at >=", from.UtcDateTime, NpgsqlDbType.TimestampTz);
        if (f.To is { } to) w.Compare("started_at <=", to.UtcDateTime, NpgsqlDbType.TimestampTz);
        if (f is { From: { } a, To: { } b } && a > b)
            throw new MessageFilterException("from must not be after to");
        if (f.CallId is { Length: > 0 } callId) w.Compare("call_id =", callId, NpgsqlDbType.Text);
        if (f.Kind is { Length: > 0 } kind) w.Compare("kind =", kind.ToUpperInvariant(), NpgsqlDbType.Text);
        if (f.States is { Count: > 0 } states)
            w.Raw($"state = ANY({w.Add(states.Select(s => s.ToUpperInvariant()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)})");
        w.Pattern("from_user", f.FromUser);
        w.Pattern("to_user", f.ToUser);
        w.Pattern("ruri_user", f.RuriUser);
        w.PatternAny(UserColumns, f.AnyUser);
        if (f.Ip is { Length: > 0 } ip)
        {
            NpgsqlInet inet;
            try
            {
                inet = new NpgsqlInet(ip);
            }
            catch (FormatException)
            {
                throw new MessageFilterException($"ip: '{ip}' is not an IP address or subnet");
            }
            var p = w.Add(inet, NpgsqlDbType.Inet);
            w.Raw($"(caller_ip <<= {p} OR callee_ip <<= {p})");
        }
        if (f.FinalStatus is { Count: > 0 } statuses)
            w.Raw($"final_status = ANY({w.Add(statuses.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer)})");
        if (f.MinDurationMs is { } minDuration) w.Compare("duration_ms >=", minDuration, NpgsqlDbType.Bigint);
        if (f.MaxDurationMs is { } maxDuration) w.Compare("duration_ms <=", maxDuration, NpgsqlDbType.Bigint);
        if (f.MinMos is { } minMos) w.Compare("mos_min >=", minMos, NpgsqlDbType.Double);
        if (f.MaxMos is { } maxMos) w.Compare("mos_min <=", maxMos, NpgsqlDbType.Double);
        w.Pattern("node", f.Node);
    }
}
