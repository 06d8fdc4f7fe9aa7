using System.Collections.Concurrent;

namespace Homer.Api.Auth;

/// <summary>
/// Counts failed logins per user name and per client address in a fixed window; once either reaches the limit,
/// further attempts are refused without checking the password until the window ends. Per node: a guesser spread
/// over N API nodes gets N times the budget, which still makes online guessing hopeless. An address gets ten times a
/// user's budget: many people may log in from behind one NAT.
/// </summary>
public sealed class LoginThrottle(AuthOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset Start, int Failures)> _windows = new();

    public bool IsBlocked(string username, string? clientAddress, out TimeSpan retryAfter)
    {
        var now = clock.GetUtcNow();
        retryAfter = TimeSpan.Zero;
        foreach (var key in Keys(username, clientAddress))
        {
            var limit = key.StartsWith("ip:", StringComparison.Ordinal) ? options.LoginAttempts * 10 : options.LoginAttempts;
            if (_windows.TryGetValue(key, out var w) && now - w.Start < options.LoginWindow && w.Failures >= limit)
            {
                var left = w.Start + options.LoginWindow - now;
                if (left > retryAfter)
                    retryAfter = left;
            }
        }
        return retryAfter > TimeSpan.Zero;
    }

    public void RecordFailure(string username, string? clientAddress)
    {
        var now = clock.GetUtcNow();
        foreach (var key in Keys(username, clientAddress))
            _windows.AddOrUpdate(key, (now, 1), (_, w) => now - w.Start >= options.LoginWindow ? (now, 1) : (w.Start, w.Failures + 1));
        if (_windows.Count > 100_000)
            Sweep(now);
    }

    public void RecordSuccess(string username) => _windows.TryRemove("u:" + username.ToLowerInvariant(), out _);

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, w) in _windows)
            if (now - w.Start >= options.LoginWindow)
                _windows.TryRemove(key, out _);
    }

    private static IEnumerable<string> Keys(string username, string? clientAddress)
    {
        yield return "u:" + username.ToLowerInvariant();
        if (clientAddress is not null)
            yield return "ip:" + clientAddress;
    }
}
