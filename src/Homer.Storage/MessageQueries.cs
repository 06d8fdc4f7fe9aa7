using System.Globalization;
using System.Net;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>
/// Filter of the message search. Every part is optional; parts combine with AND, values inside a list with OR.
/// Text patterns: exact unless they contain <c>*</c> (any run of characters) or <c>?</c> (one character), so
/// <c>alice*</c> is a prefix search and <c>*@example.com</c> a suffix one.
/// </summary>
public sealed record MessageFilter
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? CallId { get; init; }
    public IReadOnlyList<string>? CallIds { get; init; }
    public string? CorrelationId { get; init; }
    public IReadOnlyList<string>? Methods { get; init; }
    public IReadOnlyList<int>? StatusCodes { get; init; }
    public string? FromUser { get; init; }
    public string? ToUser { get; init; }
    public string? RuriUser { get; init; }
    public string? FromDomain { get; init; }
    public string? ToDomain { get; init; }
    public string? RuriDomain { get; init; }
    public string? UserAgent { get; init; }
    /// <summary>An address or a CIDR subnet (10.0.0.0/8).</summary>
    public string? SourceIp { get; init; }
    public string? DestinationIp { get; init; }
    /// <summary>Matches the source or the destination.</summary>
    public string? AnyIp { get; init; }
    public int? SourcePort { get; init; }
    public int? DestinationPort { get; init; }
    public int? AnyPort { get; init; }
    public long? CaptureId { get; init; }
    public string? Node { get; init; }
    public IReadOnlyList<int>? ProtocolTypes { get; init; }
    public IReadOnlyList<MessageProfile>? Profiles { get; init; }
    /// <summary>Raw payload contains these bytes (UTF-8), case-sensitive.</summary>
    public string? PayloadContains { get; init; }
    /// <summary>
    /// CSeq as an engineer types it: a number (<c>102</c>), a method (<c>INVITE</c>, any case) or both
    /// (<c>102 INVITE</c>). Replies carry their request's CSeq, so <c>1 INVITE</c> finds the INVITE and its replies.
    /// </summary>
    public string? CSeq { get; init; }
    /// <summary>
    /// Response reason phrase contains this text, case-insensitive (<c>busy</c> finds <c>Busy Here</c>); <c>*</c>
    /// and <c>?</c> are wildcards inside it. Requests have no reason phrase and never match.
    /// </summary>
    public string? Reason { get; init; }
    /// <summary>
    /// The (first, most recent) Diversion header's URI: a user (<c>900</c>, <c>+4930123</c>) matches the user part
    /// of a sip/sips URI or the number of a tel URI; with an <c>@</c> (<c>900@pbx.example.com</c>, scheme optional)
    /// the user and host must both match. Case-insensitive; <c>*</c> and <c>?</c> are wildcards.
    /// </summary>
    public string? Diversion { get; init; }
    /// <summary>
    /// Conditions on any SIP header (<see cref="HeaderCondition"/>), all of which must hold; needs a time range
    /// (<see cref="From"/> and <see cref="To"/>), which bounds the rows the payloads are read from.
    /// </summary>
    public IReadOnlyList<HeaderCondition>? Headers { get; init; }
    /// <summary>Conditions on configured header fields (<see cref="HeaderFieldRule"/>), by field name; all must hold.</summary>
    public IReadOnlyList<HeaderCondition>? Fields { get; init; }
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
    public string? Transport { get; init; }
    public int? Vlan { get; init; }
    public byte IpProtocol { get; init; }
    public string? FromDomain { get; init; }
    public string? ToDomain { get; init; }
    public string? RuriDomain { get; init; }
    public string? FromTag { get; init; }
    public string? ToTag { get; init; }
    public long? CSeqNumber { get; init; }
    public string? CSeqMethod { get; init; }
    public string? HeadersJson { get; init; }
    /// <summary>The configured header fields stored with the message (JSON object), or null.</summary>
    public string? FieldsJson { get; init; }
    /// <summary>With read-time de-duplication: every capture id that saw this message (else just its own).</summary>
    public IReadOnlyList<long> CaptureIds { get; init; } = [];

    /// <summary>The payload as text; SIP is UTF-8 and anything undecodable shows as U+FFFD rather than failing.</summary>
    public string PayloadText => Encoding.UTF8.GetString(Payload);

    /// <summary>Opaque keyset cursor: the next page starts after this message.</summary>
    public string Cursor => MessageCursor.Encode(Timestamp, Id);

    /// <summary>The message as ingest handed it on (what a dialog catching up from the store applies).</summary>
    public CapturedMessage ToCaptured() => new()
    {
        TimestampMicros = (Timestamp - DateTimeOffset.UnixEpoch).Ticks / 10,
        Profile = Profile,
        ProtocolType = ProtocolType,
        IpProtocol = IpProtocol,
        Transport = Transport,
        Vlan = Vlan,
        SourceIp = SourceIp,
        SourcePort = SourcePort,
        DestinationIp = DestinationIp,
        DestinationPort = DestinationPort,
        CaptureId = CaptureId,
        NodeName = NodeName,
        CorrelationId = CorrelationId,
        CallId = CallId,
        Method = Method,
        StatusCode = StatusCode,
        ReasonPhrase = ReasonPhrase,
        RuriUser = RuriUser,
        RuriDomain = RuriDomain,
        FromUser = FromUser,
        FromDomain = FromDomain,
        FromTag = FromTag,
        ToUser = ToUser,
        ToDomain = ToDomain,
        ToTag = ToTag,
        CSeqNumber = CSeqNumber,
        CSeqMethod = CSeqMethod,
        UserAgent = UserAgent,
        ParseError = ParseError,
        HeadersJson = HeadersJson,
        FieldsJsonUtf8 = FieldsJson is null ? null : Encoding.UTF8.GetBytes(FieldsJson),
        Payload = Payload,
    };
}

