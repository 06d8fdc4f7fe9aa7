using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Homer.Actors.Contracts;
using Homer.Actors.Hosting;
using Homer.Storage;
using Homer.Storage.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.Actors.Tests;

/// <summary>
/// A one-node cluster with the dialog feature exactly as Homer.Node composes it (sharding, Akka.Persistence.Sql
/// on PostgreSQL, our serializer, the dialogs table), plus a subscriber to the call events.
/// </summary>
public sealed class DialogNode : IAsyncDisposable
{
    private readonly IHost _host;

    public ActorSystem System { get; }
    public IActorRef Region { get; }
    public ConcurrentQueue<CallEvents.ICallEvent> Events { get; } = new();
    public DialogStore Store { get; }

    private DialogNode(IHost host, ActorSystem system, IActorRef region, DialogStore store)
    {
        _host = host;
        System = system;
        Region = region;
        Store = store;
    }

    public static async Task MigrateAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
    }

    public static async Task<DialogNode> StartAsync(string connectionString, DialogOptions options, bool crash = false)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddAkka("homer", (akka, _) =>
        {
            akka.AddHocon("""
                    akka.loglevel = WARNING
                    akka.persistence.journal.sql.buffer-size = 50000
                    akka.cluster.sharding.handoff-timeout = 10s
                    """ + (crash
                        // A node that can be "killed": terminating its system runs no hand-off, no snapshot, nothing.
                        ? "\nakka.coordinated-shutdown.run-by-actor-system-terminate = off\nakka.coordinated-shutdown.terminate-actor-system = on"
                        : ""), HoconAddMode.Prepend)
                .WithRemoting(new RemoteOptions { HostName = "127.0.0.1", Port = 0 })
                .WithClustering(new ClusterOptions { Roles = [DialogHostingExtensions.DialogRole] })
                .AddHomerPersistence(connectionString)
                .AddHomerSerialization()
                .AddDialogSharding(options, hostsDialogs: true)
                .AddStartup((system, _) =>
                {
                    var cluster = Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                });
        });
        var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var region = await host.Services.GetRequiredService<IRequiredActor<DialogRegion>>().GetAsync();
        var node = new DialogNode(host, system, region, new DialogStore(host.Services.GetRequiredService<NpgsqlDataSource>()));
        var subscriber = system.ActorOf(Props.Create(() => new Collector(node.Events)));
        var ack = await DistributedPubSub.Get(system).Mediator.Ask<SubscribeAck>(new Subscribe(CallEvents.Topic, subscriber), TimeSpan.FromSeconds(10));
        Assert.NotNull(ack);
        return node;
    }

    public Task<DialogQueries.DialogSnapshot> Get(string callId) =>
        Region.Ask<DialogQueries.DialogSnapshot>(new DialogQueries.GetDialog(callId), TimeSpan.FromSeconds(20));

    public async Task<DialogQueries.DialogSnapshot> WaitFor(string callId, Func<DialogQueries.DialogSnapshot, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        DialogQueries.DialogSnapshot last;
        do
        {
            last = await Get(callId);
            if (condition(last))
                return last;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"Timed out waiting for {what}; last state {last.State}, {last.MessageCount} messages");
        return last;
    }

    public static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(50);
        }
        Assert.Fail("Timed out waiting for " + what);
    }

    /// <summary>Stops the actor system without hand-off or shutdown phases, as close to kill -9 as one process allows.</summary>
    public async Task CrashAsync()
    {
        await System.Terminate();
        _host.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(ConcurrentQueue<CallEvents.ICallEvent> events)
        {
            Receive<CallEvents.ICallEvent>(events.Enqueue);
            Receive<CallEvents.Batch>(b =>
            {
                foreach (var e in b.Events)
                    events.Enqueue(e);
            });
        }
    }
}
