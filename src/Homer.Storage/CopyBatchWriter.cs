using Npgsql;

namespace Homer.Storage;

/// <summary>How rows of one type go into one table by binary COPY: the column list and how to write a row.</summary>
public interface ICopyTable<in TRow>
{
    string TableName { get; }
    IReadOnlyList<string> Columns { get; }
    /// <summary>Writes one row (its field count first) in the binary COPY format.</summary>
    void WriteRow(PgBinaryCopyWriter writer, TRow row);
}

/// <summary>
/// The one batch writer: a whole batch per COPY, in one transaction-like unit (COPY is atomic), so a failed batch
/// can be retried as a whole without duplicates. Callers decide batching, retry and spooling.
/// </summary>
public sealed class CopyBatchWriter<TRow>(NpgsqlDataSource dataSource, ICopyTable<TRow> table)
{
    private readonly string _copyCommand =
        $"COPY {table.TableName} ({string.Join(", ", table.Columns)}) FROM STDIN (FORMAT BINARY)";

    public string TableName => table.TableName;

    public async Task<ulong> WriteAsync(IReadOnlyList<TRow> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0)
            return 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await CopyAsync(connection, rows, ct);
    }

    /// <summary>COPY on a connection the caller holds, so several tables can be written in one transaction.</summary>
    public async Task<ulong> CopyAsync(NpgsqlConnection connection, IReadOnlyList<TRow> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0)
            return 0;
        using var writer = new PgBinaryCopyWriter();
        var stream = await connection.BeginRawBinaryCopyAsync(_copyCommand, ct);
        try
        {
            // Rows are encoded synchronously into one buffer and sent in chunks: per-value async calls would cost more
            // than the encoding itself.
            writer.Start();
            for (var i = 0; i < rows.Count; i++)
            {
                table.WriteRow(writer, rows[i]);
                if (writer.Length >= ChunkBytes)
                {
                    await stream.WriteAsync(writer.Written, ct);
                    writer.Clear();
                }
            }
            writer.Finish();
            await stream.WriteAsync(writer.Written, ct);
        }
        catch
        {
            // Disposing a raw COPY stream ends the COPY and keeps what was sent; a failed batch must leave nothing.
            try
            {
                await stream.CancelAsync();
            }
            catch (Exception)
            {
                // The connection is gone with the COPY on it: nothing was committed, the caller's error says why.
            }
            throw;
        }
        await stream.DisposeAsync();
        return (ulong)rows.Count;
    }

    private const int ChunkBytes = 256 * 1024;
}