/// <summary>Keyset pagination position (capture time, id); stable while new messages arrive.</summary>
public static class MessageCursor
{
    public static string Encode(DateTimeOffset ts, long id) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{(ts - DateTimeOffset.UnixEpoch).Ticks / 10}:{id}")));

    public static bool TryDecode(string cursor, out DateTimeOffset ts, out long id)
    {
        ts = default;
        id = 0;
        try
        {
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(cursor)).Split(':');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros)
                || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out id))
                return false;
            ts = DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

public sealed record MessageSearchOptions
{
    public int First { get; init; } = 100;
    /// <summary>Cursor of the last message of the previous page.</summary>
    public string? After { get; init; }
    /// <summary>Newest first instead of oldest first.</summary>
    public bool Descending { get; init; }
    /// <summary>Fold the same payload seen by several agents within <see cref="DeduplicationWindow"/> into one row.</summary>
    public bool Deduplicate { get; init; }
    public TimeSpan DeduplicationWindow { get; init; } = TimeSpan.FromSeconds(2);
}

public sealed record MessagePage(long TotalCount, IReadOnlyList<StoredMessage> Nodes, bool HasNextPage)
{
    /// <summary>
    /// False when counting stopped at a cap (<see cref="HeaderSearchSql.CountCap"/> for header searches): there are at
    /// least <see cref="TotalCount"/> matches.
    /// </summary>
    public bool TotalCountExact { get; init; } = true;

    public string? EndCursor => Nodes.Count == 0 ? null : Nodes[^1].Cursor;
}

/// <summary>A CSeq filter as typed: <c>102 INVITE</c>, <c>102</c> or <c>invite</c>.</summary>
public sealed record CSeqFilter(long? Number, string? Method)
{
    /// <summary>Null for blank text; throws <see cref="MessageFilterException"/> for text that is not a CSeq.</summary>
    public static CSeqFilter? Parse(string? text)
    {
        var parts = (text ?? "").Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            return null;
        static bool IsMethod(string s) => char.IsAsciiLetter(s[0]) && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '!' or '%' or '~' or '+' or '\'');
        static bool IsNumber(string s, out long n) =>
            long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n <= uint.MaxValue;
        if (parts.Length == 1 && IsNumber(parts[0], out var only))
            return new CSeqFilter(only, null);
        if (parts.Length == 1 && IsMethod(parts[0]))
            return new CSeqFilter(null, parts[0].ToUpperInvariant());
        if (parts.Length == 2 && IsNumber(parts[0], out var number) && IsMethod(parts[1]))
            return new CSeqFilter(number, parts[1].ToUpperInvariant());
        throw new MessageFilterException($"cseq: '{text}' is not a CSeq (a number, a method or both, e.g. '102 INVITE')");
    }
}

