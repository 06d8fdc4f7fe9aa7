using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Homer.Storage;

/// <summary>
/// Keeps range partitions of the message table created ahead of time, so the COPY path never has to create one
/// and rows land in the default partition only when a sender's clock is far off.
/// </summary>
public sealed class PartitionManager(NpgsqlDataSource dataSource, StorageOptions options, ILogger<PartitionManager> logger)
{
    public const string MessagesTable = "messages";

    public async Task<IReadOnlyList<string>> EnsurePartitionsAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var step = options.PartitionStep;
        if (step < TimeSpan.FromHours(1) || TimeSpan.FromDays(1).Ticks % step.Ticks != 0 && step.Ticks % TimeSpan.FromDays(1).Ticks != 0)
            throw new InvalidOperationException($"Partition step {step} must be at least an hour and divide or be a multiple of a day.");

        var created = new List<string>();
        var first = AlignDown(now.UtcDateTime, step) - step * options.PartitionsBehind;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        for (var i = 0; i <= options.PartitionsBehind + options.PartitionsAhead; i++)
        {
            var from = first + step * i;
            var to = from + step;
            var name = PartitionName(MessagesTable, from, step);
            await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
            exists.Parameters.AddWithValue(name);
            if ((bool)(await exists.ExecuteScalarAsync(ct))!)
                continue;

            var sql = $"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {MessagesTable} FOR VALUES FROM ('{Iso(from)}') TO ('{Iso(to)}')";
            try
            {
                await using var cmd = new NpgsqlCommand(sql, connection);
                await cmd.ExecuteNonQueryAsync(ct);
                created.Add(name);
                logger.LogInformation("Created partition {Partition} [{From}, {To})", name, Iso(from), Iso(to));
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.UniqueViolation)
            {
                // Another node created it between our check and our CREATE: that is the outcome we wanted.
            }
        }
        return created;
    }

    public static string PartitionName(string table, DateTime from, TimeSpan step) =>
        step.Ticks % TimeSpan.FromDays(1).Ticks == 0
            ? $"{table}_p{from.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}"
            : $"{table}_p{from.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}";

    private static DateTime AlignDown(DateTime utc, TimeSpan step) =>
        new(utc.Ticks - utc.Ticks % step.Ticks, DateTimeKind.Utc);

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss'+00'", CultureInfo.InvariantCulture);
}
