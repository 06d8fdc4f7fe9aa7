using Homer.Actors.Ingest;
using Homer.Api.Subscriptions;
using Homer.Storage;

namespace Homer.Node;

/// <summary>Hands what this node ingests to the API's live tail (the `messages` subscription) on the same node.</summary>
public sealed class LiveMessageObserver(ILiveMessageFeed feed) : ICapturedMessageObserver
{
    public bool IsListening => feed.HasSubscribers;

    public void OnMessage(CapturedMessage m) => feed.Publish(m);
}
