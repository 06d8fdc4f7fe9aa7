namespace Homer.Storage;

/// <summary>One row PostgreSQL refused for good, alone in its batch, and why.</summary>
public sealed record RefusedRow<TRow>(TRow Row, string SqlState, string Error);

/// <summary>
/// What became of a batch written with <see cref="BatchIsolation.WriteAsync{TRow}"/>: how many rows were stored, the rows
/// refused for good (each alone), and the rows not written because of a transient error (in their original order),
/// which the caller retries or spools; <see cref="TransientError"/> says why.
/// </summary>
public sealed record IsolatedWrite<TRow>(long Written, IReadOnlyList<RefusedRow<TRow>> Refused, IReadOnlyList<TRow> Unwritten,
    Exception? TransientError)
{
    public bool Complete => Unwritten.Count == 0;
}

/// <summary>
/// Writes a batch whole and, when PostgreSQL refuses it for a reason retrying cannot cure (see
/// <see cref="StorageErrors"/>), splits it in halves and writes each, down to the single rows it refuses: one bad
/// row costs about 2·log2(n) extra writes and never takes its neighbours with it. The write must be all or nothing
/// (one transaction), so a half is either stored or not at all and nothing is written twice.
/// </summary>
public static class BatchIsolation
{
    public static async Task<IsolatedWrite<TRow>> WriteAsync<TRow>(IReadOnlyList<TRow> batch,
        Func<IReadOnlyList<TRow>, CancellationToken, Task<long>> write, CancellationToken ct = default)
    {
        long written = 0;
        var refused = new List<RefusedRow<TRow>>();
        // Ranges still to write, first on top, so the rows keep their order (and a later version of a row its place).
        var todo = new Stack<(int Start, int Count)>();
        todo.Push((0, batch.Count));
        while (todo.Count > 0)
        {
            var (start, count) = todo.Pop();
            if (count == 0)
                continue;
            var rows = start == 0 && count == batch.Count ? batch : Slice(batch, start, count);
            try
            {
                written += await write(rows, ct);
            }
            catch (Exception e) when (StorageErrors.IsPermanent(e) && !ct.IsCancellationRequested)
            {
                if (count == 1)
                {
                    refused.Add(new RefusedRow<TRow>(rows[0], StorageErrors.SqlState(e), Message(e)));
                    continue;
                }
                var half = count / 2;
                todo.Push((start + half, count - half));
                todo.Push((start, half));
            }
            catch (Exception e)
            {
                // Transient (or cancelled): what is left goes back to the caller as it was, to retry or spool.
                var unwritten = new List<TRow>(count);
                unwritten.AddRange(rows);
                while (todo.Count > 0)
                {
                    var (s, c) = todo.Pop();
                    unwritten.AddRange(Slice(batch, s, c));
                }
                return new IsolatedWrite<TRow>(written, refused, unwritten, e);
            }
        }
        return new IsolatedWrite<TRow>(written, refused, [], null);
    }

    /// <summary>The error's text, most specific first (a server error's detail says which value).</summary>
    public static string Message(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
            e = aggregate.InnerExceptions[0];
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is Npgsql.PostgresException pg)
                return pg.Detail is { Length: > 0 } detail ? pg.MessageText + " (" + detail + ")" : pg.MessageText;
        }
        return e.Message;
    }

    private static List<TRow> Slice<TRow>(IReadOnlyList<TRow> batch, int start, int count)
    {
        var slice = new List<TRow>(count);
        for (var i = start; i < start + count; i++)
            slice.Add(batch[i]);
        return slice;
    }
}
