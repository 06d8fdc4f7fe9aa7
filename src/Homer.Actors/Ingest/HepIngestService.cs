using System.Net;
using System.Threading.Channels;
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
    CopyBatchWriter<CapturedMessage> store,
    IngestCounters counters,
    ILogger<HepIngestService> logger) : IHostedService
{
    private HepUdpReceiver? _udp;
    private Channel<HepDatagram>? _edge;
    private Task? _graph;

    public IPEndPoint? UdpEndpoint => _udp?.LocalEndpoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var region = await dialogRegion.GetAsync(cancellationToken);
        _edge = Channel.CreateBounded<HepDatagram>(new BoundedChannelOptions(options.EdgeBufferCapacity)
        {
            SingleWriter = true,
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting: the receiver counts the drop
        });
        _graph = IngestGraph.Run(_edge.Reader, options, store, region, counters, logger, system.Materializer());
        _ = _graph.ContinueWith(t =>
        {
            // The graph ends only when the edge buffer is completed at stop; anything else is a bug worth shouting about.
            if (t.IsFaulted)
                logger.LogCritical(t.Exception, "The HEP ingest graph failed; this node no longer ingests");
        }, TaskScheduler.Default);
        _udp = new HepUdpReceiver(options.UdpEndpoint, options.UdpReceiveBufferBytes, _edge.Writer, counters, logger);
        logger.LogInformation("HEP over UDP listening on {Endpoint}", _udp.LocalEndpoint);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_udp is not null)
            await _udp.DisposeAsync();
        _edge?.Writer.TryComplete();
        if (_graph is not null)
        {
            // The graph completes once the edge buffer is drained and the last batch is stored.
            await Task.WhenAny(_graph, Task.Delay(Timeout.Infinite, cancellationToken));
        }
        logger.LogInformation("HEP ingest stopped: {Counters}", string.Join(", ", counters.Snapshot().Select(kv => $"{kv.Key}={kv.Value}")));
    }
}
