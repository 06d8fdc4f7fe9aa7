using System.Net;
using System.Text;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>
/// Address searches over a busy hour are answered from the source and destination address indexes (migration 4),
/// not by filtering every row of the range.
/// </summary>
public sealed class MessageAddressIndexTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private const int Rows = 40_000;
    private StoreDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync(T0);
        // One hour of traffic: 4 000 sources (10.9.x.y) towards 1 000 proxies (10.8.x.y), one message every 90 ms.
        await using var fill = _db.DataSource.CreateCommand("""
            INSERT INTO hep_call (ts, proto_type, ip_proto, src_ip, src_port, dst_ip, dst_port, capture_id, call_id, payload)
            SELECT $1 + i * interval '90 ms', 1, 17, ('10.9.' || (i % 4000) / 250 || '.' || (i % 4000) % 250)::inet, 5060,
                   ('10.8.' || (i % 1000) / 250 || '.' || (i % 1000) % 250)::inet, 5060, 1, 'call-' || i, '\x00'::bytea
            FROM generate_series(0, $2 - 1) AS i
            """);
        fill.Parameters.Add(new NpgsqlParameter { Value = T0.UtcDateTime });
        fill.Parameters.Add(new NpgsqlParameter { Value = Rows });
        await fill.ExecuteNonQueryAsync();
        await using var analyze = _db.DataSource.CreateCommand("ANALYZE hep_call");
        await analyze.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Theory]
    [InlineData("src_ip <<= $3", "10.9.3.7/32", new[] { "src_ip_idx" })]
    [InlineData("src_ip <<= $3", "10.9.3.8/29", new[] { "src_ip_idx" })]
    [InlineData("(src_ip <<= $3 OR dst_ip <<= $3)", "10.8.2.42/32", new[] { "src_ip_idx", "dst_ip_idx" })]
    public async Task An_address_search_over_an_hour_reads_the_address_indexes(string condition, string network, string[] indexes)
    {
        await using var explain = _db.DataSource.CreateCommand(
            $"EXPLAIN (COSTS OFF) SELECT id FROM messages WHERE ts >= $1 AND ts <= $2 AND {condition} ORDER BY ts DESC LIMIT 100");
        explain.Parameters.Add(new NpgsqlParameter { Value = T0.UtcDateTime });
        explain.Parameters.Add(new NpgsqlParameter { Value = T0.AddHours(1).UtcDateTime });
        explain.Parameters.Add(new NpgsqlParameter { Value = IPNetwork.Parse(network) });
        var plan = new StringBuilder();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.AppendLine(reader.GetString(0));
        foreach (var index in indexes)
            Assert.True(plan.ToString().Contains(index, StringComparison.Ordinal), plan.ToString());
        Assert.DoesNotContain("Seq Scan on hep_call", plan.ToString());
    }

    [Fact]
    public async Task The_search_finds_exactly_the_rows_of_the_address_on_either_side()
    {
        var queries = new MessageQueries(_db.DataSource, _db.DataSource);
        var hour = new MessageFilter { From = T0, To = T0.AddHours(1) };
        // 10.9.3.7 is source 757 and 10.8.2.42 proxy 542: every 4 000th and every 1 000th row.
        var bySource = await queries.SearchAsync(hour with { SourceIp = "10.9.3.7" }, 100);
        Assert.Equal(Rows / 4000, bySource.Nodes.Count);
        Assert.All(bySource.Nodes, n => Assert.Equal(IPAddress.Parse("10.9.3.7"), n.SourceIp));
        var byEither = await queries.SearchAsync(hour with { AnyIp = "10.8.2.42" }, 1000);
        Assert.Equal(Rows / 1000, byEither.Nodes.Count);
    }
}
