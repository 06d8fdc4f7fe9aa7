using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage.Alarms;

/// <summary>An alarm rule as stored; <see cref="Parameters"/> is a JSON object of type-specific settings.</summary>
public sealed record AlarmRuleRow
{
    public long Id { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public bool Enabled { get; init; } = true;
    public string Severity { get; init; } = "WARNING";
    public double? Threshold { get; init; }
    public int WindowSeconds { get; init; } = 60;
    public int? MinCount { get; init; }
    public int CooldownSeconds { get; init; } = 300;
    public string? Scope { get; init; }
    public string Parameters { get; init; } = "{}";
    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed record AlarmRow
{
    public long Id { get; init; }
    public required long RuleId { get; init; }
    public required string RuleType { get; init; }
    public required string Severity { get; init; }
    public string State { get; init; } = AlarmStates.Active;
    /// <summary>What the alarm is about within its rule (a source address, a host, or "*" for the rule's whole scope).</summary>
    public required string Key { get; init; }
    public required string Scope { get; init; }
    public required string Message { get; init; }
    public long Count { get; init; }
    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    public IReadOnlyList<string> ExampleCallIds { get; init; } = [];
    public string? AcknowledgedBy { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
}

public static class AlarmStates
{
    public const string Active = "ACTIVE";
    public const string Acknowledged = "ACKNOWLEDGED";
    public const string Resolved = "RESOLVED";
}

public sealed record AlarmFilter(string? State = null, string? RuleType = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 500);

/// <summary>Alarm rules and alarms in PostgreSQL: the alarm engine writes, the API reads, acknowledges and edits rules.</summary>
public sealed class AlarmStore(NpgsqlDataSource dataSource)
{
    private const string RuleColumns = "id, name, type, enabled, severity, threshold, window_seconds, min_count, cooldown_seconds, scope, parameters::text, updated_at";
    private const string AlarmColumns = """
        id, rule_id, rule_type, severity, state, alarm_key, scope, message, count, first_seen, last_seen, example_call_ids,
        acknowledged_by, acknowledged_at, resolved_at
        """;

    // ---------------------------------------------------------------- rules

    public async Task<IReadOnlyList<AlarmRuleRow>> ListRulesAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {RuleColumns} FROM alarm_rules ORDER BY id");
        return await ReadRules(cmd, ct);
    }

    /// <summary>Inserts the configured default rules when the table has none (first start of a cluster).</summary>
    public async Task<int> SeedDefaultsAsync(IEnumerable<AlarmRuleRow> defaults, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Two nodes starting together must not both seed.
        await using (var lockCmd = new NpgsqlCommand("LOCK TABLE alarm_rules IN EXCLUSIVE MODE", connection, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);
        await using (var any = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM alarm_rules)", connection, tx))
            if ((bool)(await any.ExecuteScalarAsync(ct))!)
                return 0;
        var n = 0;
        foreach (var rule in defaults)
        {
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO alarm_rules (name, type, enabled, severity, threshold, window_seconds, min_count, cooldown_seconds, scope, parameters)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
                """, connection, tx);
            AddRuleParameters(cmd, rule);
            n += await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return n;
    }

    public async Task<AlarmRuleRow> CreateRuleAsync(AlarmRuleRow rule, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            INSERT INTO alarm_rules (name, type, enabled, severity, threshold, window_seconds, min_count, cooldown_seconds, scope, parameters)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
            RETURNING {RuleColumns}
            """);
        AddRuleParameters(cmd, rule);
        return (await ReadRules(cmd, ct))[0];
    }

    public async Task<AlarmRuleRow?> UpdateRuleAsync(long id, AlarmRuleRow rule, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            UPDATE alarm_rules SET name = $1, type = $2, enabled = $3, severity = $4, threshold = $5, window_seconds = $6,
                min_count = $7, cooldown_seconds = $8, scope = $9, parameters = $10::jsonb, updated_at = now()
            WHERE id = $11
            RETURNING {RuleColumns}
            """);
        AddRuleParameters(cmd, rule);
        cmd.Parameters.AddWithValue(id);
        return (await ReadRules(cmd, ct)).FirstOrDefault();
    }

    public async Task<bool> DeleteRuleAsync(long id, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM alarm_rules WHERE id = $1");
        cmd.Parameters.AddWithValue(id);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private static void AddRuleParameters(NpgsqlCommand cmd, AlarmRuleRow rule)
    {
        cmd.Parameters.AddWithValue(rule.Name);
        cmd.Parameters.AddWithValue(rule.Type);
        cmd.Parameters.AddWithValue(rule.Enabled);
        cmd.Parameters.AddWithValue(rule.Severity);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)rule.Threshold ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        cmd.Parameters.AddWithValue(rule.WindowSeconds);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)rule.MinCount ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.AddWithValue(rule.CooldownSeconds);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)rule.Scope ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.AddWithValue(string.IsNullOrWhiteSpace(rule.Parameters) ? "{}" : rule.Parameters);
    }

    private static async Task<IReadOnlyList<AlarmRuleRow>> ReadRules(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<AlarmRuleRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new AlarmRuleRow
            {
                Id = r.GetInt64(0),
                Name = r.GetString(1),
                Type = r.GetString(2),
                Enabled = r.GetBoolean(3),
                Severity = r.GetString(4),
                Threshold = r.IsDBNull(5) ? null : r.GetDouble(5),
                WindowSeconds = r.GetInt32(6),
                MinCount = r.IsDBNull(7) ? null : r.GetInt32(7),
                CooldownSeconds = r.GetInt32(8),
                Scope = r.IsDBNull(9) ? null : r.GetString(9),
                Parameters = r.GetString(10),
                UpdatedAt = r.GetFieldValue<DateTimeOffset>(11),
            });
        return list;
    }

    // ---------------------------------------------------------------- alarms

    public async Task<IReadOnlyList<AlarmRow>> ListAlarmsAsync(AlarmFilter filter, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            SELECT {AlarmColumns} FROM alarms
            WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR rule_type = $2)
              AND ($3::timestamptz IS NULL OR last_seen >= $3) AND ($4::timestamptz IS NULL OR first_seen <= $4)
            ORDER BY last_seen DESC, id DESC
            LIMIT $5
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.State ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.RuleType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.From?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)filter.To?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.AddWithValue(filter.Limit);
        return await ReadAlarms(cmd, ct);
    }

    /// <summary>Alarms not yet resolved: what a (re)starting alarm engine carries on with.</summary>
    public Task<IReadOnlyList<AlarmRow>> OpenAlarmsAsync(CancellationToken ct = default) =>
        QueryAlarms($"SELECT {AlarmColumns} FROM alarms WHERE state <> 'RESOLVED' ORDER BY id", ct);

    public async Task<AlarmRow?> GetAlarmAsync(long id, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {AlarmColumns} FROM alarms WHERE id = $1");
        cmd.Parameters.AddWithValue(id);
        return (await ReadAlarms(cmd, ct)).FirstOrDefault();
    }

    /// <summary>
    /// Writes an open alarm: inserts it, or (same rule and key still open, e.g. raised by an engine that ran elsewhere
    /// before) updates that one. Never touches state: acknowledging is the user's, resolving is <see cref="ResolveAsync"/>.
    /// </summary>
    public async Task<(AlarmRow Row, bool Inserted)> UpsertOpenAsync(AlarmRow alarm, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            INSERT INTO alarms (rule_id, rule_type, severity, state, alarm_key, scope, message, count, first_seen, last_seen, example_call_ids)
            VALUES ($1, $2, $3, 'ACTIVE', $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (rule_id, alarm_key) WHERE state <> 'RESOLVED' DO UPDATE SET
                severity = EXCLUDED.severity, message = EXCLUDED.message, count = greatest(alarms.count, EXCLUDED.count),
                last_seen = greatest(alarms.last_seen, EXCLUDED.last_seen), example_call_ids = EXCLUDED.example_call_ids
            RETURNING {AlarmColumns}, xmax = 0
            """);
        cmd.Parameters.AddWithValue(alarm.RuleId);
        cmd.Parameters.AddWithValue(alarm.RuleType);
        cmd.Parameters.AddWithValue(alarm.Severity);
        cmd.Parameters.AddWithValue(alarm.Key);
        cmd.Parameters.AddWithValue(alarm.Scope);
        cmd.Parameters.AddWithValue(alarm.Message);
        cmd.Parameters.AddWithValue(alarm.Count);
        cmd.Parameters.AddWithValue(alarm.FirstSeen.UtcDateTime);
        cmd.Parameters.AddWithValue(alarm.LastSeen.UtcDateTime);
        cmd.Parameters.Add(new NpgsqlParameter { Value = alarm.ExampleCallIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (ReadAlarm(r), r.GetBoolean(15));
    }

    /// <summary>Resolves the open alarm of a rule and key (with its final count and examples); null when none is open.</summary>
    public async Task<AlarmRow?> ResolveAsync(AlarmRow alarm, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            UPDATE alarms SET state = 'RESOLVED', resolved_at = $3, count = greatest(count, $4), last_seen = greatest(last_seen, $5),
                example_call_ids = $6
            WHERE rule_id = $1 AND alarm_key = $2 AND state <> 'RESOLVED' RETURNING {AlarmColumns}
            """);
        cmd.Parameters.AddWithValue(alarm.RuleId);
        cmd.Parameters.AddWithValue(alarm.Key);
        cmd.Parameters.AddWithValue(at.UtcDateTime);
        cmd.Parameters.AddWithValue(alarm.Count);
        cmd.Parameters.AddWithValue(alarm.LastSeen.UtcDateTime);
        cmd.Parameters.Add(new NpgsqlParameter { Value = alarm.ExampleCallIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return (await ReadAlarms(cmd, ct)).FirstOrDefault();
    }

    /// <summary>Acknowledges an active alarm; null when there is no such alarm. An already acknowledged or resolved one is returned as is.</summary>
    public async Task<AlarmRow?> AcknowledgeAsync(long id, string user, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            UPDATE alarms SET state = 'ACKNOWLEDGED', acknowledged_by = $2, acknowledged_at = now()
            WHERE id = $1 AND state = 'ACTIVE' RETURNING {AlarmColumns}
            """);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(user);
        return (await ReadAlarms(cmd, ct)).FirstOrDefault() ?? await GetAlarmAsync(id, ct);
    }

    public async Task<long> DeleteResolvedBeforeAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM alarms WHERE state = 'RESOLVED' AND resolved_at < $1");
        cmd.Parameters.AddWithValue(before.UtcDateTime);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<AlarmRow>> QueryAlarms(string sql, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        return await ReadAlarms(cmd, ct);
    }

    private static async Task<IReadOnlyList<AlarmRow>> ReadAlarms(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<AlarmRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(ReadAlarm(r));
        return list;
    }

    private static AlarmRow ReadAlarm(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0),
        RuleId = r.GetInt64(1),
        RuleType = r.GetString(2),
        Severity = r.GetString(3),
        State = r.GetString(4),
        Key = r.GetString(5),
        Scope = r.GetString(6),
        Message = r.GetString(7),
        Count = r.GetInt64(8),
        FirstSeen = r.GetFieldValue<DateTimeOffset>(9),
        LastSeen = r.GetFieldValue<DateTimeOffset>(10),
        ExampleCallIds = r.GetFieldValue<string[]>(11),
        AcknowledgedBy = r.IsDBNull(12) ? null : r.GetString(12),
        AcknowledgedAt = r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13),
        ResolvedAt = r.IsDBNull(14) ? null : r.GetFieldValue<DateTimeOffset>(14),
    };
}
