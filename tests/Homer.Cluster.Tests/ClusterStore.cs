using Npgsql;

namespace Homer.Cluster.Tests;

/// <summary>What the cluster tests read back from the shared PostgreSQL: message counts and dialog rows by Call-ID prefix.</summary>
public sealed class ClusterStore(string connectionString)
{
    /// <summary>A count query with the parameter <c>@p</c> bound to "<paramref name="prefix"/>%".</summary>
    public async Task<long> CountAsync(string sql, string prefix)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddWithValue("p", prefix + "%");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public Task<long> MessagesAsync(string prefix) => CountAsync("SELECT count(*) FROM messages WHERE call_id LIKE @p", prefix);

    /// <summary>State, message count and retransmissions of every dialogs-table row whose Call-ID starts with <paramref name="prefix"/>.</summary>
    public async Task<Dictionary<string, (string State, long Messages, long Retransmissions)>> DialogRowsAsync(string prefix)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT call_id, state, message_count, retransmissions FROM dialogs WHERE call_id LIKE @p", connection);
        cmd.Parameters.AddWithValue("p", prefix + "%");
        var rows = new Dictionary<string, (string, long, long)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows[reader.GetString(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
        return rows;
    }

    /// <summary>For a failure report: what the store holds for a Call-ID and which node wrote its row.</summary>
    public string Describe(string callId)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var cmd = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM messages WHERE call_id = @c), (SELECT min(ts)::text FROM messages WHERE call_id = @c),
                   (SELECT node FROM dialogs WHERE call_id = @c)
            """, connection);
        cmd.Parameters.AddWithValue("c", callId);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return $"{reader.GetInt64(0)} stored from {(reader.IsDBNull(1) ? "-" : reader.GetString(1))}, row node {(reader.IsDBNull(2) ? "-" : reader.GetString(2))}";
    }
}

public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every 500 ms; on timeout fails with <paramref name="what"/> and the nodes' log tails.</summary>
    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what, IEnumerable<NodeProcess> logsOf, Func<string>? detail = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(500);
        }
        Assert.Fail($"Timed out after {timeout} waiting for {what}; {detail?.Invoke()}\nlog tails:\n" +
            string.Join("\n----\n", logsOf.Select(n => n.Name + ":\n" + n.Tail())));
    }
}
