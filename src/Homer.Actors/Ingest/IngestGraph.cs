using System.Threading.Channels;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Supervision;
using Homer.Actors.Dialogs;
using Homer.Hep;
using Homer.Sip;
using Homer.Storage;
using Microsoft.Extensions.Logging;

namespace Homer.Actors.Ingest;

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
        MessageStoreWriter store,
        MessageSpool? spool,
        IActorRef dialogRegion,
        IngestCounters counters,
        ILogger logger,
        IMaterializer materializer,
        IReadOnlyList<ICapturedMessageObserver>? observers = null,
        StorageWatchdog? watchdog = null,
        IngestLogs? logs = null,
        EdgeBytes? edgeBytes = null)
    {
        var log = logs ?? IngestLogs.For(logger, options.RefusalLogInterval);
        var watchers = observers ?? [];
        // Store batches are gathered from whole decode batches (weighted by their size), not message by message:
        // the graph's per-element cost then falls on a few hundred lists a second instead of every message.
        var storeSink = Flow.Create<List<CapturedMessage>>()
            .GroupedWeightedWithin(options.StoreBatchSize, options.StoreBatchSize, options.StoreBatchInterval, messages => (long)messages.Count)
            .SelectAsyncUnordered(options.StoreParallelism, lists => StoreBatch(Concat(lists), options, store, spool, counters, logger, watchdog))
            .ToMaterialized(Sink.Ignore<int>(), Keep.Right);

        // Decoding runs on pool threads in small batches: a task per packet would cost more than the decode itself.
        // The decode workers also plan each message's dialog commands (with the SIP they parsed), so the one ordered
        // stage after them only routes: it gathers a routing window's commands by shard, tells each shard one batch (in
        // arrival order within the shard, which holds every command of a Call-ID), and hands the messages on to the store.
        var router = new DialogBatchRouter(dialogRegion, options.DialogShardCount);
        var done = ChannelSource.FromReader(source)
            .GroupedWithin(options.DecodeBatchSize, options.DecodeBatchInterval)
            .SelectAsync(options.DecodeParallelism, batch => Task.Run(() => DecodeBatch(batch, options, counters, log, edgeBytes)))
            .GroupedWeightedWithin(options.DialogRouteWindowMessages, options.DialogRouteWindowMessages, options.DialogRouteWindow,
                decoded => (long)Math.Max(1, decoded.Messages.Count))
            .Select(window =>
            {
                foreach (var decoded in window)
                {
                    var messages = decoded.Messages;
                    for (var i = 0; i < messages.Count; i++)
                    {
                        try
                        {
                            var route = decoded.Routes[i];
                            if (!route.IsEmpty)
                            {
                                router.Add(route);
                                counters.OnRouted();
                            }
                            foreach (var observer in watchers)
                            {
                                if (observer.IsListening)
                                    observer.OnMessage(messages[i]);
                            }
                        }
                        catch (Exception e)
                        {
                            // The message is still stored; only its dialog or a live view misses it, and its neighbours do not.
                            logger.LogWarning(e, "Routing a message of Call-ID {CallId} failed", messages[i].CallId);
                        }
                    }
                }
                try
                {
                    router.Flush();
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Sending a window of dialog commands failed");
                }
                return Concat(window.Select(d => d.Messages));
            })
            .Where(messages => messages.Count > 0)
            // Belt and braces: an unexpected exception in a stage loses that element, never the graph.
            .WithAttributes(ActorAttributes.CreateSupervisionStrategy(Deciders.ResumingDecider))
            .RunWith(storeSink, materializer);
        return logs is null ? DisposeAfter(done, log) : done;
    }

    /// <summary>Logs the graph made for itself write their last summaries when it ends.</summary>
    private static async Task<Done> DisposeAfter(Task<Done> graph, IngestLogs logs)
    {
        try
        {
            return await graph;
        }
        finally
        {
            await logs.DisposeAsync();
        }
    }

    private static List<CapturedMessage> Concat(IEnumerable<List<CapturedMessage>> lists)
    {
        List<CapturedMessage>? all = null;
        foreach (var list in lists)
        {
            if (all is null)
                all = list;
            else
                all.AddRange(list);
        }
        return all ?? [];
    }

    /// <summary>The messages of one decode batch and, index by index, what each asks of the dialogs.</summary>
    private sealed record DecodedBatch(List<CapturedMessage> Messages, List<DialogRoute> Routes);

    private static DecodedBatch DecodeBatch(IEnumerable<HepDatagram> batch, HepIngestOptions options, IngestCounters counters, IngestLogs logs,
        EdgeBytes? edgeBytes)
    {
        var messages = new List<CapturedMessage>(options.DecodeBatchSize);
        var routes = new List<DialogRoute>(options.DecodeBatchSize);
        var fields = options.HeaderFields?.Current; // one read per batch; null while no field is configured
        foreach (var datagram in batch)
        {
            // Out of the edge buffer: its bytes now count against the graph's own (bounded) stages.
            edgeBytes?.Release(datagram.Data.Length);
            if (Decode(datagram, options, counters, logs, out var sip).Message is { } message)
            {
                if (fields is not null && message.ProtocolType == HepProtocolType.Sip && fields.Extract(message.Payload.Span) is { } found)
                    message = message with { FieldsJsonUtf8 = found };
                messages.Add(message);
                routes.Add(DialogRouting.PlanParsed(message, sip));
            }
        }
        // Once per batch, on this worker: the metrics cost a few array adds per distinct (node, method, response).
        options.SipTraffic?.Count(messages);
        return new DecodedBatch(messages, routes);
    }

    private static DecodeOutcome Decode(HepDatagram datagram, HepIngestOptions options, IngestCounters counters, IngestLogs logs,
        out Homer.Sip.SipMessage sip)
    {
        DecodeOutcome outcome;
        sip = default;
        try
        {
            outcome = HepMessageDecoder.Decode(datagram.Data, options.NodeName, datagram.Source.RequiredAuthKey, options.SipParser, out sip);
        }
        catch (Exception e)
        {
            // The codecs return errors as values; this is the belt to their braces, so one packet never ends the graph.
            outcome = new DecodeOutcome(null, "decoder threw " + e.GetType().Name + ": " + e.Message, Kind: "decoder threw " + e.GetType().Name);
        }

        if (outcome.Message is null)
        {
            counters.OnDropped(outcome.Reason);
            // Summarised per interval (a flood of garbage must not become a flood of log lines); the counter is exact.
            logs.Refused.Add($"{outcome.Reason} ({outcome.Kind ?? "other"})", datagram.Sender,
                $"{outcome.Error} on {datagram.Source.Name} ({datagram.Data.Length} bytes, first bytes {Convert.ToHexString(datagram.Data, 0, Math.Min(16, datagram.Data.Length))})");
            return outcome;
        }

        counters.OnDecoded();
        if (outcome.Message.ParseError is not null)
        {
            counters.OnUnparsedKept();
            logs.KeptRaw.Add($"type {outcome.Message.ProtocolType}", datagram.Sender, outcome.Message.ParseError);
        }
        return outcome;
    }

    private static async Task<int> StoreBatch(IReadOnlyList<CapturedMessage> batch, HepIngestOptions options,
        MessageStoreWriter store, MessageSpool? spool, IngestCounters counters, ILogger logger, StorageWatchdog? watchdog)
    {
        watchdog?.Report(QuarantineWriter, progressed: false, pending: true);
        // While older batches wait in the spool the store is known to be failing: one attempt, then join the queue.
        var attempts = spool is { Batches: > 0 } ? 1 : options.StoreAttempts;
        var backoff = options.StoreFirstBackoff;
        var pending = batch;
        for (var attempt = 1; ; attempt++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            StoreOutcome outcome;
            try
            {
                outcome = await store.StoreAsync(pending);
            }
            catch (Exception e)
            {
                // StoreAsync returns storage errors as values; anything else loses nothing more than a transient error.
                outcome = new StoreOutcome(0, [], [], pending, e);
            }
            Account(outcome, counters, logger);
            var progressed = outcome.Written > 0 || outcome.Quarantined.Count > 0;
            watchdog?.Report(QuarantineWriter, progressed, pending: outcome.Unwritten.Count > 0 || spool is { Batches: > 0 },
                outcome.TransientError?.Message);
            if (outcome.Unwritten.Count == 0)
            {
                IngestMetrics.StoreBatchSeconds.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                return batch.Count;
            }
            pending = outcome.Unwritten;
            var error = outcome.TransientError!;
            if (attempt < attempts)
            {
                logger.LogWarning("Storing a batch of {Count} messages failed (attempt {Attempt} of {Attempts}), retrying in {Backoff}: {Error}",
                    pending.Count, attempt, attempts, backoff, error.Message);
                await Task.Delay(backoff);
                backoff *= 2;
                continue;
            }
            if (spool is not null && spool.TryAdd(pending))
            {
                counters.OnSpooled(pending.Count);
                logger.LogWarning("PostgreSQL did not take a batch of {Count} messages ({Error}); spooled to disk, {Bytes} bytes waiting",
                    pending.Count, error.Message, spool.Bytes);
                return 0;
            }
            counters.OnDropped(DropReason.StorageFailure, pending.Count);
            logger.LogError(error, "Lost a batch of {Count} messages: the store refused it {Attempts} times and the spool {Why}",
                pending.Count, attempt, spool is null ? "is disabled" : $"is full ({spool.Bytes} bytes)");
            return 0;
        }
    }

    /// <summary>Counts what a store attempt stored, quarantined and lost, and says which rows were refused and why.</summary>
    private static void Account(StoreOutcome outcome, IngestCounters counters, ILogger logger)
    {
        counters.OnStored(outcome.Written);
        foreach (var refused in outcome.Quarantined)
        {
            counters.OnQuarantined(1);
            Homer.Actors.Storage.StorageMetrics.OnQuarantined(QuarantineWriter, refused.SqlState);
            logger.LogWarning("PostgreSQL refused message of Call-ID {CallId} for good ({SqlState}: {Error}); stored its neighbours, quarantined it",
                Shorten(refused.Row.CallId), refused.SqlState, Shorten(refused.Error));
        }
        if (outcome.Lost.Count > 0)
        {
            counters.OnDropped(DropReason.StorageFailure, outcome.Lost.Count);
            logger.LogError("Lost {Count} messages PostgreSQL refused for good and the quarantine did not take: {Error}",
                outcome.Lost.Count, Shorten(outcome.Lost[0].Error));
        }
    }

    private static IReadOnlyList<CapturedMessage> WithHeaderFields(IReadOnlyList<CapturedMessage> batch, HeaderFieldSet? fields)
    {
        if (fields is null)
            return batch;
        var result = new List<CapturedMessage>(batch.Count);
        foreach (var message in batch)
        {
            result.Add(message.FieldsJsonUtf8 is null && message.ProtocolType == HepProtocolType.Sip
                && message.ParseError is null && fields.Extract(message.Payload.Span) is { } found
                ? message with { FieldsJsonUtf8 = found }
                : message);
        }
        return result;
    }

    /// <summary>The writer label of the messages in <c>homer_quarantined_total</c>.</summary>
    public const string QuarantineWriter = "messages";

    private static string? Shorten(string? text) => text is { Length: > 200 } ? text[..200] + "…" : text;

    /// <summary>
    /// Replays spooled batches whenever PostgreSQL takes writes again; runs until <paramref name="ct"/> ends. A batch
    /// PostgreSQL refuses rows of for good is isolated and quarantined like a live one, and replay goes on behind it.
    /// </summary>
    public static async Task ReplaySpool(MessageSpool spool, MessageStoreWriter store, IngestCounters counters, ILogger logger,
        TimeSpan interval, CancellationToken ct, StorageWatchdog? watchdog = null, HeaderFieldRegistry? headerFields = null)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, ct);
                if (spool.Batches == 0)
                    continue;
                await ReplaySpoolOnce(spool, store, counters, logger, ct, watchdog, headerFields);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogDebug("Spool replay deferred: {Error}", e.Message);
            }
        }
    }

    /// <summary>One round of <see cref="ReplaySpool"/>: replays files until the spool is empty or PostgreSQL is unreachable.</summary>
    public static async Task<long> ReplaySpoolOnce(MessageSpool spool, MessageStoreWriter store, IngestCounters counters, ILogger logger,
        CancellationToken ct, StorageWatchdog? watchdog = null,
        HeaderFieldRegistry? headerFields = null)
    {
        var replayed = await spool.ReplayPartialAsync(async (batch, token) =>
        {
            // The spool keeps what a message is, not the configured header fields extracted from it: extract them again.
            var outcome = await store.StoreAsync(WithHeaderFields(batch, headerFields?.Current), token);
            Account(outcome, counters, logger);
            counters.OnReplayed(outcome.Written);
            watchdog?.Report(QuarantineWriter, progressed: outcome.Written > 0 || outcome.Quarantined.Count > 0, pending: true,
                outcome.TransientError?.Message);
            if (outcome.TransientError is { } error)
                logger.LogDebug("Spool replay deferred: {Error}", error.Message);
            return outcome.Unwritten;
        }, ct);
        if (spool.Batches == 0)
            watchdog?.Report(QuarantineWriter, progressed: true, pending: false);
        if (replayed > 0)
            logger.LogInformation("Replayed {Count} spooled messages into PostgreSQL; {Left} batches left", replayed, spool.Batches);
        return replayed;
    }
}
