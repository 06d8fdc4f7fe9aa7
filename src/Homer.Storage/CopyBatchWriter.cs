using Npgsql;

namespace Homer.Storage;

/// <summary>How rows of one type go into one table by binary COPY: the column list and how to write a row.</summary>
public interface ICopyTable<in TRow>
{
    string TableName { get; }
    IReadOnlyList<string> Columns { get; }
    void WriteRow(NpgsqlBinaryImporter importer, TRow row);
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
        await using var importer = await connection.BeginBinaryImportAsync(_copyCommand, ct);
        // Rows are written synchronously into the importer's buffer: per-column async calls cost more than
        // the occasional blocking flush, and this runs on a pool thread of its own.
        for (var i = 0; i < rows.Count; i++)
        {
            importer.StartRow();
            table.WriteRow(importer, rows[i]);
        }
        return await importer.CompleteAsync(ct);
    }
}
