using System.Collections.Concurrent;

namespace Homer.Api.Subscriptions;

/// <summary>Fan-out from one feed to the queues of its current subscribers; publishing never waits for any of them.</summary>
public sealed class SubscriberHub<T>
{
    private readonly ConcurrentDictionary<long, Action<T>> _subscribers = new();
    private long _nextId;

    public int Count => _subscribers.Count;

    public IDisposable Add(Action<T> offer)
    {
        var id = Interlocked.Increment(ref _nextId);
        _subscribers[id] = offer;
        return new Removal(this, id);
    }

    public void Publish(T item)
    {
        foreach (var offer in _subscribers.Values)
            offer(item);
    }

    private sealed class Removal(SubscriberHub<T> hub, long id) : IDisposable
    {
        public void Dispose() => hub._subscribers.TryRemove(id, out _);
    }
}
