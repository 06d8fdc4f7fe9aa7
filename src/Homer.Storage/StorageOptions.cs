namespace Homer.Storage;

public sealed record StorageOptions
{
    public required string ConnectionString { get; init; }

    /// <summary>Width of one message partition. Daily by default; hourly suits very busy stores.</summary>
    public TimeSpan PartitionStep { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How many partitions ahead of now the maintenance keeps created.</summary>
    public int PartitionsAhead { get; init; } = 2;

    /// <summary>How many partitions behind now are created at start, for senders whose clocks lag.</summary>
    public int PartitionsBehind { get; init; } = 1;
}
