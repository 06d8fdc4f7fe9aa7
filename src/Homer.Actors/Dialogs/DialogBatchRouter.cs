using Akka.Actor;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>
/// Gathers the dialog commands of one routing window of the ingest graph by shard, and sends each shard one
/// <see cref="DialogCommands.ShardBatch"/>: the routing gate, the shard region and the shard then handle a batch per
/// shard per window instead of every message (three mailbox hops each, which cost the node more than the dialogs'
/// own work). Order is kept within a shard, which holds every command of a Call-ID. Not thread-safe: the graph's one
/// ordered stage owns it.
/// </summary>
public sealed class DialogBatchRouter(IActorRef region, int shardCount)
{
    private readonly DialogMessageExtractor _extractor = new(shardCount);
    private readonly Dictionary<string, List<IWithCallId>> _byShard = new(StringComparer.Ordinal);
    private readonly List<string> _touched = [];

    /// <summary>Commands waiting for <see cref="Flush"/>.</summary>
    public int Pending { get; private set; }

    public void Add(in DialogRoute route)
    {
        Add(route.First);
        Add(route.Second);
    }

    public void Add(object? command)
    {
        switch (command)
        {
            case null:
                return;
            case DialogCommands.RecordSipMessage or DialogCommands.AttachQos or DialogCommands.AttachLog or DialogCommands.LinkLeg:
                var withCallId = (IWithCallId)command;
                var shard = _extractor.ShardOf(withCallId.CallId);
                if (!_byShard.TryGetValue(shard, out var commands))
                    _byShard[shard] = commands = [];
                if (commands.Count == 0)
                    _touched.Add(shard);
                commands.Add(withCallId);
                Pending++;
                return;
            default:
                // Media index lookups and anything else go as they are, at once.
                region.Tell(command);
                return;
        }
    }

    /// <summary>Sends every shard its commands (a lone command as itself) and starts a new window.</summary>
    public void Flush()
    {
        try
        {
            foreach (var shard in _touched)
            {
                var commands = _byShard[shard];
                region.Tell(commands.Count == 1 ? commands[0] : new DialogCommands.ShardBatch(shard, commands.ToArray()));
            }
        }
        finally
        {
            // A window is sent at most once, even if a send threw half-way.
            foreach (var shard in _touched)
                _byShard[shard].Clear();
            _touched.Clear();
            Pending = 0;
        }
    }
}
