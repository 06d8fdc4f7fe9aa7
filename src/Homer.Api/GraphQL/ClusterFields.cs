using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using GraphQL;
using GraphQL.Types;
using Homer.Actors.Contracts;
using Homer.Api.Auth;
using Homer.Storage.Auth;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

/// <summary>
/// Admin query fields for homerctl (cluster, storage partitions, effective configuration); merged into
/// <c>Query</c> by <see cref="HomerApiSchema"/>. Membership comes from this node's view of the cluster; ingest
/// counters and configuration from the <see cref="NodeAdmin"/> actor of each member; shard counts from the
/// coordinator through the dialog region (or its proxy).
/// </summary>
public sealed class ClusterQueryFields : ObjectGraphType
{
    public ClusterQueryFields()
    {
        Name = "ClusterQueryFields";

        Field<NonNullGraphType<ClusterStatusType>>("cluster")
            .Description("The cluster as this node sees it: members, shard regions, ingest counters per node (admin).")
            .RequireRole(HomerRole.Admin)
            .Resolve(c => new ClusterView(c.RequestServices!.GetRequiredService<ActorSystem>(), c.RequestServices!));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StoragePartitionType>>>>("storagePartitions")
            .Description("Every message partition with its time range and size on disk, oldest first (admin).")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<PartitionManager>().ListAsync(c.CancellationToken));

        Field<NonNullGraphType<NodeConfigType>>("config")
            .Description("The effective configuration of a node, secrets masked (admin). Default: the node answering.")
            .Argument<StringGraphType>("node", "Member address (akka.tcp://homer@host:port); default this node.")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var system = c.RequestServices!.GetRequiredService<ActorSystem>();
                var cluster = Cluster.Get(system);
                var address = c.GetArgument<string?>("node") is { Length: > 0 } text ? ClusterAdmin.Member(cluster, text).Address : cluster.SelfAddress;
                try
                {
                    return await ClusterAdmin.NodeActor(system, address)
                        .Ask<NodeAdmin.NodeConfig>(NodeAdmin.GetNodeConfig.Instance, ClusterAdmin.NodeAskTimeout, c.CancellationToken);
                }
                catch (AskTimeoutException)
                {
                    throw new ExecutionError($"{address} did not answer within {ClusterAdmin.NodeAskTimeout.TotalSeconds} s.") { Code = "UNAVAILABLE" };
                }
            });
    }
}

/// <summary>Admin mutations for homerctl; merged into <c>Mutation</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class ClusterMutationFields : ObjectGraphType
{
    public ClusterMutationFields()
    {
        Name = "ClusterMutationFields";

        Field<NonNullGraphType<BooleanGraphType>>("clusterLeave")
            .Description("Asks a member to leave gracefully (admin): it stops taking HEP, flushes, hands its shards over and exits.")
            .Argument<NonNullGraphType<StringGraphType>>("address")
            .RequireRole(HomerRole.Admin)
            .Resolve(c =>
            {
                var cluster = Cluster.Get(c.RequestServices!.GetRequiredService<ActorSystem>());
                cluster.Leave(ClusterAdmin.Member(cluster, c.GetArgument<string>("address")).Address);
                return true;
            });

        Field<NonNullGraphType<BooleanGraphType>>("clusterDown")
            .Description("Marks a member down (admin): for a node that is gone and will not come back; its shards move at once.")
            .Argument<NonNullGraphType<StringGraphType>>("address")
            .RequireRole(HomerRole.Admin)
            .Resolve(c =>
            {
                var cluster = Cluster.Get(c.RequestServices!.GetRequiredService<ActorSystem>());
                cluster.Down(ClusterAdmin.Member(cluster, c.GetArgument<string>("address")).Address);
                return true;
            });

        Field<NonNullGraphType<BooleanGraphType>>("clusterJoin")
            .Description("Makes the node answering join the cluster of a seed (admin); only for a node that is not yet a member (HOMER_SEEDS=manual).")
            .Argument<NonNullGraphType<StringGraphType>>("seed")
            .RequireRole(HomerRole.Admin)
            .Resolve(c =>
            {
                var cluster = Cluster.Get(c.RequestServices!.GetRequiredService<ActorSystem>());
                var seed = ClusterAdmin.ParseAddress(c.GetArgument<string>("seed"));
                if (cluster.SelfMember.Status is not MemberStatus.Removed && cluster.State.Members.Count > 0)
                    throw new ExecutionError($"This node is already a member ({cluster.SelfMember.Status}) of a cluster of {cluster.State.Members.Count}; " +
                        "a node joins once: start it with HOMER_SEEDS=manual to join it by hand.") { Code = "CONFLICT" };
                cluster.Join(seed);
                return true;
            });

        Field<NonNullGraphType<RetentionReportType>>("runRetention")
            .Description("Applies retention now (admin): drops partitions past their age, then the oldest while over the disk budget.")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var services = c.RequestServices!;
                await services.GetRequiredService<PartitionManager>().EnsurePartitionsAsync(DateTimeOffset.UtcNow, c.CancellationToken);
                return await services.GetRequiredService<RetentionPolicy>().RunAsync(DateTimeOffset.UtcNow, c.CancellationToken);
            });
    }
}

