using System.Net.Sockets;
using Npgsql;

namespace Homer.Storage;

/// <summary>
/// Whether PostgreSQL (or the way to it) refused a write for a reason that retrying cannot cure. Permanent: the data
/// itself (SQLSTATE classes 22 data exception, 23 integrity constraint, 42 syntax or access rule, 54 program limit,
/// 21 cardinality, 44 check option, 0A feature not supported, 2F SQL routine) or a value our own encoder could not
/// write. Transient: everything about the connection or the server's state (08 connection, 53 resources, 57
/// operator intervention such as 57P01 shutdown and 57014 cancel/timeout, 40 rollback such as 40001 and 40P01, 55
/// lock not available, 58 system error, XX internal), socket and I/O exceptions, timeouts, and anything unknown.
/// 42501 (insufficient privilege) is transient too although its class is 42: a role without a grant refuses every row
/// alike, which isolating would only turn into thousands of quarantined rows; retried and spooled, it stalls the
/// writer (/healthz degraded, STORAGE_STALLED) until the grant is fixed.
/// </summary>
public static class StorageErrors
{
    private static readonly HashSet<string> PermanentClasses = ["22", "23", "42", "54", "21", "44", "0A", "2F"];

    public static bool IsPermanent(Exception error) => Classify(error) == StorageErrorKind.Permanent;

    public static StorageErrorKind Classify(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        foreach (var e in Chain(error))
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.Length >= 2 && PermanentClasses.Contains(pg.SqlState[..2]) && pg.SqlState != "42501"
                        ? StorageErrorKind.Permanent
                        : StorageErrorKind.Transient;
                case NpgsqlException or SocketException or IOException or TimeoutException or OperationCanceledException
                    or ObjectDisposedException:
                    return StorageErrorKind.Transient;
                // Thrown while encoding a row (a value the binary format or UTF-8 cannot carry): the row, not the server.
                case ArgumentException or FormatException or InvalidCastException or OverflowException
                    or System.Text.EncoderFallbackException or System.Text.Json.JsonException:
                    return StorageErrorKind.Permanent;
            }
        }
        return StorageErrorKind.Transient;
    }

    /// <summary>The SQLSTATE of the error, or a short name for refusals that did not come from the server.</summary>
    public static string SqlState(Exception error)
    {
        foreach (var e in Chain(error))
        {
            if (e is PostgresException pg)
                return pg.SqlState;
        }
        return Classify(error) == StorageErrorKind.Permanent ? "encode" : "client";
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate)
            error = aggregate.InnerExceptions[0];
        // An NpgsqlException wrapping an IOException is a connection problem; a PostgresException is an NpgsqlException
        // too, so the most specific one is looked at first.
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is PostgresException)
            {
                yield return e;
                yield break;
            }
        }
        for (var e = error; e is not null; e = e.InnerException)
            yield return e;
    }
}

public enum StorageErrorKind
{
    Transient,
    Permanent,
}
