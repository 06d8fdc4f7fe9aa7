using System.Net;
using System.Threading.Channels;
using Akka;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Homer.Actors.Contracts;
using Homer.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Homer.Actors.Ingest;

/// <summary>
/// Owns the HEP listeners and the ingest graph of a node with the <c>ingest</c> role: binds at start (so a port
/// conflict fails the start), and on stop closes the sockets first and then lets the graph flush what it holds.
/// </summary>
public sealed class HepIngestService(
    ActorSystem system,
    IRequiredActor<DialogRegion> dialogRegion,
    HepIngestOptions options,
    MessageStoreWriter store,
    IngestCounters counters,
    IEnumerable<ICapturedMessageObserver> observers,
    ILogger<HepIngestService> logger,
    StorageWatchdog? watchdog = null) : IHostedService, IHepIngestSink
{
    private static readonly HepSource ImportSource = new("import", null);

    private readonly List<IAsyncDisposable> _listeners = [];
    private readonly Dictionary<HepTransport, IPEndPoint> _endpoints = [];
    private Channel<HepDatagram>? _edge;
    private Task? _graph;
    private MessageSpool? _spool;
    private Task? _replay;
    private Task? _topKeys;
    private readonly CancellationTokenSource _stopBackground = new();
    private IngestMetrics? _metrics;
    private RefusalLog? _streamTroubles;
    private EdgeBytes? _edgeBytes;
    private int _stopped;

    public MessageSpool? Spool => _spool;

    /// <summary>
    /// The edge buffer holds more than 5 % of its capacity: the graph (decode, COPY) is behind what the listeners take.
    /// Catch-up reads of the message store wait while this holds (<see cref="Dialogs.DialogReadQueue"/>).
    /// </summary>
    public bool IsBehind => _edge is { } edge && edge.Reader.Count > options.EdgeBufferCapacity / 20;

    /// <summary>
    /// A HEP packet from an import (a PCAP upload), into the edge buffer like a TCP frame: waits for room in packets and
    /// bytes instead of dropping. No auth key is asked: the import's HTTP request was authenticated.
    /// </summary>
    public async ValueTask SubmitAsync(byte[] hepPacket, IPEndPoint sender, CancellationToken ct)
    {
        var edge = _edge ?? throw new InvalidOperationException("HEP ingest has not started on this node");
        counters.OnReceived();
        if (_edgeBytes is not null)
            await _edgeBytes.ReserveAsync(hepPacket.Length, ct);
        await edge.Writer.WriteAsync(new HepDatagram(hepPacket, sender, DateTimeOffset.UtcNow, ImportSource), ct);
    }

    /// <summary>Where the first listener of a transport is bound (the real port when 0 was configured).</summary>
    public IPEndPoint? EndpointOf(HepTransport transport) => _endpoints.GetValueOrDefault(transport);

    public IPEndPoint? UdpEndpoint => EndpointOf(HepTransport.Udp);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var region = await dialogRegion.GetAsync(cancellationToken);
        if (options.DialogHoldCapacity > 0)
        {
            // Held messages go on once the down-removal margin has passed after a removal, plus a second for the
            // coordinator to hand the shards out again.
            var margin = Akka.Cluster.Cluster.Get(system).DowningProvider.DownRemovalMargin;
            region = system.ActorOf(DialogRoutingGate.Props(region, "dialog", options.DialogHoldCapacity, margin + TimeSpan.FromSeconds(1)),
                "dialog-routing-gate");
        }
        _edge = Channel.CreateBounded<HepDatagram>(new BoundedChannelOptions(options.EdgeBufferCapacity)
        {
            SingleWriter = false,
            SingleReader = true,
            // UDP uses TryWrite, which fails when full (the receiver counts the drop); TCP/TLS wait on WriteAsync.
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (options.SpoolDirectory is not null)
        {
            _spool = new MessageSpool(options.SpoolDirectory, options.SpoolMaxBytes, logger);
            _replay = IngestGraph.ReplaySpool(_spool, store, counters, logger, TimeSpan.FromSeconds(1), _stopBackground.Token, watchdog,
                options.HeaderFields);
        }
        _topKeys = FlushTopKeysEvery(store.TopKeysFlushInterval, _stopBackground.Token);
        _metrics = new IngestMetrics(counters,
            () => _endpoints.Where(e => e.Key == HepTransport.Udp).Select(e => e.Value.Port),
            () => _spool?.Bytes ?? 0);
        _edgeBytes = options.EdgeBufferBytes > 0 ? new EdgeBytes(options.EdgeBufferBytes) : null;
        _graph = IngestGraph.Run(_edge.Reader, options, store, _spool, region, counters, logger, system.Materializer(), observers.ToList(),
            watchdog, edgeBytes: _edgeBytes);
        // A node told to leave (homerctl cluster leave, or downed) runs CoordinatedShutdown without the host stopping
        // first: stop taking HEP and flush the graph before sharding hands the shards over, as on SIGTERM.
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "stop-hep-ingest", async () =>
        {
            await StopAsync(CancellationToken.None);
            return Done.Instance;
        });
        _ = _graph.ContinueWith(t =>
        {
            // The graph ends only when the edge buffer is completed at stop; anything else is a bug worth shouting about.
            if (t.IsFaulted)
                logger.LogCritical(t.Exception, "The HEP ingest graph failed; this node no longer ingests");
        }, TaskScheduler.Default);
        try
        {
            foreach (var listener in options.Listeners)
            {
                IPEndPoint bound;
                if (listener.Transport == HepTransport.Udp)
                {
                    var udp = new HepUdpReceiver(listener, _edge.Writer, counters, logger, _edgeBytes);
                    _listeners.Add(udp);
                    bound = udp.LocalEndpoint;
                }
                else
                {
                    _streamTroubles ??= new RefusalLog(logger, options.RefusalLogInterval, "HEP stream trouble");
                    var stream = new HepStreamListener(listener, _edge.Writer, counters, logger, _streamTroubles, _edgeBytes);
                    _listeners.Add(stream);
                    bound = stream.LocalEndpoint;
                }
                _endpoints.TryAdd(listener.Transport, bound);
                logger.LogInformation("HEP over {Transport} listening on {Endpoint}{Auth}", listener.Transport.ToString().ToUpperInvariant(),
                    bound, listener.AuthKey is null ? "" : " (auth key required)");
            }
        }
        catch
        {
            await StopAsync(cancellationToken);
            throw;
        }
    }

    private async Task FlushTopKeysEvery(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    foreach (var refused in await store.FlushTopKeysAsync(ct))
                    {
                        Storage.StorageMetrics.OnQuarantined("toplist", refused.SqlState);
                        logger.LogWarning("PostgreSQL refused a top-list count for good ({SqlState}: {Error}); quarantined it",
                            refused.SqlState, refused.Error);
                    }
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // Kept in memory (bounded) and written by the next flush.
                    logger.LogWarning(e, "Writing the statistics' top lists failed; retrying in {Interval}", interval);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Called by the host on SIGTERM and by CoordinatedShutdown on a cluster leave, whichever comes first.
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
            return;
        // Stop accepting first, so what the graph drains below is everything we will ever get.
        foreach (var listener in _listeners)
            await listener.DisposeAsync();
        _listeners.Clear();
        if (_streamTroubles is not null)
            await _streamTroubles.DisposeAsync();
        _edge?.Writer.TryComplete();
        if (_graph is not null)
        {
            // The graph completes once the edge buffer is drained and the last batch is stored (or spooled).
            var drained = await Task.WhenAny(_graph, Task.Delay(options.DrainTimeout, cancellationToken)) == _graph;
            if (!drained)
                logger.LogWarning("The ingest graph did not drain within {Timeout}; messages still in it are lost", options.DrainTimeout);
        }
        await _stopBackground.CancelAsync();
        if (_replay is not null)
            await _replay;
        if (_topKeys is not null)
            await _topKeys;
        // Last, after the graph and the replay stored what they could: what they counted is written too.
        try
        {
            await store.FlushTopKeysAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The statistics' top lists (sources, user agents) counted since the last flush could not be written and are lost");
        }
        if (_spool is { Batches: > 0 })
            logger.LogWarning("{Batches} spooled batches ({Bytes} bytes) wait in {Directory}; they are replayed at the next start",
                _spool.Batches, _spool.Bytes, _spool.Path);
        logger.LogInformation("HEP ingest stopped: {Counters}", string.Join(", ", counters.Snapshot().Select(kv => $"{kv.Key}={kv.Value}")));
    }
}
