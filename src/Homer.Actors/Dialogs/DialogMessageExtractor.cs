using Akka.Cluster.Sharding;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>Routes every <see cref="IWithCallId"/> message to the dialog entity of its Call-ID.</summary>
public sealed class DialogMessageExtractor(int shardCount = DialogMessageExtractor.DefaultShardCount)
    : HashCodeMessageExtractor(shardCount)
{
    /// <summary>About ten shards per dialog node of the largest cluster we plan for; fixed for a cluster's life.</summary>
    public const int DefaultShardCount = 100;

    public override string? EntityId(object message) => (message as IWithCallId)?.CallId;
}
