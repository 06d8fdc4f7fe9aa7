using System.Diagnostics;

namespace Homer.Api.Subscriptions;

/// <summary>
/// A token bucket that admits at most <see cref="PerSecond"/> events a second, with a burst of a tenth of a second's
/// worth (at least one), so in any interval of t seconds at most <c>Burst + PerSecond × t</c> pass. Called on the
/// publisher's thread: it never waits, it answers.
/// </summary>
public sealed class RateLimit
{
    private readonly Lock _lock = new();
    private readonly double _perTick;
    private double _tokens;
    private long _last;

    public RateLimit(int perSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        PerSecond = perSecond;
        Burst = Math.Max(1, perSecond / 10);
        _perTick = perSecond / (double)Stopwatch.Frequency;
        _tokens = Burst;
        _last = Stopwatch.GetTimestamp();
    }

    public int PerSecond { get; }

    public int Burst { get; }

    public bool TryTake()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            _tokens = Math.Min(Burst, _tokens + (now - _last) * _perTick);
            _last = now;
            if (_tokens < 1)
                return false;
            _tokens -= 1;
            return true;
        }
    }
}
