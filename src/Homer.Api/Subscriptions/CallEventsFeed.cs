using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Homer.Actors.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Homer.Api.Subscriptions;

/// <summary>The call events of the whole cluster, as this API node receives them from the DistributedPubSub topic.</summary>
public sealed class CallEventsFeed
{
    public SubscriberHub<CallEvents.ICallEvent> Hub { get; } = new();
}

/// <summary>Subscribes this node to <see cref="CallEvents.Topic"/> once Akka runs, and forwards every event to the feed.</summary>
public sealed class CallEventsListenerService(IServiceProvider services, CallEventsFeed feed) : IHostedService
{
    private IActorRef? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var system = services.GetRequiredService<ActorSystem>();
        _listener = system.ActorOf(Props.Create(() => new Listener(feed)), "api-call-events");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Tell(PoisonPill.Instance);
        return Task.CompletedTask;
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(CallEventsFeed feed)
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(CallEvents.Topic, Self));
            Receive<SubscribeAck>(_ => { });
            Receive<CallEvents.ICallEvent>(e => feed.Hub.Publish(e));
        }

        protected override void PostStop() =>
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Unsubscribe(CallEvents.Topic, Self));
    }
}
