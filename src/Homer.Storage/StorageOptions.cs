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

    /// <summary>Partitions whose whole range is older than this are dropped.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Per-profile retention overriding <see cref="Retention"/> (e.g. keep registrations for less).</summary>
    public IReadOnlyDictionary<MessageProfile, TimeSpan> RetentionByProfile { get; init; } = new Dictionary<MessageProfile, TimeSpan>();

    /// <summary>When above zero, the oldest partitions are dropped until the message tables fit in this many bytes.</summary>
    public long DiskBudgetBytes { get; init; }

    /// <summary>
    /// PostgreSQL's statement_timeout for the API's searches (messages, dialogs, call flows, QoS): a search that runs
    /// longer is cancelled by the server itself. Zero turns it off. Writers and maintenance are not bound by it.
    /// </summary>
    public TimeSpan SearchStatementTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often retention and partition creation run.</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long statistics buckets are kept, per bucket width in minutes (1, 5, 60).</summary>
    public IReadOnlyDictionary<short, TimeSpan> StatsRetention { get; init; } = new Dictionary<short, TimeSpan>
    {
        [1] = TimeSpan.FromDays(7),
        [5] = TimeSpan.FromDays(35),
        [60] = TimeSpan.FromDays(400),
    };

    /// <summary>Resolved alarms older than this are deleted; open ones are kept whatever their age.</summary>
    public TimeSpan AlarmRetention { get; init; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Distinct keys (source addresses, user agents) the statistics' top lists keep per minute, HEP node and capture id:
    /// exact below twice this many between two flushes, heavy hitters beyond (see <c>TopKeyCounter</c>).
    /// </summary>
    public int TopKeysPerMinute { get; init; } = 1_000;

    /// <summary>How often each ingest node writes its top-list counts; a node that dies loses at most this much of them.</summary>
    public TimeSpan TopKeysFlushInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// HOMER_HEADER_FIELDS: header fields extracted at ingest from configuration (<c>name=Header[:part]</c>, comma-separated);
    /// fields declared with the admin mutation are added to these (and win for the same name).
    /// </summary>
    public IReadOnlyList<HeaderFieldRule> HeaderFields { get; init; } = [];

    /// <summary>For writers made without a node's settings (tools, tests).</summary>
    public static readonly StorageOptions Defaults = new() { ConnectionString = "" };

    public TimeSpan RetentionOf(MessageProfile profile) => RetentionByProfile.GetValueOrDefault(profile, Retention);
}
