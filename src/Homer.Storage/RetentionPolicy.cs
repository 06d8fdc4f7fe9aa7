using Microsoft.Extensions.Logging;

namespace Homer.Storage;

public sealed record RetentionReport(IReadOnlyList<string> DroppedByAge, IReadOnlyList<string> DroppedByBudget, long BytesAfter);

/// <summary>
/// Drops whole partitions: those older than their profile's retention, then, while the message tables exceed the
/// disk budget, the oldest ones first. The partition holding "now" and those ahead are never dropped.
/// </summary>
public sealed class RetentionPolicy(PartitionManager partitions, StorageOptions options, ILogger<RetentionPolicy> logger)
{
    public async Task<RetentionReport> RunAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var all = (await partitions.ListAsync(ct)).ToList();
        var byTable = MessageTables.ByProfile.ToDictionary(p => p.Value, p => p.Key);
        var byAge = new List<string>();
        foreach (var partition in all.ToList())
        {
            var retention = options.RetentionOf(byTable[partition.Table]);
            if (partition.To > now - retention)
                continue;
            await partitions.DropAsync(partition, ct);
            all.Remove(partition);
            byAge.Add(partition.Name);
            logger.LogInformation("Retention: dropped {Partition} ({Bytes} bytes), older than {Days} days",
                partition.Name, partition.Bytes, retention.TotalDays);
        }

        var byBudget = new List<string>();
        var total = all.Sum(p => p.Bytes);
        if (options.DiskBudgetBytes > 0)
        {
            foreach (var partition in all.Where(p => p.To <= now).OrderBy(p => p.From).ToList())
            {
                if (total <= options.DiskBudgetBytes)
                    break;
                await partitions.DropAsync(partition, ct);
                total -= partition.Bytes;
                byBudget.Add(partition.Name);
                logger.LogWarning("Retention: dropped {Partition} ({Bytes} bytes) to stay within the disk budget of {Budget} bytes",
                    partition.Name, partition.Bytes, options.DiskBudgetBytes);
            }
            if (total > options.DiskBudgetBytes)
                logger.LogWarning("Message tables use {Bytes} bytes, over the disk budget of {Budget}, and only current partitions are left",
                    total, options.DiskBudgetBytes);
        }
        return new RetentionReport(byAge, byBudget, total);
    }
}
