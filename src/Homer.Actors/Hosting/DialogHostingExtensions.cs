using Akka.Cluster.Hosting;
using Akka.Hosting;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Hosting;

public sealed record DialogOptions
{
    public int ShardCount { get; init; } = DialogMessageExtractor.DefaultShardCount;
    /// <summary>A dialog with no traffic for this long is passivated (its state stays in the journal).</summary>
    public TimeSpan PassivateIdleAfter { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How long a dialog gathers messages before it persists their summary.</summary>
    public TimeSpan FlushDelay { get; init; } = TimeSpan.FromMilliseconds(50);
}

public static class DialogHostingExtensions
{
    public const string DialogTypeName = "dialog";
    public const string DialogRole = "dialog";

    /// <summary>
    /// The dialog shard region on nodes with the <c>dialog</c> role, a proxy to it elsewhere; either way it is
    /// registered as <see cref="DialogRegion"/>.
    /// </summary>
    public static AkkaConfigurationBuilder AddDialogSharding(
        this AkkaConfigurationBuilder builder, DialogOptions options, bool hostsDialogs)
    {
        var extractor = new DialogMessageExtractor(options.ShardCount);
        if (!hostsDialogs)
            return builder.WithShardRegionProxy<DialogRegion>(DialogTypeName, DialogRole, extractor);

        return builder.WithShardRegion<DialogRegion>(
            DialogTypeName,
            callId => DialogActor.Props(callId, options.FlushDelay),
            extractor,
            new ShardOptions
            {
                Role = DialogRole,
                RememberEntities = false,
                PassivateIdleEntityAfter = options.PassivateIdleAfter,
                HandOffStopMessage = DialogCommands.StopDialog.Instance,
            });
    }
}
