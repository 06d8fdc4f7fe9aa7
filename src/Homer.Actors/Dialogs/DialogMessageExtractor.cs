using Akka.Cluster.Sharding;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Routes every <see cref="IWithCallId"/> message to the dialog entity of its Call-ID. The same region also holds
/// one ledger entity per shard (placed in the shard it serves, so it moves with its dialogs) and the media index
/// buckets; their entity ids start with a space, which no Call-ID can contain (RFC 3261 25.1 "word").
/// </summary>
public sealed class DialogMessageExtractor(int shardCount = DialogMessageExtractor.DefaultShardCount)
    : HashCodeMessageExtractor(shardCount)
{
    /// <summary>About ten shards per dialog node of the largest cluster we plan for; fixed for a cluster's life.</summary>
    public const int DefaultShardCount = 100;

    public override string? EntityId(object message) => message switch
    {
        IWithLedgerShard l => DialogLedger.EntityIdOf(l.ShardId),
        IWithMediaBucket b => MediaIndexActor.EntityIdOf(b.Bucket),
        IWithCallId c => c.CallId,
        _ => null,
    };

    public override string ShardId(string entityId, object? messageHint = null) =>
        entityId.StartsWith(DialogLedger.EntityPrefix, StringComparison.Ordinal)
            ? entityId[DialogLedger.EntityPrefix.Length..]
            : base.ShardId(entityId, messageHint);

    /// <summary>The shard (and so the ledger) of a Call-ID.</summary>
    public string ShardOf(string callId) => base.ShardId(callId, null);
}
