using System.Threading.Channels;

namespace Homer.Api.Subscriptions;

/// <summary>
/// One subscriber's bounded queue between a feed (which must never wait for it) and the subscriber's socket. When
/// the queue is full the new event is dropped and counted; the subscriber then gets a notice with the count before
/// its next event, so nothing is lost silently and a slow client never slows ingest.
/// With a <see cref="RateLimit"/>, events beyond the subscriber's rate are skipped at the door (never queued) and
/// counted: the count rides on the next delivered event, or comes as a notice of its own when no event follows within
/// <see cref="SkippedSummaryInterval"/>. Delivered + dropped + skipped is exactly what was offered.
/// </summary>
public sealed class SubscriberQueue<T>(int capacity, RateLimit? rateLimit = null)
{
    public static readonly TimeSpan SkippedSummaryInterval = TimeSpan.FromMilliseconds(500);

    private readonly Channel<T> _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private long _pendingDropped;
    private long _totalDropped;
    private long _pendingSkipped;
    private long _totalSkipped;

    public long TotalDropped => Interlocked.Read(ref _totalDropped);

    public long TotalSkipped => Interlocked.Read(ref _totalSkipped);

    /// <summary>Never blocks; false (and counted) when the rate limit skips it or the subscriber is too far behind.</summary>
    public bool Offer(T item)
    {
        if (rateLimit is not null && !rateLimit.TryTake())
        {
            Interlocked.Increment(ref _pendingSkipped);
            Interlocked.Increment(ref _totalSkipped);
            return false;
        }
        if (_channel.Writer.TryWrite(item))
            return true;
        Interlocked.Increment(ref _pendingDropped);
        Interlocked.Increment(ref _totalDropped);
        return false;
    }

    /// <summary>
    /// The queue as the observable a GraphQL stream resolver returns: items mapped by <paramref name="map"/>, dropped
    /// counts as <paramref name="droppedNotice"/>; <paramref name="onUnsubscribe"/> runs when the client completes.
    /// </summary>
    public IObservable<object?> AsObservable(Func<T, object?> map, Func<long, object?> droppedNotice, DeliveryCredits? credits, Action onUnsubscribe) =>
        new Pump(this, (item, _) => map(item), droppedNotice, _ => null, credits, onUnsubscribe);

    /// <summary>
    /// As <see cref="AsObservable(Func{T, object?}, Func{long, object?}, DeliveryCredits?, Action)"/>, with the count
    /// of events skipped by the rate limit since the previous delivery passed to <paramref name="map"/>, and a
    /// <paramref name="skippedNotice"/> when skipped events are not followed by one that passes.
    /// </summary>
    public IObservable<object?> AsObservable(Func<T, long, object?> map, Func<long, object?> droppedNotice, Func<long, object?> skippedNotice,
        DeliveryCredits? credits, Action onUnsubscribe) =>
        new Pump(this, map, droppedNotice, skippedNotice, credits, onUnsubscribe);

    private sealed class Pump(SubscriberQueue<T> queue, Func<T, long, object?> map, Func<long, object?> droppedNotice, Func<long, object?> skippedNotice,
        DeliveryCredits? credits, Action onUnsubscribe)
        : IObservable<object?>
    {
        public IDisposable Subscribe(IObserver<object?> observer)
        {
            var stop = new CancellationTokenSource();
            _ = Task.Run(() => Run(observer, stop.Token));
            return new Unsubscriber(() =>
            {
                stop.Cancel();
                onUnsubscribe();
            });
        }

        private async Task Run(IObserver<object?> observer, CancellationToken ct)
        {
            var reader = queue._channel.Reader;
            try
            {
                while (true)
                {
                    var waiting = reader.WaitToReadAsync(ct).AsTask();
                    // Skipped events with nothing after them: say so after a short quiet spell rather than never.
                    while (!waiting.IsCompleted && Interlocked.Read(ref queue._pendingSkipped) > 0)
                    {
                        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        if (await Task.WhenAny(waiting, Task.Delay(SkippedSummaryInterval, quiet.Token)) == waiting)
                        {
                            await quiet.CancelAsync();
                            break;
                        }
                        var skipped = Interlocked.Exchange(ref queue._pendingSkipped, 0);
                        if (skipped > 0)
                            await Deliver(observer, skippedNotice(skipped), ct);
                    }
                    if (!await waiting)
                        break;
                    while (reader.TryRead(out var item))
                    {
                        var dropped = Interlocked.Exchange(ref queue._pendingDropped, 0);
                        if (dropped > 0)
                            await Deliver(observer, droppedNotice(dropped), ct);
                        await Deliver(observer, map(item, Interlocked.Exchange(ref queue._pendingSkipped, 0)), ct);
                    }
                }
                observer.OnCompleted();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                observer.OnError(e);
            }
        }

        private async Task Deliver(IObserver<object?> observer, object? value, CancellationToken ct)
        {
            if (credits is not null)
                await credits.WaitAsync(ct);
            observer.OnNext(value);
        }
    }

    private sealed class Unsubscriber(Action action) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                action();
        }
    }
}