/// <summary>Helpers shared by the admin fields.</summary>
public static class ClusterAdmin
{
    public static readonly TimeSpan NodeAskTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan ShardStatsTimeout = TimeSpan.FromSeconds(3);

    public static Address ParseAddress(string text)
    {
        try
        {
            return Address.Parse(text.Trim());
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            throw new ExecutionError($"'{text}' is not a member address such as akka.tcp://homer@10.0.0.5:4053.") { Code = "BAD_ARGUMENT" };
        }
    }

    /// <summary>The member at this address (as <c>cluster</c> lists it); NOT_FOUND when there is none.</summary>
    public static Member Member(Cluster cluster, string text)
    {
        var address = ParseAddress(text);
        return cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address))
            ?? throw new ExecutionError($"No member at {address}; members: {string.Join(", ", cluster.State.Members.Select(m => m.Address))}.") { Code = "NOT_FOUND" };
    }

    public static ActorSelection NodeActor(ActorSystem system, Address address) =>
        system.ActorSelection(new RootActorPath(address) / "user" / NodeAdmin.ActorName);
}

/// <summary>The source of <c>cluster</c>: its parts are gathered only when asked for.</summary>
public sealed record ClusterView(ActorSystem System, IServiceProvider Services)
{
    public Cluster Cluster => Cluster.Get(System);
}

public sealed record ShardRegionView(string TypeName, IReadOnlyList<ShardRegionNodeView> Nodes, string? Error);

public sealed record ShardRegionNodeView(string Address, IReadOnlyList<KeyValuePair<string, int>> Shards, IReadOnlyList<string> FailedShards);

/// <summary>One member's ingest view; <see cref="Status"/> is null when it did not answer (then <see cref="Error"/> says why).</summary>
public sealed record NodeIngestView(string Address, NodeAdmin.NodeStatus? Status, string? Error);

public sealed class ClusterStatusType : ObjectGraphType<ClusterView>
{
    public ClusterStatusType()
    {
        Name = "ClusterStatus";
        Field<NonNullGraphType<StringGraphType>>("self").Description("Address of the node that answered.")
            .Resolve(c => c.Source.Cluster.SelfAddress.ToString());
        Field<StringGraphType>("leader").Description("Address of the cluster leader (null while there is none).")
            .Resolve(c => c.Source.Cluster.State.Leader?.ToString());
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ClusterMemberType>>>>("members")
            .Description("Every member this node knows of, in address order.")
            .Resolve(c =>
            {
                var cluster = c.Source.Cluster;
                var state = cluster.State;
                return state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
                    .Select(m => new MemberView(m, !state.Unreachable.Contains(m), m.Address.Equals(state.Leader), m.Address.Equals(cluster.SelfAddress)))
                    .ToList();
            });
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ShardRegionType>>>>("shardRegions")
            .Description("Shard regions with their shards and entities per node (the dialog region's entities are one dialog host and one ledger per shard, and the media-index buckets; live dialogs per node are the homer_dialogs_active metric).")
            .ResolveAsync(async c => (object)new[] { await DialogRegionAsync(c.Source, c.CancellationToken) });
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<NodeIngestType>>>>("ingest")
            .Description("Ingest counters of every reachable member (nodes without the ingest role report zeros).")
            .ResolveAsync(async c => await IngestAsync(c.Source, c.CancellationToken));
    }

