using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homer.Storage;

/// <summary>
/// A configured header field (HOMER 7's "header mapping"): at ingest, the value of <see cref="Header"/> (first
/// occurrence), or the <see cref="Part"/> of it, is stored under <see cref="Name"/> in the message's <c>fields</c>
/// column, which a partial GIN index answers for exact values.
/// </summary>
/// <param name="Name">The field's name in searches: lower case letters, digits, '-' and '_' (e.g. <c>pai_user</c>).</param>
/// <param name="Header">The SIP header, any case, compact forms allowed (<c>P-Asserted-Identity</c>, <c>X-CID</c>).</param>
/// <param name="Part">
/// Null or empty for the whole value; <c>user</c> or <c>host</c> of the value's URI; <c>param:NAME</c> for a parameter
/// of the header or of its URI (<c>param:tgrp</c>); <c>regex:PATTERN</c> for the first group of a .NET regular
/// expression (or the whole match when it has no group).
/// </param>
public sealed record HeaderFieldRule(string Name, string Header, string? Part = null)
{
    public const int MaxValueLength = 1024;
    public const int MaxRules = 32;

    /// <summary>The field name in its stored form (lower case), or null when it is not a valid name.</summary>
    public static string? NormalizeName(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        return n.Length is > 0 and <= 64 && n.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? n : null;
    }

    /// <summary>The rule with its name normalised; throws <see cref="MessageFilterException"/> saying what is wrong.</summary>
    public HeaderFieldRule Validated()
    {
        var name = NormalizeName(Name) ?? throw new MessageFilterException($"name: '{Name}' is not a field name (letters, digits, '-' and '_', at most 64)");
        if (!SipHeaderNames.IsToken(Header.Trim()))
            throw new MessageFilterException($"header: '{Header}' is not a SIP header name");
        var part = string.IsNullOrWhiteSpace(Part) ? null : Part.Trim();
        if (part is not null && part is not ("user" or "host") && !part.StartsWith("param:", StringComparison.Ordinal) && !part.StartsWith("regex:", StringComparison.Ordinal))
            throw new MessageFilterException($"part: '{Part}' is not one of user, host, param:NAME, regex:PATTERN");
        if (part is not null && part.StartsWith("param:", StringComparison.Ordinal) && !SipHeaderNames.IsToken(part[6..]))
            throw new MessageFilterException($"part: '{Part}' does not name a parameter");
        if (part is not null && part.StartsWith("regex:", StringComparison.Ordinal))
        {
            try
            {
                _ = new Regex(part[6..], RegexOptions.None, TimeSpan.FromMilliseconds(5));
            }
            catch (ArgumentException e)
            {
                throw new MessageFilterException($"part: the regular expression is not valid: {e.Message}");
            }
        }
        return new HeaderFieldRule(name, SipHeaderNames.Full(Header), part);
    }
}

/// <summary>
/// The configured fields compiled for ingest: <see cref="Extract"/> runs on the decode workers for each SIP message
/// while at least one field is configured. Immutable; a change builds a new set.
/// </summary>
public sealed class HeaderFieldSet
{
    // A regular expression from configuration must not stall a decode worker on a pathological payload. The
    // non-backtracking engine runs in time linear in the value, so it needs no budget: a budget is wall-clock time,
    // and a worker descheduled or paused by a collection mid-match loses the field on a busy machine (the likely
    // cause of a fields test that failed once under CI load). Patterns that engine cannot run (backreferences,
    // lookarounds, atomic groups) keep the backtracking engine with a budget.
    private static readonly TimeSpan RegexBudget = TimeSpan.FromMilliseconds(2);

