using Akka.Configuration;
using Homer.Actors.Dialogs;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Actors.Ingest;

/// <summary>What the HEP ingest of a node listens on and how its graph batches, stores and routes.</summary>
public sealed record HepIngestOptions
{
    public required IReadOnlyList<HepListenerOptions> Listeners { get; init; }
    /// <summary>The one bounded buffer between the listeners and the graph, in packets. UDP drops when it is full; TCP waits.</summary>
    public int EdgeBufferCapacity { get; init; } = 100_000;
    public int DecodeParallelism { get; init; } = 2;
    /// <summary>Packets decoded per task, and how long the graph waits to fill a batch (bounds the added latency).</summary>
    public int DecodeBatchSize { get; init; } = 256;
    public TimeSpan DecodeBatchInterval { get; init; } = TimeSpan.FromMilliseconds(2);
    public int StoreBatchSize { get; init; } = 2_000;
    public TimeSpan StoreBatchInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    public int StoreParallelism { get; init; } = 2;
    /// <summary>Attempts to store a batch before it goes to the spool.</summary>
    public int StoreAttempts { get; init; } = 3;
    public TimeSpan StoreFirstBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Where batches wait while PostgreSQL is unreachable; null disables the spool.</summary>
    public string? SpoolDirectory { get; init; }
    public long SpoolMaxBytes { get; init; } = 1L << 30;
    /// <summary>How long a stopping node waits for the graph to store what it holds.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Stored as the node name of packets whose sender gave none.</summary>
    public string? NodeName { get; init; }
    /// <summary>SIP counts by method, response, node and IP alias for /metrics; null counts nothing.</summary>
    public SipTrafficMetrics? SipTraffic { get; init; }
    /// <summary>The headers that name another leg of the call (X-CID by default), stored as the correlation id.</summary>
    public SipParserOptions SipParser { get; init; } = SipParserOptions.Default;
    /// <summary>
    /// Messages for dialogs held while a dialog node is unreachable or its shards are moving (see
    /// <see cref="DialogRoutingGate"/>); 0 sends straight to the region, as before the gate existed.
    /// </summary>
    public int DialogHoldCapacity { get; init; } = 200_000;
    /// <summary>Refused packets are logged as one summary line per reason per this interval (counters stay exact).</summary>
    public TimeSpan RefusalLogInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Bytes of packets the edge buffer may hold besides its packet count; 0: no byte bound.</summary>
    public long EdgeBufferBytes { get; init; }
    /// <summary>Shards of the dialog region (<c>homer.dialog.shard-count</c>): dialog commands are sent as one batch per shard.</summary>
    public int DialogShardCount { get; init; } = DialogMessageExtractor.DefaultShardCount;
    /// <summary>
    /// How long the graph gathers dialog commands before it sends each shard its batch, and at most how many messages
    /// (<c>homer.dialog.route-window</c>, <c>route-window-messages</c>): a message reaches its dialog this much later at
    /// most, and the gate, region and shard handle a few hundred batches a second instead of every message.
    /// </summary>
    public TimeSpan DialogRouteWindow { get; init; } = TimeSpan.FromMilliseconds(20);
    public int DialogRouteWindowMessages { get; init; } = 4_000;
    /// <summary>Configured header fields extracted from SIP messages (null or empty registry: nothing is extracted).</summary>
    public HeaderFieldRegistry? HeaderFields { get; init; }

    /// <summary>
    /// The dialog routing of <c>homer.dialog</c> in cluster-config (shard-count, route-window, route-window-messages;
    /// defaults in cluster-config/akka.conf): how this graph batches the commands it sends to the dialog region. A key
    /// that is not set keeps the code's default.
    /// </summary>
    public HepIngestOptions WithDialogRouting(Config config) => this with
    {
        DialogShardCount = DialogMessageExtractor.ShardCountFrom(config),
        DialogRouteWindow = config.GetTimeSpan("homer.dialog.route-window", DialogRouteWindow, allowInfinite: false),
        DialogRouteWindowMessages = config.GetInt("homer.dialog.route-window-messages", DialogRouteWindowMessages),
    };
}
