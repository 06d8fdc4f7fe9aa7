using Homer.Actors.Ingest;
using Homer.Api.Subscriptions;
using Homer.Storage;

namespace Homer.Node;

/// <summary>Hands what this node ingests to the API's live tail (the `messages` subscription) on the same node.</summary>
public sealed class LiveMessageObserver(ILiveMessageFeed feed) : ICapturedMessageObserver
{
    public bool IsListening => feed.HasSubscribers;

    public void OnMessage(CapturedMessage m) => feed.Publish(new LiveMessage(
        m.Timestamp, m.ProtocolType, m.CallId, m.Method, m.StatusCode, m.ReasonPhrase, m.FromUser, m.ToUser, m.RuriUser,
        m.UserAgent, m.SourceIp, m.SourcePort, m.DestinationIp, m.DestinationPort, m.CaptureId, m.NodeName, m.CorrelationId,
        m.Payload));
}