    private static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, RegexBudget);
        }
    }

    private readonly (HeaderFieldRule Rule, Regex? Regex)[] _rules;

    public HeaderFieldSet(IEnumerable<HeaderFieldRule> rules)
    {
        _rules = rules.Select(r => r.Validated())
            .Select(r => (r, r.Part is { } p && p.StartsWith("regex:", StringComparison.Ordinal)
                ? Compile(p[6..])
                : null))
            .ToArray();
    }

    public IReadOnlyList<HeaderFieldRule> Rules => _rules.Select(r => r.Rule).ToList();

    /// <summary>The fields found in a SIP payload as a JSON object in UTF-8, or null when none of them is there.</summary>
    public byte[]? Extract(ReadOnlySpan<byte> payload)
    {
        ArrayBufferWriter<byte>? buffer = null;
        Utf8JsonWriter? json = null;
        foreach (var (rule, regex) in _rules)
        {
            var values = SipHeaderNames.Values(payload, rule.Header);
            if (values.Count == 0)
                continue;
            var value = Part(values[0], rule.Part, regex);
            if (string.IsNullOrEmpty(value))
                continue;
            if (value.Length > HeaderFieldRule.MaxValueLength)
                value = value[..HeaderFieldRule.MaxValueLength];
            if (json is null)
            {
                buffer = new ArrayBufferWriter<byte>(128);
                json = new Utf8JsonWriter(buffer);
                json.WriteStartObject();
            }
            json.WriteString(rule.Name, StorableText.Clean(value));
        }
        if (json is null)
            return null;
        json.WriteEndObject();
        json.Flush();
        return buffer!.WrittenSpan.ToArray();
    }

    /// <summary>The asked part of one header value; null when it is not there.</summary>
    public static string? Part(string value, string? part, Regex? regex = null)
    {
        if (part is null)
            return value;
        if (part.StartsWith("regex:", StringComparison.Ordinal))
        {
            regex ??= Compile(part[6..]);
            try
            {
                var m = regex.Match(value);
                return !m.Success ? null : m.Groups.Count > 1 ? (m.Groups[1].Success ? m.Groups[1].Value : null) : m.Value;
            }
            catch (RegexMatchTimeoutException)
            {
                return null;
            }
        }
        // The URI: inside <...> when there is a name-addr, else the value up to its header parameters.
        var lt = value.IndexOf('<', StringComparison.Ordinal);
        var gt = lt >= 0 ? value.IndexOf('>', lt + 1) : -1;
        var uri = lt >= 0 && gt > lt ? value[(lt + 1)..gt] : value.Split(';', 2)[0].Trim();
        if (part.StartsWith("param:", StringComparison.Ordinal))
        {
            var name = part[6..];
            var rest = lt >= 0 && gt > lt ? uri + ";" + value[(gt + 1)..] : value;
            foreach (var p in rest.Split(';').Skip(1))
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                var key = (eq < 0 ? p : p[..eq]).Trim();
                if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
                    return eq < 0 ? key : p[(eq + 1)..].Trim().Trim('"').Split('>', '?')[0];
            }
            return null;
        }
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? uri[..colon].ToLowerInvariant() : "";
        if (scheme is not ("sip" or "sips" or "tel"))
            return null;
        var body = uri[(colon + 1)..];
        if (scheme == "tel")
            return part == "user" ? body.Split(';', 2)[0] : null;
        var at = body.IndexOf('@', StringComparison.Ordinal);
        if (part == "user")
            return at > 0 ? body[..at].Split(';', 2)[0] : null;
        var host = (at >= 0 ? body[(at + 1)..] : body).Split(';', '?')[0];
        // IPv6 references keep their brackets; a port goes.
        return host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
    }
}

/// <summary>
/// The configured fields in force on this node. Ingest reads <see cref="Current"/> per decode batch (null when no field
/// is configured, so nothing is extracted and nothing more is written); <see cref="HeaderFieldLoader"/> replaces it when
/// the table changes, so a field added by the admin mutation applies to new messages without a restart.
/// </summary>
public sealed class HeaderFieldRegistry
{
    private volatile HeaderFieldSet? _current;

    public HeaderFieldSet? Current => _current;

    /// <summary>Rules from configuration (appsettings / HOMER_HEADER_FIELDS); they stay when the table has none of the same name.</summary>
    public IReadOnlyList<HeaderFieldRule> Configured { get; init; } = [];

    public void Set(IReadOnlyList<HeaderFieldRule> rules) => _current = rules.Count == 0 ? null : new HeaderFieldSet(rules);

