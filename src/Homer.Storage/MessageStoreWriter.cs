using Homer.Storage.Stats;
using Npgsql;

namespace Homer.Storage;

/// <summary>
/// Writes a batch of captured messages to their profile tables: one binary COPY per table, all in one transaction,
/// so a batch is stored whole or not at all and can be retried (or spooled) without duplicates. The statistics
/// counters of the batch go in the same transaction: counted exactly when stored, never twice, never lost. The top
/// lists (sources, user agents) are counted once the batch is stored and written by <see cref="FlushTopKeysAsync"/>.
/// </summary>
public sealed class MessageStoreWriter(NpgsqlDataSource dataSource, StorageOptions? options = null)
{
    private readonly Dictionary<MessageProfile, CopyBatchWriter<CapturedMessage>> _writers =
        MessagesCopyTable.ByProfile.ToDictionary(p => p.Key, p => new CopyBatchWriter<CapturedMessage>(dataSource, p.Value));

    private readonly MessageTopKeys _topKeys = new((options ?? StorageOptions.Defaults).TopKeysPerMinute);

    /// <summary>How often the node calls <see cref="FlushTopKeysAsync"/>.</summary>
    public TimeSpan TopKeysFlushInterval { get; } = (options ?? StorageOptions.Defaults).TopKeysFlushInterval;

    public async Task<long> WriteAsync(IReadOnlyList<CapturedMessage> batch, CancellationToken ct = default)
    {
        if (batch.Count == 0)
            return 0;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            long written = 0;
            // Batches are usually dominated by one or two profiles; grouping keeps one COPY per table.
            foreach (var group in batch.GroupBy(m => m.Profile))
                written += (long)await _writers[group.Key].CopyAsync(connection, group.ToList(), ct);
            await MessageStats.Count(batch).WriteAsync(connection, tx, ct);
            await tx.CommitAsync(ct);
            _topKeys.Add(batch);
            return written;
        }
    }

    /// <summary>Writes the top lists counted since the last flush; what fails to write stays for the next one.</summary>
    public Task FlushTopKeysAsync(CancellationToken ct = default) => _topKeys.FlushAsync(dataSource, ct);
}
