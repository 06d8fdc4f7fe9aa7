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

    // Used only for a group that carries configured header fields (MessagesCopyTable's withFields).
    private readonly Dictionary<MessageProfile, CopyBatchWriter<CapturedMessage>> _writersWithFields =
        MessagesCopyTable.WithFieldsByProfile.ToDictionary(p => p.Key, p => new CopyBatchWriter<CapturedMessage>(dataSource, p.Value));

    private readonly QuarantineStore _quarantine = new(dataSource);

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
            {
                var rows = group.ToList();
                var writers = rows.Exists(m => m.FieldsJsonUtf8 is not null) ? _writersWithFields : _writers;
                written += (long)await writers[group.Key].CopyAsync(connection, rows, ct);
            }
            await MessageStats.Count(batch).WriteAsync(connection, tx, ct);
            await tx.CommitAsync(ct);
            _topKeys.Add(batch);
            return written;
        }
    }

    /// <summary>
    /// Writes the batch as <see cref="WriteAsync"/> does and, when PostgreSQL refuses it for good (a value it cannot
    /// take: SQLSTATE classes 22, 23, 54 …), isolates the refused messages by bisecting (<see cref="BatchIsolation"/>),
    /// stores all the others and puts each refused one, with its raw HEP packet and the error, in the quarantine.
    /// Never throws for a storage error: what a transient error left unwritten comes back in
    /// <see cref="StoreOutcome.Unwritten"/> for the caller to retry or spool.
    /// </summary>
    public async Task<StoreOutcome> StoreAsync(IReadOnlyList<CapturedMessage> batch, CancellationToken ct = default)
    {
        var result = await BatchIsolation.WriteAsync(batch, WriteAsync, ct);
        if (result.Refused.Count == 0)
            return new StoreOutcome(result.Written, [], [], result.Unwritten, result.TransientError);
        try
        {
            await _quarantine.AddAsync(result.Refused.Select(QuarantineEntry.ForMessage).ToList(), ct);
            return new StoreOutcome(result.Written, result.Refused, [], result.Unwritten, result.TransientError);
        }
        catch (Exception e) when (!StorageErrors.IsPermanent(e))
        {
            // The quarantine could not be written either: the refused rows wait with the rest (retry or spool) and are
            // isolated again next time.
            return new StoreOutcome(result.Written, [], [], [.. result.Refused.Select(r => r.Row), .. result.Unwritten],
                result.TransientError ?? e);
        }
        catch (Exception e)
        {
            return new StoreOutcome(result.Written, [], [.. result.Refused.Select(r => r with { Error = r.Error + "; quarantine refused it too: " + e.Message })],
                result.Unwritten, result.TransientError);
        }
    }

    /// <summary>
    /// Writes the top lists counted since the last flush; what fails to write for a transient reason stays for the next
    /// one, what PostgreSQL refuses for good is quarantined and returned.
    /// </summary>
    public Task<IReadOnlyList<RefusedRow<Stats.TopKeyRow>>> FlushTopKeysAsync(CancellationToken ct = default) => _topKeys.FlushAsync(dataSource, ct);
}

/// <summary>
/// What <see cref="MessageStoreWriter.StoreAsync"/> did with a batch: stored <see cref="Written"/> messages, quarantined
/// the refused ones, lost the ones neither the store nor the quarantine took (counted by the caller), and left
/// <see cref="Unwritten"/> after a transient error (<see cref="TransientError"/>).
/// </summary>
public sealed record StoreOutcome(long Written, IReadOnlyList<RefusedRow<CapturedMessage>> Quarantined,
    IReadOnlyList<RefusedRow<CapturedMessage>> Lost, IReadOnlyList<CapturedMessage> Unwritten, Exception? TransientError);