/// <summary>A filter value the store cannot use, with a message that says which and why.</summary>
public sealed class MessageFilterException(string message) : ArgumentException(message);

/// <summary>Read side of the message store, used by the API: every typed field, keyset pages, an exact total.</summary>
/// <remarks>
/// Planning dominates a lookup without a time range (Call-ID, correlation id): the planner walks every partition of
/// every profile table, 20–70 ms on our machines against about 1 ms of execution. Such searches go through
/// <paramref name="lookupDataSource"/>, whose connections auto-prepare statements and keep generic plans, so a
/// connection plans each shape once. Searches with a time range keep per-value plans (pruned at plan time to the
/// partitions of the range; a generic plan there once scanned a whole day through the ts index).
/// </remarks>
public sealed partial class MessageQueries(NpgsqlDataSource dataSource, NpgsqlDataSource? lookupDataSource = null)
{
    /// <summary>The data source for time-range-less lookups: same server, generic plans, auto-prepared statements.</summary>
    public static NpgsqlDataSource CreateLookupDataSource(string connectionString, TimeSpan statementTimeout = default)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        AddOption(builder, "-c plan_cache_mode=force_generic_plan");
        AddStatementTimeout(builder, statementTimeout);
        builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        builder.ConnectionStringBuilder.AutoPrepareMinUsages = 1;
        builder.Name = "homer-lookup";
        return builder.Build();
    }

    /// <summary>The data source for searches with a time range: the store's, with the searches' statement_timeout.</summary>
    public static NpgsqlDataSource CreateSearchDataSource(string connectionString, TimeSpan statementTimeout)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        AddStatementTimeout(builder, statementTimeout);
        builder.Name = "homer-search";
        return builder.Build();
    }

    private static void AddStatementTimeout(NpgsqlDataSourceBuilder builder, TimeSpan timeout)
    {
        if (timeout > TimeSpan.Zero)
            AddOption(builder, $"-c statement_timeout={(long)timeout.TotalMilliseconds}");
    }

    private static void AddOption(NpgsqlDataSourceBuilder builder, string option)
    {
        var existing = builder.ConnectionStringBuilder.Options;
        builder.ConnectionStringBuilder.Options = string.IsNullOrWhiteSpace(existing) ? option : existing + " " + option;
    }

    public const int MaxPageSize = 10_000;

    internal const string Columns = """
        id, ts, profile, proto_type, method, status, reason, call_id, from_user, to_user, ruri_user, user_agent,
        src_ip, src_port, dst_ip, dst_port, capture_id, node, correlation_id, parse_error, payload,
        transport, vlan, from_domain, to_domain, ruri_domain, from_tag, to_tag, cseq, cseq_method, headers::text, fields::text, ip_proto
        """;

    public Task<MessagePage> SearchAsync(MessageFilter filter, int first, CancellationToken ct = default) =>
        SearchAsync(filter, new MessageSearchOptions { First = first }, ct);

    public async Task<MessagePage> SearchAsync(MessageFilter filter, MessageSearchOptions options, CancellationToken ct = default)
    {
        if (options.First < 0 || options.First > MaxPageSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.First, $"first must be between 0 and {MaxPageSize}");

        var where = new SqlWhere();
        Build(filter, where);
        var lookup = filter is { From: null, To: null } && lookupDataSource is not null;
        await using var connection = await (lookup ? lookupDataSource! : dataSource).OpenConnectionAsync(ct);

        var source = Source(where, options);

        var nodes = new List<StoredMessage>();
        var hasNext = false;
        if (options.First > 0)
        {
            var page = new SqlWhere(where);
            var direction = options.Descending ? "DESC" : "ASC";
            if (options.After is { Length: > 0 } after)
            {
                if (!MessageCursor.TryDecode(after, out var ts, out var id))
                    throw new MessageFilterException($"after: '{after}' is not a cursor this API gave out");
                page.CursorTime = ts;
                var tsParam = page.Add(ts.UtcDateTime, NpgsqlDbType.TimestampTz);
                var idParam = page.Add(id, NpgsqlDbType.Bigint);
                page.Raw($"(ts, id) {(options.Descending ? "<" : ">")} ({tsParam}, {idParam})");
            }
            // A header search reads the range in slices in the page's direction (1 h, then twice as long each time),
            // so a common value fills its page from the first slice; one query over the whole range would filter every
            // payload of the range and sort them, as PostgreSQL cannot tell how many rows a regular expression keeps.
            var slices = filter.Headers is { Count: > 0 } && !options.Deduplicate
                ? HeaderSearchSql.Slices(filter.From!.Value, filter.To!.Value, options.Descending, options.After is { Length: > 0 } ? page.CursorTime : null)
                : [(null, null)];
            foreach (var (lower, upper) in slices)
            {
                var sliced = new SqlWhere(page);
                if (lower is { } lo) sliced.Raw($"ts >= {sliced.Add(lo.UtcDateTime, NpgsqlDbType.TimestampTz)}");
                if (upper is { } hi) sliced.Raw($"ts < {sliced.Add(hi.UtcDateTime, NpgsqlDbType.TimestampTz)}");
                var outer = sliced.Clauses.Count > where.Clauses.Count
                    ? " WHERE " + string.Join(" AND ", sliced.Clauses.Skip(where.Clauses.Count))
                    : "";
                await using var select = new NpgsqlCommand(
                    $"SELECT {Columns}, capture_ids FROM {source}{outer} ORDER BY ts {direction}, id {direction} LIMIT {options.First + 1 - nodes.Count}", connection);
                select.Parameters.AddRange(sliced.Parameters());
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    nodes.Add(Read(reader));
                if (nodes.Count > options.First)
                    break;
            }
            if (nodes.Count > options.First)
            {
                hasNext = true;
                nodes.RemoveAt(nodes.Count - 1);
            }
        }

        // The first page that holds everything is its own exact total (the usual case for a Call-ID); otherwise count.
        // A header search reads payloads: its count stops at a cap, so a common value over a day costs what a page
        // costs, not a regular expression over every matching row of the day.
        long total;
        var exact = true;
        if (options.First > 0 && !hasNext && string.IsNullOrEmpty(options.After))
        {
            total = nodes.Count;
        }
        else
        {
            var capped = filter.Headers is { Count: > 0 };
            await using var count = new NpgsqlCommand(capped
                ? $"SELECT count(*) FROM (SELECT 1 FROM {source} LIMIT {HeaderSearchSql.CountCap + 1}) capped"
                : $"SELECT count(*) FROM {source}", connection);
            count.Parameters.AddRange(where.Parameters());
            total = (long)(await count.ExecuteScalarAsync(ct))!;
            if (capped && total > HeaderSearchSql.CountCap)
            {
                total = HeaderSearchSql.CountCap;
                exact = false;
            }
        }
        return new MessagePage(total, nodes, hasNext) { TotalCountExact = exact };
    }

    /// <summary>The filtered messages as a FROM item, folded by payload when <see cref="MessageSearchOptions.Deduplicate"/>.</summary>
    private static string Source(SqlWhere where, MessageSearchOptions options)
    {
        var window = options.DeduplicationWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        // De-duplication: a row starts a new group unless the same payload was seen within the window before it.
        return options.Deduplicate
            ? $"""
              (SELECT DISTINCT ON (h, grp) *, array_agg(capture_id) OVER (PARTITION BY h, grp) AS capture_ids FROM (
                 SELECT *, sum(starts) OVER (PARTITION BY h ORDER BY ts, id) AS grp FROM (
                   SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY h ORDER BY ts, id) <= interval '{window} seconds' THEN 0 ELSE 1 END AS starts
                   FROM (SELECT *, md5(payload) AS h FROM messages{where.Sql}) hashed) marked) grouped
               ORDER BY h, grp, ts, id) folded
              """
            : $"(SELECT *, ARRAY[capture_id] AS capture_ids FROM messages{where.Sql}) filtered";
    }

    private static void Build(MessageFilter f, SqlWhere w)
    {
        if (f.From is { } from) w.Compare("ts >=", from.UtcDateTime, NpgsqlDbType.TimestampTz);
        if (f.To is { } to) w.Compare("ts <=", to.UtcDateTime, NpgsqlDbType.TimestampTz);
        if (f is { From: { } a, To: { } b } && a > b)
            throw new MessageFilterException("from must not be after to");
        var callIds = new List<string>();
        if (f.CallId is { Length: > 0 } callId) callIds.Add(callId);
        if (f.CallIds is { Count: > 0 } many) callIds.AddRange(many);
        if (callIds.Count > 0) w.AnyOf("call_id", callIds);
        if (f.CorrelationId is { Length: > 0 } cid) w.Compare("correlation_id =", cid, NpgsqlDbType.Text);
        if (f.Methods is { Count: > 0 } methods)
            w.Raw($"method = ANY({w.Add(methods.Select(m => m.ToUpperInvariant()).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)})");
        if (f.StatusCodes is { Count: > 0 } statuses)
            w.Raw($"status = ANY({w.Add(statuses.Select(s => (short)s).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Smallint)})");
        w.Pattern("from_user", f.FromUser);
        w.Pattern("to_user", f.ToUser);
        w.Pattern("ruri_user", f.RuriUser);
        w.Pattern("from_domain", f.FromDomain);
        w.Pattern("to_domain", f.ToDomain);
        w.Pattern("ruri_domain", f.RuriDomain);
        w.Pattern("user_agent", f.UserAgent);
        w.Pattern("node", f.Node);
        if (f.SourceIp is { Length: > 0 } src) w.Raw($"src_ip <<= {w.Add(Inet("sourceIp", src), NpgsqlDbType.Inet)}");
        if (f.DestinationIp is { Length: > 0 } dst) w.Raw($"dst_ip <<= {w.Add(Inet("destinationIp", dst), NpgsqlDbType.Inet)}");
        if (f.AnyIp is { Length: > 0 } any)
        {
            var p = w.Add(Inet("anyIp", any), NpgsqlDbType.Inet);
            w.Raw($"(src_ip <<= {p} OR dst_ip <<= {p})");
        }
        if (f.SourcePort is { } sp) w.Compare("src_port =", sp, NpgsqlDbType.Integer);
        if (f.DestinationPort is { } dp) w.Compare("dst_port =", dp, NpgsqlDbType.Integer);
        if (f.AnyPort is { } ap)
        {
            var p = w.Add(ap, NpgsqlDbType.Integer);
            w.Raw($"(src_port = {p} OR dst_port = {p})");
        }
        if (f.CaptureId is { } capture) w.Compare("capture_id =", capture, NpgsqlDbType.Bigint);
        if (f.ProtocolTypes is { Count: > 0 } types)
            w.Raw($"proto_type = ANY({w.Add(types.Select(t => (short)t).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Smallint)})");
        if (f.Profiles is { Count: > 0 } profiles)
            w.Raw($"profile = ANY({w.Add(profiles.Select(p => (short)p).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Smallint)})");
        if (f.PayloadContains is { Length: > 0 } text)
            w.Raw($"position({w.Add(Encoding.UTF8.GetBytes(text), NpgsqlDbType.Bytea)} in payload) > 0");
        // CSeq, reason and Diversion have no index of their own: they filter the rows that the time range (or the
        // Call-ID, user or address indexes) select, which is how an engineer narrows a search. See docs/architecture.md.
        if (CSeqFilter.Parse(f.CSeq) is { } cseq)
        {
            if (cseq.Number is { } n) w.Compare("cseq =", n, NpgsqlDbType.Bigint);
            if (cseq.Method is { } m) w.Compare("cseq_method =", m, NpgsqlDbType.Text);
        }
        if (f.Reason?.Trim() is { Length: > 0 } reason)
            w.Raw($"reason ILIKE {w.Add("%" + LikeBody(reason) + "%", NpgsqlDbType.Text)}");
        if (f.Diversion?.Trim() is { Length: > 0 } diversion)
            w.Raw($"headers->>'diversion' ~* {w.Add(DiversionPattern(diversion), NpgsqlDbType.Text)}");
        if (f.Headers is { Count: > 0 } headers)
            AddHeaderConditions(f, headers, w);
        if (f.Fields is { Count: > 0 } fields)
            AddFieldConditions(f, fields, w);
    }

    // Any header: a bounded scan of the time range's SIP rows (see HeaderSearchSql for why there is no index).
    private static void AddHeaderConditions(MessageFilter f, IReadOnlyList<HeaderCondition> headers, SqlWhere w)
    {
        if (f.From is null || f.To is null)
            throw new MessageFilterException("headers: a header search needs a time range (from and to)");
        if (headers.Count > HeaderSearchSql.MaxConditions)
            throw new MessageFilterException($"headers: at most {HeaderSearchSql.MaxConditions} conditions");
        w.Raw("proto_type = 1");
        foreach (var h in headers)
        {
            HeaderSearchSql.Validate(h);
            if (HeaderSearchSql.Literal(h) is { } literal)
                w.Raw($"position({w.Add(literal, NpgsqlDbType.Bytea)} in payload) > 0");
            w.Raw($"{HeaderSearchSql.HeaderSectionText} ~ {w.Add(HeaderSearchSql.Regex(h), NpgsqlDbType.Text)}");
        }
    }

    // Configured fields: an exact value is a containment the partial GIN index on `fields` answers; a pattern filters
    // the rows the rest of the filter selects.
    private static void AddFieldConditions(MessageFilter f, IReadOnlyList<HeaderCondition> fields, SqlWhere w)
    {
        foreach (var c in fields)
        {
            var name = HeaderFieldRule.NormalizeName(c.Name);
            if (name is null)
                throw new MessageFilterException($"fields: '{c.Name}' is not a field name (letters, digits, '-' and '_')");
            if (c.Value.IndexOfAny(['*', '?']) < 0)
            {
                var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [name] = StorableText.Clean(c.Value)! });
                w.Raw($"fields @> {w.Add(json, NpgsqlDbType.Jsonb)}");
            }
            else
            {
                if (f.From is null || f.To is null)
                    throw new MessageFilterException($"fields: a pattern on '{name}' needs a time range (from and to); an exact value does not");
                w.Raw($"fields->>{w.Add(name, NpgsqlDbType.Text)} LIKE {w.Add(LikeBody(c.Value), NpgsqlDbType.Text)}");
            }
        }
    }

    /// <summary>The user's text as the body of a LIKE pattern: * and ? become wildcards, LIKE's own characters literal.</summary>
    internal static string LikeBody(string value)
    {
        var like = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            like.Append(c switch
            {
                '*' => "%",
                '?' => "_",
                '%' or '_' or '\\' => "\\" + c,
                _ => c.ToString(),
            });
        }
        return like.ToString();
    }

    /// <summary>
    /// A regular expression over the stored Diversion value (e.g. <c>"Desk" &lt;sip:900@pbx;user=phone&gt;;reason=busy</c>)
    /// that finds the asked user, or user@host, right after the URI scheme and ending where the URI part ends.
    /// </summary>
    public static string DiversionPattern(string value)
    {
        var v = value.Trim().TrimStart('<').TrimEnd('>');
        foreach (var scheme in (string[])["sips:", "sip:", "tel:"])
        {
            if (v.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                v = v[scheme.Length..];
                break;
            }
        }
        var at = v.IndexOf('@', StringComparison.Ordinal);
        if (v.Length == 0 || at == 0 || at == v.Length - 1 || v.AsSpan().IndexOfAny("<>;\" \t") >= 0)
            throw new MessageFilterException($"diversion: '{value}' is not a user or a user@host");
        var body = new StringBuilder("(^|[<\\s\"])(sips?|tel):");
        for (var i = 0; i < v.Length; i++)
        {
            var c = v[i];
            var inUser = at < 0 || i < at;
            body.Append(c switch
            {
                '*' => inUser ? "[^@;>?]*" : "[^;>?:]*",
                '?' => inUser ? "[^@;>?]" : "[^;>?:]",
                _ when c > '\x7f' || char.IsAsciiLetterOrDigit(c) || c is '@' or '-' or '_' or '~' or '%' or '!' or '\'' or ',' or '=' or '/' or '&' => c.ToString(),
                _ => "\\" + c,
            });
        }
        // A bare user ends at the host ('@') or, for tel: URIs and host-less values, at the URI's end; a host ends
        // before its port, parameters, headers or the closing '>'.
        body.Append(at < 0 ? "([@;>?]|$)" : "([:;>?]|$)");
        return body.ToString();
    }

    private static NpgsqlInet Inet(string field, string value)
    {
        try
        {
            return new NpgsqlInet(value);
        }
        catch (FormatException)
        {
            throw new MessageFilterException($"{field}: '{value}' is not an IP address or subnet");
        }
    }

    /// <summary>
    /// The one reader of a stored message row: <see cref="Columns"/> and then the capture ids (an array). The searches,
    /// a call's messages and the dialogs' catch-up (<see cref="DialogHistoryQueries"/>) all read rows with it.
    /// </summary>
    internal static StoredMessage Read(NpgsqlDataReader r) => new(
        Id: r.GetInt64(0),
        Timestamp: new DateTimeOffset(r.GetFieldValue<DateTime>(1), TimeSpan.Zero),
        Profile: (MessageProfile)r.GetInt16(2),
        ProtocolType: (byte)r.GetInt16(3),
        Method: Text(r, 4),
        StatusCode: r.IsDBNull(5) ? null : r.GetInt16(5),
        ReasonPhrase: Text(r, 6),
        CallId: Text(r, 7),
        FromUser: Text(r, 8),
        ToUser: Text(r, 9),
        RuriUser: Text(r, 10),
        UserAgent: Text(r, 11),
        SourceIp: r.GetFieldValue<IPAddress>(12),
        SourcePort: r.GetInt32(13),
        DestinationIp: r.GetFieldValue<IPAddress>(14),
        DestinationPort: r.GetInt32(15),
        CaptureId: r.GetInt64(16),
        NodeName: Text(r, 17),
        CorrelationId: Text(r, 18),
        ParseError: Text(r, 19),
        Payload: r.GetFieldValue<byte[]>(20))
    {
        Transport = Text(r, 21),
        Vlan = r.IsDBNull(22) ? null : r.GetInt32(22),
        FromDomain = Text(r, 23),
        ToDomain = Text(r, 24),
        RuriDomain = Text(r, 25),
        FromTag = Text(r, 26),
        ToTag = Text(r, 27),
        CSeqNumber = r.IsDBNull(28) ? null : r.GetInt64(28),
        CSeqMethod = Text(r, 29),
        HeadersJson = Text(r, 30),
        FieldsJson = Text(r, 31),
        IpProtocol = (byte)r.GetInt16(32),
        CaptureIds = r.GetFieldValue<long[]>(33),
    };

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>WHERE clauses with positional parameters; parameters are rebuilt per command (they cannot be shared).</summary>
    internal sealed class SqlWhere
    {
        private readonly List<(object Value, NpgsqlDbType Type)> _values;

        public List<string> Clauses { get; }

        public SqlWhere() { _values = []; Clauses = []; }

        public SqlWhere(SqlWhere copy) { _values = [.. copy._values]; Clauses = [.. copy.Clauses]; CursorTime = copy.CursorTime; }

        /// <summary>The capture time of the page's <c>after</c> cursor, when there is one.</summary>
        public DateTimeOffset? CursorTime { get; set; }

        public string Sql => Clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", Clauses);

        /// <summary>A parameter; text goes through the store's text rule, so a value typed with a NUL finds what the decoder stored.</summary>
        public string Add(object value, NpgsqlDbType type)
        {
            value = value switch
            {
                string text => StorableText.Clean(text)!,
                string[] texts => texts.Select(t => StorableText.Clean(t)!).ToArray(),
                _ => value,
            };
            _values.Add((value, type));
            return "$" + _values.Count.ToString(CultureInfo.InvariantCulture);
        }

        public void Raw(string clause) => Clauses.Add(clause);

        /// <summary>
        /// <c>column op value</c>; an equality on a column indexed by its prefix (<see cref="IndexedText"/>) names the
        /// prefix too, so the index answers it.
        /// </summary>
        public void Compare(string columnAndOperator, object value, NpgsqlDbType type)
        {
            var parameter = Add(value, type);
            var column = columnAndOperator.EndsWith(" =", StringComparison.Ordinal) ? columnAndOperator[..^2] : null;
            Clauses.Add(column is not null && IndexedText.Columns.Contains(column)
                ? IndexedText.EqualsSql(column, parameter)
                : $"{columnAndOperator} {parameter}");
        }

        /// <summary><c>column = ANY(values)</c>, with the prefixes for a column indexed by its prefix.</summary>
        public void AnyOf(string column, IReadOnlyList<string> values)
        {
            var clean = values.Select(v => StorableText.Clean(v)!).ToArray();
            var all = Add(clean, NpgsqlDbType.Array | NpgsqlDbType.Text);
            Clauses.Add(IndexedText.Columns.Contains(column)
                ? IndexedText.AnySql(column, all, Add(IndexedText.Prefixes(clean), NpgsqlDbType.Array | NpgsqlDbType.Text))
                : $"{column} = ANY({all})");
        }

        /// <summary>Exact match, or LIKE when the value has * or ? (the LIKE metacharacters in it are escaped).</summary>
        public void Pattern(string column, string? value)
        {
            if (string.IsNullOrEmpty(value))
                return;
            if (value.IndexOfAny(['*', '?']) < 0)
            {
                Compare(column + " =", value, NpgsqlDbType.Text);
                return;
            }
            Clauses.Add(LikeClause(column, Add(LikeBody(value), NpgsqlDbType.Text), value));
        }

        // On a column indexed by its prefix, a pattern that starts with literal text also says that the prefix starts
        // with it (at most 256 characters of it), which the index answers as a range; the full pattern then checks the row.
        private string LikeClause(string column, string pattern, string value)
        {
            if (!IndexedText.Columns.Contains(column))
                return $"{column} LIKE {pattern}";
            var wildcard = value.IndexOfAny(['*', '?']);
            var literal = IndexedText.Prefix(StorableText.Clean(value[..wildcard])!);
            if (literal.Length == 0)
                return $"{column} LIKE {pattern}";
            return $"({IndexedText.Of(column)} LIKE {Add(LikeBody(literal) + "%", NpgsqlDbType.Text)} AND {column} LIKE {pattern})";
        }

        /// <summary>Like <see cref="Pattern"/> over several columns, any of which may match.</summary>
        public void PatternAny(IReadOnlyList<string> columns, string? value)
        {
            if (string.IsNullOrEmpty(value))
                return;
            var probe = new SqlWhere();
            probe.Pattern(columns[0], value);
            var (op, parameter) = probe.Clauses[0].StartsWith(columns[0] + " LIKE", StringComparison.Ordinal) ? ("LIKE", probe._values[0]) : ("=", probe._values[0]);
            if (op == "=")
            {
                var p = Add(parameter.Value, parameter.Type);
                Clauses.Add("(" + string.Join(" OR ", columns.Select(c => IndexedText.Columns.Contains(c) ? IndexedText.EqualsSql(c, p) : $"{c} = {p}")) + ")");
                return;
            }
            var like = Add(parameter.Value, parameter.Type);
            Clauses.Add("(" + string.Join(" OR ", columns.Select(c => LikeClause(c, like, value))) + ")");
        }

        public NpgsqlParameter[] Parameters() =>
            _values.Select(v => new NpgsqlParameter { Value = v.Value, NpgsqlDbType = v.Type }).ToArray();
    }
}
