using System.Net;

namespace Homer.Api.Subscriptions;

/// <summary>One captured message as the live tail shows it.</summary>
public sealed record LiveMessage(
    DateTimeOffset Timestamp,
    byte ProtocolType,
    string? CallId,
    string? Method,
    int? StatusCode,
    string? ReasonPhrase,
    string? FromUser,
    string? ToUser,
    string? RuriUser,
    string? UserAgent,
    IPAddress SourceIp,
    int SourcePort,
    IPAddress DestinationIp,
    int DestinationPort,
    long CaptureId,
    string? NodeName,
    string? CorrelationId,
    ReadOnlyMemory<byte> Payload);

/// <summary>
/// Where the ingest side of this process hands each decoded message for the <c>messages</c> subscription. Publishing
/// never blocks: each subscriber has its own bounded queue. Check <see cref="HasSubscribers"/> first to skip building
/// the <see cref="LiveMessage"/> when nobody listens (the common case).
/// </summary>
public interface ILiveMessageFeed
{
    bool HasSubscribers { get; }

    void Publish(LiveMessage message);
}

public sealed class LiveMessageFeed : ILiveMessageFeed
{
    public SubscriberHub<LiveMessage> Hub { get; } = new();

    public bool HasSubscribers => Hub.Count > 0;

    public void Publish(LiveMessage message) => Hub.Publish(message);
}
