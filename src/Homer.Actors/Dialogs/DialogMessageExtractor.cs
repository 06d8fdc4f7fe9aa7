using Akka.Cluster.Sharding;
using Akka.Configuration;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Routes every <see cref="IWithCallId"/> message to the shard of its Call-ID, where one <see cref="DialogHost"/>
/// entity hosts the shard's dialogs (ADR 0005). The same region also holds one ledger entity per shard (placed in the
/// shard it serves, so it moves with its dialogs) and the media index buckets. Entity ids start with a space, which no
/// Call-ID can contain (RFC 3261 25.1 "word"): ids from before the hosts (a Call-ID per entity) cannot collide.
/// </summary>
public sealed class DialogMessageExtractor(int shardCount = DialogMessageExtractor.DefaultShardCount)
    : HashCodeMessageExtractor(shardCount)
{
    /// <summary>About ten shards per dialog node of the largest cluster we plan for; fixed for a cluster's life.</summary>
    public const int DefaultShardCount = 100;

    /// <summary>
    /// <c>homer.dialog.shard-count</c> of cluster-config: dialog nodes shard by it and ingest nodes batch by it, so both
    /// read it here and one value serves both.
    /// </summary>
    public static int ShardCountFrom(Config config) => config.GetInt("homer.dialog.shard-count", DefaultShardCount);

    public override string? EntityId(object message) => message switch
    {
        IWithLedgerShard l => DialogLedger.EntityIdOf(l.ShardId),
        IWithMediaBucket b => MediaIndexActor.EntityIdOf(b.Bucket),
        IWithCallId c => DialogHost.EntityIdOf(ShardOf(c.CallId)),
        IWithDialogShard s => DialogHost.EntityIdOf(s.ShardId),
        _ => null,
    };

    public override string ShardId(string entityId, object? messageHint = null)
    {
        // The message's own Call-ID when there is one: no parsing of the host's id on the hot path.
        if (messageHint is IWithCallId c && messageHint is not IWithLedgerShard && messageHint is not IWithMediaBucket)
            return ShardOf(c.CallId);
        if (messageHint is IWithDialogShard s)
            return s.ShardId;
        if (entityId.StartsWith(DialogLedger.EntityPrefix, StringComparison.Ordinal))
            return entityId[DialogLedger.EntityPrefix.Length..];
        if (entityId.StartsWith(DialogHost.EntityPrefix, StringComparison.Ordinal))
            return entityId[DialogHost.EntityPrefix.Length..];
        return base.ShardId(entityId, messageHint);
    }

    /// <summary>The shard (and so the ledger) of a Call-ID.</summary>
    public string ShardOf(string callId) => base.ShardId(callId, null);
}