    /// <summary>Parses <c>name=Header[:part]</c> entries separated by commas or semicolons at top level (HOMER_HEADER_FIELDS).</summary>
    public static IReadOnlyList<HeaderFieldRule> ParseSetting(string? setting)
    {
        var rules = new List<HeaderFieldRule>();
        foreach (var entry in (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new FormatException($"HOMER_HEADER_FIELDS: '{entry}' is not name=Header or name=Header:part");
            var rest = entry[(eq + 1)..];
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            rules.Add(new HeaderFieldRule(entry[..eq], colon < 0 ? rest : rest[..colon], colon < 0 ? null : rest[(colon + 1)..]).Validated());
        }
        return rules;
    }
}

/// <summary>The <c>header_fields</c> table: fields declared by admins through the API (migration 12).</summary>
public sealed class HeaderFieldStore(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<HeaderFieldRule>> ListAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT name, header, part FROM header_fields ORDER BY name");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rules = new List<HeaderFieldRule>();
        while (await reader.ReadAsync(ct))
            rules.Add(new HeaderFieldRule(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return rules;
    }

    /// <summary>Declares or redefines a field; returns it as stored.</summary>
    public async Task<HeaderFieldRule> UpsertAsync(HeaderFieldRule rule, string? by, CancellationToken ct = default)
    {
        var r = rule.Validated();
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO header_fields (name, header, part, updated_by) VALUES ($1, $2, $3, $4)
            ON CONFLICT (name) DO UPDATE SET header = excluded.header, part = excluded.part, updated_by = excluded.updated_by, updated_at = now()
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = r.Name });
        cmd.Parameters.Add(new NpgsqlParameter { Value = r.Header });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)r.Part ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)by ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
        return r;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM header_fields WHERE name = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = HeaderFieldRule.NormalizeName(name) ?? name });
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>The configured rules merged with the table's; the table wins for a name both define.</summary>
    public static IReadOnlyList<HeaderFieldRule> Merge(IReadOnlyList<HeaderFieldRule> configured, IReadOnlyList<HeaderFieldRule> stored)
    {
        var byName = configured.Select(r => r.Validated()).ToDictionary(r => r.Name);
        foreach (var r in stored)
            byName[r.Name] = r.Validated();
        return byName.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Take(HeaderFieldRule.MaxRules).ToList();
    }
}

/// <summary>
/// Keeps a node's <see cref="HeaderFieldRegistry"/> in step with configuration and the <c>header_fields</c> table:
/// every ingest node polls the (tiny) table, so a field declared on any node applies everywhere within
/// <see cref="Interval"/>, with no message between nodes to lose.
/// </summary>
public sealed class HeaderFieldLoader(HeaderFieldStore store, HeaderFieldRegistry registry)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private string _last = "";

    /// <summary>Reads the table and replaces the registry's set when the rules changed; true when they did.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct = default)
    {
        var rules = Merge(await store.ListAsync(ct));
        var key = string.Join("\n", rules.Select(r => $"{r.Name}\t{r.Header}\t{r.Part}"));
        if (key == _last && (registry.Current is not null || rules.Count == 0))
            return false;
        registry.Set(rules);
        _last = key;
        return true;
    }

    public IEnumerable<string> Describe() =>
        (registry.Current?.Rules ?? []).Select(r => r.Part is null ? $"{r.Name}={r.Header}" : $"{r.Name}={r.Header}:{r.Part}");

    private IReadOnlyList<HeaderFieldRule> Merge(IReadOnlyList<HeaderFieldRule> stored) => HeaderFieldStore.Merge(registry.Configured, stored);
}

/// <summary>Runs <see cref="HeaderFieldLoader.RefreshAsync"/> at start and every <see cref="HeaderFieldLoader.Interval"/>.</summary>
public sealed class HeaderFieldRefreshService(HeaderFieldLoader loader, ILogger<HeaderFieldRefreshService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await loader.RefreshAsync(stoppingToken))
                    logger.LogInformation("Header fields extracted at ingest: [{Fields}]", string.Join(", ", loader.Describe()));
                failing = false;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or MessageFilterException)
            {
                // PostgreSQL away, or a row no longer valid: the fields in force stay; say it once per outage.
                if (!failing)
                    logger.LogWarning(e, "Could not read the configured header fields; the ones in force stay");
                failing = true;
            }
            try
            {
                await Task.Delay(HeaderFieldLoader.Interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>JSON of stored <c>fields</c> values, for the API.</summary>
public static class HeaderFieldJson
{
    public static IReadOnlyDictionary<string, string> Parse(string? json) =>
        string.IsNullOrEmpty(json) ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
}
