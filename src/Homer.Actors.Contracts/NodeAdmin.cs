namespace Homer.Actors.Contracts;

/// <summary>
/// What the admin API asks every member of the cluster (ingest counters, effective configuration). Each node runs
/// one actor at <see cref="ActorPath"/> that answers; the API reaches it on any member by address, so a query on
/// one node shows the whole cluster.
/// </summary>
public static class NodeAdmin
{
    /// <summary>Prefix of a node's counters that describe one HEP forward target: forward.&lt;target&gt;.sent, .dropped, .queued, .connected.</summary>
    public const string ForwardCounterPrefix = "forward.";

    /// <summary>Name of the answering actor under <c>/user</c> on every node.</summary>
    public const string ActorName = "node-admin";
    public const string ActorPath = "/user/" + ActorName;

    public sealed record GetNodeStatus : IHomerSerializable
    {
        public static readonly GetNodeStatus Instance = new();
    }

    public sealed record GetNodeConfig : IHomerSerializable
    {
        public static readonly GetNodeConfig Instance = new();
    }

    /// <summary>One named counter value.</summary>
    public sealed record Count(string Name, long Value) : IHomerSerializable;

    /// <summary>
    /// A node's ingest view. <see cref="Ingests"/> is false on nodes without the ingest role (all counters zero).
    /// Rates are averaged over the last <see cref="RateWindowSeconds"/> seconds.
    /// </summary>
    public sealed record NodeStatus(
        string Address,
        string NodeName,
        IReadOnlyList<string> Roles,
        bool Ingests,
        IReadOnlyList<Count> Counters,
        IReadOnlyList<Count> Drops,
        double ReceivedPerSecond,
        double StoredPerSecond,
        double DroppedPerSecond,
        int RateWindowSeconds,
        long SpoolBytes,
        int SpoolBatches,
        long UptimeSeconds) : IHomerSerializable;

    /// <summary>One effective setting: its key (HOMER_* or a HOCON path), its value (secrets masked) and where it came from.</summary>
    public sealed record ConfigEntry(string Key, string Value, string Source) : IHomerSerializable;

    public sealed record NodeConfig(string Address, string NodeName, IReadOnlyList<ConfigEntry> Entries) : IHomerSerializable;
}