    private static async Task<ShardRegionView> DialogRegionAsync(ClusterView view, CancellationToken ct)
    {
        try
        {
            var region = await view.Services.GetRequiredService<IRequiredActor<DialogRegion>>().GetAsync(ct);
            var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(ClusterAdmin.ShardStatsTimeout),
                ClusterAdmin.ShardStatsTimeout + TimeSpan.FromSeconds(2), ct);
            var nodes = stats.Regions
                .OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
                .Select(r => new ShardRegionNodeView(r.Key.ToString(),
                    r.Value.Stats.OrderBy(s => s.Key, StringComparer.Ordinal).ToList(),
                    r.Value.Failed?.OrderBy(s => s, StringComparer.Ordinal).ToList() ?? []))
                .ToList();
            return new ShardRegionView("dialog", nodes, null);
        }
        catch (AskTimeoutException)
        {
            return new ShardRegionView("dialog", [], "the shard coordinator did not answer in time (no dialog node up, or the coordinator is moving)");
        }
    }

    private static async Task<IReadOnlyList<NodeIngestView>> IngestAsync(ClusterView view, CancellationToken ct)
    {
        var state = view.Cluster.State;
        var asks = state.Members
            .Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Joining or MemberStatus.WeaklyUp)
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(async m =>
            {
                if (state.Unreachable.Contains(m))
                    return new NodeIngestView(m.Address.ToString(), null, "unreachable");
                try
                {
                    var status = await ClusterAdmin.NodeActor(view.System, m.Address)
                        .Ask<NodeAdmin.NodeStatus>(NodeAdmin.GetNodeStatus.Instance, ClusterAdmin.NodeAskTimeout, ct);
                    return new NodeIngestView(m.Address.ToString(), status, null);
                }
                catch (AskTimeoutException)
                {
                    return new NodeIngestView(m.Address.ToString(), null, $"no answer within {ClusterAdmin.NodeAskTimeout.TotalSeconds} s");
                }
            });
        return await Task.WhenAll(asks);
    }
}

public sealed record MemberView(Member Member, bool Reachable, bool Leader, bool Self);

public sealed class ClusterMemberType : ObjectGraphType<MemberView>
{
    public ClusterMemberType()
    {
        Name = "ClusterMember";
        Field<NonNullGraphType<StringGraphType>>("address").Resolve(c => c.Source.Member.Address.ToString());
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("roles")
            .Resolve(c => c.Source.Member.Roles.Where(r => !r.StartsWith("dc-", StringComparison.Ordinal)).OrderBy(r => r, StringComparer.Ordinal).ToList());
        Field<NonNullGraphType<StringGraphType>>("status").Description("JOINING, WEAKLY_UP, UP, LEAVING, EXITING, DOWN or REMOVED.")
            .Resolve(c => StatusName(c.Source.Member.Status));
        Field<NonNullGraphType<BooleanGraphType>>("reachable").Description("False when the failure detector of some member suspects it.")
            .Resolve(c => c.Source.Reachable);
        Field<NonNullGraphType<BooleanGraphType>>("leader").Resolve(c => c.Source.Leader);
        Field<NonNullGraphType<BooleanGraphType>>("self").Description("The node that answered this query.").Resolve(c => c.Source.Self);
    }

    public static string StatusName(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "WEAKLY_UP",
        _ => status.ToString().ToUpperInvariant(),
    };
}

public sealed class ShardRegionType : ObjectGraphType<ShardRegionView>
{
    public ShardRegionType()
    {
        Name = "ShardRegion";
        Field(x => x.TypeName);
        Field<NonNullGraphType<IntGraphType>>("shards").Description("Shards allocated across the cluster.").Resolve(c => c.Source.Nodes.Sum(n => n.Shards.Count));
        Field<NonNullGraphType<IntGraphType>>("entities").Resolve(c => c.Source.Nodes.Sum(n => n.Shards.Sum(s => s.Value)));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ShardRegionNodeType>>>>("nodes").Resolve(c => c.Source.Nodes);
        Field<StringGraphType>("error").Description("Why the counts are missing, when they are.").Resolve(c => c.Source.Error);
    }
}

