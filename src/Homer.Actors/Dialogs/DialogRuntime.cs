using Akka.Actor;
using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>What every dialog of a node shares: settings and where its outputs go.</summary>
public sealed record DialogRuntime(
    DialogSettings Settings,
    DialogMessageExtractor Extractor,
    /// <summary>The dialog region itself: ledger, legs and media index are entities in it.</summary>
    Func<IActorRef> Region,
    /// <summary>The node's <see cref="DialogRowWriter"/>; <see cref="ActorRefs.Nobody"/> writes no rows.</summary>
    IActorRef Rows,
    /// <summary>Where dialogs put their call events for the node's <see cref="CallEventPublisher"/>; null publishes nothing.</summary>
    CallEventOutbox? Events,
    /// <summary>How long a starting dialog waits for its ledger before it goes on with an empty state.</summary>
    TimeSpan RestoreTimeout)
{
    /// <summary>The message store, read by dialogs whose shard recovers after a crash; null: no catch-up (tests, no database).</summary>
    public IDialogHistory? History { get; init; }
    public CatchUpSettings CatchUp { get; init; } = CatchUpSettings.Default;
}
