using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Homer.Actors.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Homer.Api.Subscriptions;

/// <summary>What this API node receives of one DistributedPubSub topic, fanned out to its GraphQL subscribers.</summary>
public abstract class TopicFeed<T>(string topic)
{
    public string Topic { get; } = topic;
    public SubscriberHub<T> Hub { get; } = new();
}

/// <summary>The call events of the whole cluster (<see cref="CallEvents.Topic"/>).</summary>
public sealed class CallEventsFeed() : TopicFeed<CallEvents.ICallEvent>(CallEvents.Topic);

/// <summary>Alarm changes of the whole cluster (<see cref="AlarmNotices.Topic"/>).</summary>
public sealed class AlarmFeed() : TopicFeed<AlarmNotices.AlarmChanged>(AlarmNotices.Topic);

/// <summary>Subscribes this node to a feed's topic once Akka runs, and forwards every message to the feed.</summary>
public sealed class TopicListenerService<TFeed, T>(IServiceProvider services, TFeed feed) : IHostedService
    where TFeed : TopicFeed<T>
{
    private IActorRef? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var system = services.GetRequiredService<ActorSystem>();
        _listener = system.ActorOf(Props.Create(() => new Listener(feed)), "api-" + feed.Topic);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Tell(PoisonPill.Instance);
        return Task.CompletedTask;
    }

    private sealed class Listener : ReceiveActor
    {
        private readonly string _topic;

        public Listener(TFeed feed)
        {
            _topic = feed.Topic;
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(_topic, Self));
            Receive<SubscribeAck>(_ => { });
            Receive<T>(message => feed.Hub.Publish(message));
            // Dialog nodes publish their call events a window at a time.
            Receive<CallEvents.Batch>(batch =>
            {
                foreach (var e in batch.Events)
                    if (e is T message)
                        feed.Hub.Publish(message);
            });
        }

        protected override void PostStop() =>
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Unsubscribe(_topic, Self));
    }
}
