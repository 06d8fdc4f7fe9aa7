using System.Threading.Channels;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Supervision;
using Homer.Actors.Dialogs;
using Homer.Storage;
using Microsoft.Extensions.Logging;

namespace Homer.Actors.Ingest;

public sealed record HepIngestOptions
{
    public required IReadOnlyList<HepListenerOptions> Listeners { get; init; }
    /// <summary>The one bounded buffer between the listeners and the graph, in packets. UDP drops when it is full; TCP waits.</summary>
    public int EdgeBufferCapacity { get; init; } = 100_000;
    public int DecodeParallelism { get; init; } = 2;
    public int StoreBatchSize { get; init; } = 2_000;
    public TimeSpan StoreBatchInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    public int StoreParallelism { get; init; } = 2;
    public int StoreAttempts { get; init; } = 6;
    public TimeSpan StoreFirstBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Stored as the node name of packets whose sender gave none.</summary>
    public string? NodeName { get; init; }
}

/// <summary>
/// The ingest graph: datagrams from the edge buffer are decoded in parallel, then every message goes to the
/// store in COPY batches and every SIP message with a Call-ID to its dialog (Tell, never Ask).
/// Inside the graph everything backpressures; a failing store slows the graph until the edge buffer drops.
/// </summary>
public static class IngestGraph
{
    public static Task<Done> Run(
        ChannelReader<HepDatagram> source,
        HepIngestOptions options,
        CopyBatchWriter<CapturedMessage> store,
        IActorRef dialogRegion,
        IngestCounters counters,
        ILogger logger,
        IMaterializer materializer)
    {
        var storeSink = Flow.Create<CapturedMessage>()
            .GroupedWithin(options.StoreBatchSize, options.StoreBatchInterval)
            .SelectAsyncUnordered(options.StoreParallelism, batch => StoreBatch(batch.ToList(), options, store, counters, logger))
            .ToMaterialized(Sink.Ignore<int>(), Keep.Right);

        // Streams refuse null elements (a null fails the whole graph), so decoding yields a struct outcome and
        // the refused packets are filtered out after it.
        return ChannelSource.FromReader(source)
            .SelectAsync(options.DecodeParallelism, datagram => Task.Run(() => Decode(datagram, options, counters, logger)))
            .Where(outcome => outcome.Message is not null)
            .Select(outcome => outcome.Message!)
            .WireTap(message => RouteToDialog(message, dialogRegion, counters))
            // Belt and braces: an unexpected exception in a stage loses that element, never the graph.
            .WithAttributes(ActorAttributes.CreateSupervisionStrategy(Deciders.ResumingDecider))
            .RunWith(storeSink, materializer);
    }

    private static DecodeOutcome Decode(HepDatagram datagram, HepIngestOptions options, IngestCounters counters, ILogger logger)
    {
        DecodeOutcome outcome;
        try
        {
            outcome = HepMessageDecoder.Decode(datagram.Data, options.NodeName, datagram.Source.RequiredAuthKey);
        }
        catch (Exception e)
        {
            // The codecs return errors as values; this is the belt to their braces, so one packet never ends the graph.
            outcome = new DecodeOutcome(null, "decoder threw " + e.GetType().Name + ": " + e.Message);
        }

        if (outcome.Message is null)
        {
            counters.OnDropped(outcome.Reason);
            logger.LogWarning("Refused packet from {Sender} on {Listener} ({Length} bytes): {Reason}: {Error}; first bytes {Head}",
                datagram.Sender, datagram.Source.Name, datagram.Data.Length, outcome.Reason, outcome.Error,
                Convert.ToHexString(datagram.Data, 0, Math.Min(16, datagram.Data.Length)));
            return outcome;
        }

        counters.OnDecoded();
        if (outcome.Message.ParseError is not null)
        {
            counters.OnUnparsedKept();
            logger.LogInformation("Kept unparsable payload (type {Type}) from {Sender}: {Error}",
                outcome.Message.ProtocolType, datagram.Sender, outcome.Message.ParseError);
        }
        return outcome;
    }

    private static void RouteToDialog(CapturedMessage message, IActorRef dialogRegion, IngestCounters counters)
    {
        if (DialogRouting.TryRoute(message, dialogRegion))
            counters.OnRouted();
    }

    private static async Task<int> StoreBatch(IReadOnlyList<CapturedMessage> batch, HepIngestOptions options,
        CopyBatchWriter<CapturedMessage> store, IngestCounters counters, ILogger logger)
    {
        var backoff = options.StoreFirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var written = await store.WriteAsync(batch);
                counters.OnStored((long)written);
                if (attempt > 1)
                    logger.LogInformation("Stored a batch of {Count} messages after {Attempts} attempts", batch.Count, attempt);
                return batch.Count;
            }
            catch (Exception e) when (attempt < options.StoreAttempts)
            {
                logger.LogWarning("Storing a batch of {Count} messages failed (attempt {Attempt} of {Attempts}), retrying in {Backoff}: {Error}",
                    batch.Count, attempt, options.StoreAttempts, backoff, e.Message);
                await Task.Delay(backoff);
                backoff *= 2;
            }
            catch (Exception e)
            {
                counters.OnDropped(DropReason.StorageFailure, batch.Count);
                logger.LogError(e, "Lost a batch of {Count} messages after {Attempts} failed attempts to store it",
                    batch.Count, attempt);
                return 0;
            }
        }
    }
}
