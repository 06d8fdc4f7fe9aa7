using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Homer.Actors.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Homer.Api.Subscriptions;

/// <summary>Alarm changes of the whole cluster, as this API node receives them from DistributedPubSub.</summary>
public sealed class AlarmFeed
{
    public SubscriberHub<AlarmNotices.AlarmChanged> Hub { get; } = new();
}

public sealed class AlarmListenerService(IServiceProvider services, AlarmFeed feed) : IHostedService
{
    private IActorRef? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var system = services.GetRequiredService<ActorSystem>();
        _listener = system.ActorOf(Props.Create(() => new Listener(feed)), "api-alarms");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Tell(PoisonPill.Instance);
        return Task.CompletedTask;
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(AlarmFeed feed)
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(AlarmNotices.Topic, Self));
            Receive<SubscribeAck>(_ => { });
            Receive<AlarmNotices.AlarmChanged>(a => feed.Hub.Publish(a));
        }

        protected override void PostStop() =>
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Unsubscribe(AlarmNotices.Topic, Self));
    }
}