public sealed class ShardRegionNodeType : ObjectGraphType<ShardRegionNodeView>
{
    public ShardRegionNodeType()
    {
        Name = "ShardRegionNode";
        Field(x => x.Address);
        Field<NonNullGraphType<IntGraphType>>("shards").Resolve(c => c.Source.Shards.Count);
        Field<NonNullGraphType<IntGraphType>>("entities").Resolve(c => c.Source.Shards.Sum(s => s.Value));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ShardStatType>>>>("shardStats").Resolve(c => c.Source.Shards);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("failedShards")
            .Description("Shards that did not answer in time.").Resolve(c => c.Source.FailedShards);
    }
}

public sealed class ShardStatType : ObjectGraphType<KeyValuePair<string, int>>
{
    public ShardStatType()
    {
        Name = "ShardStat";
        Field<NonNullGraphType<StringGraphType>>("shardId").Resolve(c => c.Source.Key);
        Field<NonNullGraphType<IntGraphType>>("entities").Resolve(c => c.Source.Value);
    }
}

public sealed class NodeIngestType : ObjectGraphType<NodeIngestView>
{
    public NodeIngestType()
    {
        Name = "NodeIngest";
        Field(x => x.Address);
        Field<StringGraphType>("error").Description("Why the node's counters are missing (unreachable, no answer).").Resolve(c => c.Source.Error);
        Field<StringGraphType>("nodeName").Resolve(c => c.Source.Status?.NodeName);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("roles").Resolve(c => c.Source.Status?.Roles ?? []);
        Field<NonNullGraphType<BooleanGraphType>>("ingests").Description("The node has the ingest role.").Resolve(c => c.Source.Status?.Ingests ?? false);
        Field<NonNullGraphType<FloatGraphType>>("receivedPerSecond").Resolve(c => c.Source.Status?.ReceivedPerSecond ?? 0);
        Field<NonNullGraphType<FloatGraphType>>("storedPerSecond").Resolve(c => c.Source.Status?.StoredPerSecond ?? 0);
        Field<NonNullGraphType<FloatGraphType>>("droppedPerSecond").Resolve(c => c.Source.Status?.DroppedPerSecond ?? 0);
        Field<NonNullGraphType<IntGraphType>>("rateWindowSeconds").Resolve(c => c.Source.Status?.RateWindowSeconds ?? 0);
        Field<NonNullGraphType<LongGraphType>>("received").Resolve(c => Counter(c.Source, "received"));
        Field<NonNullGraphType<LongGraphType>>("decoded").Resolve(c => Counter(c.Source, "decoded"));
        Field<NonNullGraphType<LongGraphType>>("unparsedKept").Resolve(c => Counter(c.Source, "unparsedKept"));
        Field<NonNullGraphType<LongGraphType>>("stored").Resolve(c => Counter(c.Source, "stored"));
        Field<NonNullGraphType<LongGraphType>>("routedToDialogs").Resolve(c => Counter(c.Source, "routedToDialogs"));
        Field<NonNullGraphType<LongGraphType>>("spooled").Resolve(c => Counter(c.Source, "spooled"));
        Field<NonNullGraphType<LongGraphType>>("replayed").Resolve(c => Counter(c.Source, "replayed"));
        Field<NonNullGraphType<LongGraphType>>("connections").Resolve(c => Counter(c.Source, "connections"));
        Field<NonNullGraphType<LongGraphType>>("streamBytesSkipped").Resolve(c => Counter(c.Source, "streamBytesSkipped"));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DropCountType>>>>("drops").Description("Drops by reason (DecodeError, Auth, BufferFull, StorageFailure).")
            .Resolve(c => c.Source.Status?.Drops ?? []);
        Field<NonNullGraphType<LongGraphType>>("spoolBytes").Resolve(c => c.Source.Status?.SpoolBytes ?? 0);
        Field<NonNullGraphType<IntGraphType>>("spoolBatches").Resolve(c => c.Source.Status?.SpoolBatches ?? 0);
        Field<NonNullGraphType<LongGraphType>>("uptimeSeconds").Resolve(c => c.Source.Status?.UptimeSeconds ?? 0);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ForwardTargetStatsType>>>>("forwards")
            .Description("HEP forward targets of the node (homer.forward.targets): packets relayed, dropped and waiting.")
            .Resolve(c => Forwards(c.Source));
    }

