using Homer.Storage;

namespace Homer.Api.Subscriptions;

/// <summary>
/// Where the ingest side of this process hands each decoded message for the <c>messages</c> subscription. Publishing
/// never blocks: each subscriber has its own bounded queue. Check <see cref="HasSubscribers"/> first, so a node nobody
/// tails (the common case) does no more. The message is the one ingest decoded (<see cref="CapturedMessage"/>, immutable),
/// handed on as it is rather than copied into a record of its own: the tail shows the fields the store keeps.
/// </summary>
public interface ILiveMessageFeed
{
    bool HasSubscribers { get; }

    void Publish(CapturedMessage message);
}

public sealed class LiveMessageFeed : ILiveMessageFeed
{
    public SubscriberHub<CapturedMessage> Hub { get; } = new();

    public bool HasSubscribers => Hub.Count > 0;

    public void Publish(CapturedMessage message) => Hub.Publish(message);
}
