using Prometheus;

namespace Homer.Actors.Storage;

/// <summary>What the batch writers put in the quarantine (rows PostgreSQL refused for good) and what they shed.</summary>
public static class StorageMetrics
{
    private static readonly Counter Quarantined = Metrics.CreateCounter("homer_quarantined_total",
        "Rows PostgreSQL refused for good, isolated from their batch and kept in the quarantine table, by writer and SQLSTATE.",
        "writer", "sqlstate");

    private static readonly Counter Shed = Metrics.CreateCounter("homer_writer_shed_total",
        "Rows a batch writer gave up while PostgreSQL was unreachable and its pending work was over its bound, by writer.",
        "writer");

    public static void OnQuarantined(string writer, string sqlState, long count = 1) =>
        Quarantined.WithLabels(writer, sqlState).Inc(count);

    public static void OnShed(string writer, long count) => Shed.WithLabels(writer).Inc(count);

    /// <summary>For tests: the quarantined count of one writer and SQLSTATE so far.</summary>
    public static double QuarantinedCount(string writer, string sqlState) => Quarantined.WithLabels(writer, sqlState).Value;

    public static double ShedCount(string writer) => Shed.WithLabels(writer).Value;
}
