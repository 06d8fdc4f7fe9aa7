using System.Threading.Channels;

namespace Homer.Api.Subscriptions;

/// <summary>
/// One subscriber's bounded queue between a feed (which must never wait for it) and the subscriber's socket. When
/// the queue is full the new event is dropped and counted; the subscriber then gets a notice with the count before
/// its next event, so nothing is lost silently and a slow client never slows ingest.
/// </summary>
public sealed class SubscriberQueue<T>(int capacity)
{
    private readonly Channel<T> _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private long _pendingDropped;
    private long _totalDropped;

    public long TotalDropped => Interlocked.Read(ref _totalDropped);

    /// <summary>Never blocks; false (and counted) when the subscriber is too far behind.</summary>
    public bool Offer(T item)
    {
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
        new Pump(this, map, droppedNotice, credits, onUnsubscribe);

    private sealed class Pump(SubscriberQueue<T> queue, Func<T, object?> map, Func<long, object?> droppedNotice, DeliveryCredits? credits, Action onUnsubscribe)
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
                while (await reader.WaitToReadAsync(ct))
                {
                    while (reader.TryRead(out var item))
                    {
                        var dropped = Interlocked.Exchange(ref queue._pendingDropped, 0);
                        if (dropped > 0)
                            await Deliver(observer, droppedNotice(dropped), ct);
                        await Deliver(observer, map(item), ct);
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
