using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Storage;
using Npgsql;

namespace Homer.Actors.Hosting;

/// <summary>Registry key of the node's <see cref="DialogRowWriter"/>.</summary>
public sealed class DialogRowWriterKey;

public static class DialogHostingExtensions
{
    public const string DialogTypeName = "dialog";
    public const string DialogRole = "dialog";

    /// <summary>
    /// The dialog shard region on nodes with the <c>dialog</c> role, a proxy to it elsewhere; either way it is
    /// registered as <see cref="DialogRegion"/>. The region holds the dialogs, one ledger per shard and the media index.
    /// </summary>
    public static AkkaConfigurationBuilder AddDialogSharding(
        this AkkaConfigurationBuilder builder, DialogOptions options, bool hostsDialogs)
    {
        var extractor = new DialogMessageExtractor(options.ShardCount);
        if (!hostsDialogs)
            return builder.WithShardRegionProxy<DialogRegion>(DialogTypeName, DialogRole, extractor);

        // What a crash loses of the newest checkpoints is caught up from the message store only within the margin.
        if (options.Settings.CheckpointDelay + options.Ledger.FlushDelay > options.CatchUp.Margin / 2)
            throw new ArgumentException(
                $"homer.dialog.checkpoint-delay ({options.Settings.CheckpointDelay}) + ledger-flush-delay ({options.Ledger.FlushDelay}) must stay " +
                $"below half of homer.dialog.recovery.margin ({options.CatchUp.Margin}): a crash could lose dialog changes the catch-up does not read again",
                nameof(options));
        IActorRef? regionRef = null;
        builder.WithActors((system, registry) =>
        {
            // Shards of a downed node start elsewhere after the down-removal margin; a second more for the coordinator.
            var margin = Akka.Cluster.Cluster.Get(system).DowningProvider.DownRemovalMargin;
            system.ActorOf(LedgerWaker.Props(() => regionRef ??= registry.Get<DialogRegion>(), options.ShardCount, DialogRole,
                margin + TimeSpan.FromSeconds(1), options.CatchUp), "dialog-ledger-waker");
        });
        return builder.WithShardRegion<DialogRegion>(
            DialogTypeName,
            (system, registry, resolver) =>
            {
                var rows = options.WriteRows
                    ? system.ActorOf(DialogRowWriter.Props(new DialogStore(resolver.GetService<NpgsqlDataSource>()),
                        new QuarantineStore(resolver.GetService<NpgsqlDataSource>()), resolver.GetService<StorageWatchdog>(), options.Rows), "dialog-rows")
                    : ActorRefs.Nobody;
                registry.TryRegister<DialogRowWriterKey>(rows);
                CallEventOutbox? events = null;
                if (options.PublishEvents)
                {
                    events = new CallEventOutbox(options.Events.MaxWaiting);
                    system.ActorOf(CallEventPublisher.Props(DistributedPubSub.Get(system).Mediator, options.Events, events), "call-events");
                }
                IActorRef? region = null;
                IActorRef Region() => region ??= registry.Get<DialogRegion>();
                var runtime = new DialogRuntime(options.Settings, extractor, Region, rows, events, options.RestoreTimeout)
                {
                    History = options.CatchUpFromStore ? CatchUpHistory(options, resolver) : null,
                    CatchUp = options.CatchUp,
                };
                return entityId => EntityProps(entityId, runtime, options.Ledger);
            },
            extractor,
            new ShardOptions
            {
                Role = DialogRole,
                RememberEntities = false,
                // Dialogs leave their hosts themselves (end + linger, or DialogSettings' idle times); sharding's idle
                // passivation would stop ledgers and the media index too.
                ShouldPassivateIdleEntities = false,
                HandOffStopMessage = DialogCommands.StopDialog.Instance,
            });
    }

    /// <summary>
    /// Where the node's dialogs catch up from: one read of a window shared by the shards that ask at once, behind the
    /// node's read queue (<see cref="CatchUpSettings.ReadConcurrency"/> at once, waiting while ingest is behind), on a
    /// connection pool of that size of its own, so catch-up never takes the COPY's connections.
    /// </summary>
    private static IDialogHistory? CatchUpHistory(DialogOptions options, Akka.DependencyInjection.IDependencyResolver resolver)
    {
        IDialogHistory? store = options.History;
        if (store is null)
        {
            NpgsqlDataSource? source;
            if (resolver.GetService<StorageOptions>() is { } storage)
            {
                var builder = new NpgsqlDataSourceBuilder(storage.ConnectionString) { Name = "homer-catch-up" };
                builder.ConnectionStringBuilder.MaxPoolSize = Math.Max(1, options.CatchUp.ReadConcurrency);
                builder.ConnectionStringBuilder.MinPoolSize = 0;
                // So an operator tells them apart in pg_stat_activity.
                builder.ConnectionStringBuilder.ApplicationName = "homer-catch-up";
                source = builder.Build();
            }
            else
                source = resolver.GetService<NpgsqlDataSource>();
            if (source is null)
                return null;
            store = new DialogHistoryQueries(source);
        }
        var ingest = new Lazy<Ingest.HepIngestService?>(() => resolver.GetService<Ingest.HepIngestService>());
        return new SharedDialogHistory(new DialogReadQueue(store, options.CatchUp.ReadConcurrency,
            () => ingest.Value?.IsBehind == true, options.CatchUp.ReadYieldMax));
    }

    /// <summary>What runs under an entity id of the dialog region: a ledger, a media index bucket, or a shard's dialog host.</summary>
    public static Props EntityProps(string entityId, DialogRuntime runtime, LedgerSettings ledger)
    {
        if (entityId.StartsWith(DialogLedger.EntityPrefix, StringComparison.Ordinal))
            return DialogLedger.Props(entityId[DialogLedger.EntityPrefix.Length..], ledger, runtime.Region(), runtime);
        if (entityId.StartsWith(MediaIndexActor.EntityPrefix, StringComparison.Ordinal))
            return MediaIndexActor.Props(runtime.Region());
        // Any other id is a shard's dialog host (a Call-ID as entity id, from a node before the hosts, cannot reach
        // here: the extractor of this node names the entity).
        return DialogHost.Props(runtime);
    }
}