    private static long Counter(NodeIngestView view, string name) =>
        view.Status?.Counters.FirstOrDefault(x => x.Name == name)?.Value ?? 0;

    private static IReadOnlyList<ForwardTargetStats> Forwards(NodeIngestView view)
    {
        const string prefix = NodeAdmin.ForwardCounterPrefix;
        var counters = view.Status?.Counters.Where(x => x.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList() ?? [];
        long Value(string target, string what) => counters.FirstOrDefault(x => x.Name == prefix + target + "." + what)?.Value ?? 0;
        return counters
            .Where(x => x.Name.EndsWith(".sent", StringComparison.Ordinal))
            .Select(x => x.Name[prefix.Length..^".sent".Length])
            .Select(t => new ForwardTargetStats(t, Value(t, "sent"), Value(t, "dropped"), Value(t, "queued"), Value(t, "connected") == 1))
            .ToList();
    }
}

public sealed record ForwardTargetStats(string Name, long Sent, long Dropped, long Queued, bool Connected);

public sealed class ForwardTargetStatsType : ObjectGraphType<ForwardTargetStats>
{
    public ForwardTargetStatsType()
    {
        Name = "ForwardTargetStats";
        Field(x => x.Name);
        Field(x => x.Sent).Description("HEP packets relayed since the node started.");
        Field(x => x.Dropped).Description("HEP packets not relayed: the target's queue was full (slow or down) or a send failed.");
        Field(x => x.Queued).Description("HEP packets waiting for the target now.");
        Field(x => x.Connected).Description("TCP/TLS: connected now; UDP: its socket is open.");
    }
}

public sealed class DropCountType : ObjectGraphType<NodeAdmin.Count>
{
    public DropCountType()
    {
        Name = "DropCount";
        Field<NonNullGraphType<StringGraphType>>("reason").Resolve(c => c.Source.Name);
        Field<NonNullGraphType<LongGraphType>>("count").Resolve(c => c.Source.Value);
    }
}

public sealed class NodeConfigType : ObjectGraphType<NodeAdmin.NodeConfig>
{
    public NodeConfigType()
    {
        Name = "NodeConfig";
        Field(x => x.Address);
        Field(x => x.NodeName);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ConfigEntryType>>>>("entries").Resolve(c => c.Source.Entries);
    }
}

public sealed class ConfigEntryType : ObjectGraphType<NodeAdmin.ConfigEntry>
{
    public ConfigEntryType()
    {
        Name = "ConfigEntry";
        Description = "One effective setting; secrets show as ******** (set) or empty (not set).";
        Field(x => x.Key);
        Field(x => x.Value);
        Field(x => x.Source).Description("settings (appsettings.json / HOMER_* environment) or cluster-config (HOCON).");
    }
}

public sealed class StoragePartitionType : ObjectGraphType<MessagePartition>
{
    public StoragePartitionType()
    {
        Name = "StoragePartition";
        Field(x => x.Table);
        Field(x => x.Name);
        Field<NonNullGraphType<DateTimeScalar>>("from").Resolve(c => c.Source.From);
        Field<NonNullGraphType<DateTimeScalar>>("to").Resolve(c => c.Source.To);
        Field<NonNullGraphType<LongGraphType>>("bytes").Resolve(c => c.Source.Bytes);
    }
}

public sealed class RetentionReportType : ObjectGraphType<RetentionReport>
{
    public RetentionReportType()
    {
        Name = "RetentionReport";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("droppedByAge").Resolve(c => c.Source.DroppedByAge);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("droppedByBudget").Resolve(c => c.Source.DroppedByBudget);
        Field<NonNullGraphType<LongGraphType>>("bytesAfter").Description("Bytes of the message tables after the run.").Resolve(c => c.Source.BytesAfter);
    }
}
