using System.Net;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage.Agents;

/// <summary>What an agent says about itself in one announcement (<c>POST /api/agent/announce</c>).</summary>
/// <param name="Inputs">JSON array of its inputs (name, interface or pcap, filter, plan, counters).</param>
/// <param name="Counters">JSON object of its totals (packets, sipMessages, hepSent, dropped, buffered).</param>
/// <param name="AppliedVersion">The last desired version it tried; <paramref name="ApplyError"/> says why it failed, null when applied.</param>
public sealed record AgentAnnouncement(
    string Name, string? Version, string? Host, IPAddress? Address, string Inputs, string Counters, string[] Problems,
    int IntervalSeconds, long AppliedVersion, string? ApplyError);

/// <summary>A plan change an admin asked for; the agent fetches it when its applied version is behind.</summary>
/// <param name="Rules">JSON array of capture-plan rules (the syntax of the agent's configuration file), or null to keep the agent's own.</param>
/// <param name="Input">The input it is for; null for every input of the agent.</param>
public sealed record AgentDesired(long Version, string? Filter, string? Rules, string? Input, string? By, DateTimeOffset? At);

public sealed record AgentRow(
    string Name, string? Version, string? Host, IPAddress? Address, string Inputs, string Counters, string[] Problems,
    int IntervalSeconds, long AppliedVersion, string? ApplyError, AgentDesired Desired,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool Stale)
{
    /// <summary>error: the last change failed or the agent reports a problem; stale: not heard for 3 intervals; else ok.</summary>
    public string Health => ApplyError is not null || Problems.Length > 0 ? "error" : Stale ? "stale" : "ok";

    /// <summary>The agent runs what was last asked (it tried the desired version and it worked).</summary>
    public bool Confirmed => AppliedVersion == Desired.Version && ApplyError is null;
}

/// <summary>The <c>agents</c> and <c>agent_tokens</c> tables (migration 400).</summary>
public sealed class AgentStore(NpgsqlDataSource dataSource)
{
    // Stale is judged by the database clock, the one that stamped last_seen, so node clocks do not matter.
    private const string Columns = """
        name, version, host, address, inputs::text, counters::text, problems, interval_seconds, applied_version, apply_error,
        desired_version, desired_filter, desired_rules::text, desired_input, desired_by, desired_at, first_seen, last_seen,
        now() - last_seen > make_interval(secs => interval_seconds * 3)
        """;

    /// <summary>Records an announcement (creating the agent on its first) and returns the version the agent should run.</summary>
    public async Task<long> AnnounceAsync(AgentAnnouncement a, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO agents (name, version, host, address, inputs, counters, problems, interval_seconds, applied_version, apply_error)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10)
            ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, host = EXCLUDED.host, address = EXCLUDED.address,
                inputs = EXCLUDED.inputs, counters = EXCLUDED.counters, problems = EXCLUDED.problems,
                interval_seconds = EXCLUDED.interval_seconds, applied_version = EXCLUDED.applied_version,
                apply_error = EXCLUDED.apply_error, last_seen = now()
            RETURNING desired_version
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = a.Name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)a.Version ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)a.Host ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)a.Address ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Inet });
        cmd.Parameters.Add(new NpgsqlParameter { Value = a.Inputs, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = a.Counters, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = a.Problems, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = a.IntervalSeconds, NpgsqlDbType = NpgsqlDbType.Integer });
        cmd.Parameters.Add(new NpgsqlParameter { Value = a.AppliedVersion, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)a.ApplyError ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task<IReadOnlyList<AgentRow>> ListAsync(CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM agents ORDER BY name");
        var rows = new List<AgentRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(Read(reader));
        return rows;
    }

    public async Task<AgentRow?> GetAsync(string name, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM agents WHERE name = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = name, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>
    /// Asks for a new filter and/or plan (null leaves that part as it was asked before) under a new version. Null when
    /// the agent never announced itself: there is nobody to send it to.
    /// </summary>
    public async Task<AgentRow?> SetDesiredAsync(string name, string? filter, string? rules, string? input, bool setInput, string by,
        CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"""
            UPDATE agents SET desired_version = desired_version + 1,
                desired_filter = coalesce($2, desired_filter), desired_rules = coalesce($3::jsonb, desired_rules),
                desired_input = CASE WHEN $5 THEN $4 ELSE desired_input END, desired_by = $6, desired_at = now()
            WHERE name = $1
            RETURNING {Columns}
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = name, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)filter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)rules ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)input ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = setInput, NpgsqlDbType = NpgsqlDbType.Boolean });
        cmd.Parameters.Add(new NpgsqlParameter { Value = by, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Forgets an agent (decommissioned); it comes back if it announces again. Its tokens stay until revoked.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("DELETE FROM agents WHERE name = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = name, NpgsqlDbType = NpgsqlDbType.Text });
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task CreateTokenAsync(string agentName, byte[] hash, string by, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("INSERT INTO agent_tokens (agent_name, token_hash, created_by) VALUES ($1, $2, $3)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = agentName, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = hash, NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { Value = by, NpgsqlDbType = NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The agent a token belongs to; null when unknown or revoked.</summary>
    public async Task<string?> FindTokenAsync(byte[] hash, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT agent_name FROM agent_tokens WHERE token_hash = $1 AND revoked_at IS NULL");
        cmd.Parameters.Add(new NpgsqlParameter { Value = hash, NpgsqlDbType = NpgsqlDbType.Bytea });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Revokes every token of an agent; returns how many were live.</summary>
    public async Task<int> RevokeTokensAsync(string agentName, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE agent_tokens SET revoked_at = now() WHERE agent_name = $1 AND revoked_at IS NULL");
        cmd.Parameters.Add(new NpgsqlParameter { Value = agentName, NpgsqlDbType = NpgsqlDbType.Text });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static AgentRow Read(NpgsqlDataReader r) => new(
        r.GetString(0),
        r.IsDBNull(1) ? null : r.GetString(1),
        r.IsDBNull(2) ? null : r.GetString(2),
        r.IsDBNull(3) ? null : r.GetFieldValue<IPAddress>(3),
        r.GetString(4),
        r.GetString(5),
        r.GetFieldValue<string[]>(6),
        r.GetInt32(7),
        r.GetInt64(8),
        r.IsDBNull(9) ? null : r.GetString(9),
        new AgentDesired(
            r.GetInt64(10),
            r.IsDBNull(11) ? null : r.GetString(11),
            r.IsDBNull(12) ? null : r.GetString(12),
            r.IsDBNull(13) ? null : r.GetString(13),
            r.IsDBNull(14) ? null : r.GetString(14),
            r.IsDBNull(15) ? null : r.GetFieldValue<DateTimeOffset>(15)),
        r.GetFieldValue<DateTimeOffset>(16),
        r.GetFieldValue<DateTimeOffset>(17),
        r.GetBoolean(18));
}
