namespace Homer.Api.Auth;

/// <summary>
/// Limits login attempts per user name and per client address over a sliding window. An attempt is counted before
/// its password is checked, in one step with the check (<see cref="TryBegin"/>), so parallel attempts cannot all
/// pass the check before any of them is counted: of N parallel guesses at most the limit are checked. A failed
/// attempt stays counted until it leaves the window; a successful one is taken back (and clears the user's count).
/// An address gets ten times a user's budget: many people may log in from behind one NAT.
/// Per node: a guesser spread over N API nodes gets N times the budget, which still makes online guessing hopeless.
/// </summary>
public sealed class LoginThrottle(AuthOptions options, TimeProvider clock)
{
    private const int MaxKeys = 100_000;

    /// <summary>Per key, the times of the attempts still in the window, oldest first.</summary>
    private readonly Dictionary<string, List<DateTimeOffset>> _attempts = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>An attempt counted by <see cref="TryBegin"/>; hand it back with <see cref="Succeeded"/> if the password was right.</summary>
    public readonly record struct Attempt(string UserKey, string? AddressKey, DateTimeOffset At);

    /// <summary>
    /// Counts an attempt for the user name and the address, unless either has used its budget in the window: then
    /// nothing is counted, the password must not be checked, and <paramref name="retryAfter"/> says when to come back.
    /// </summary>
    public bool TryBegin(string username, string? clientAddress, out Attempt attempt, out TimeSpan retryAfter)
    {
        var now = clock.GetUtcNow();
        var userKey = "u:" + username.ToLowerInvariant();
        var addressKey = clientAddress is null ? null : "ip:" + clientAddress;
        attempt = new Attempt(userKey, addressKey, now);
        retryAfter = TimeSpan.Zero;
        lock (_lock)
        {
            if (_attempts.Count > MaxKeys)
                Sweep(now);
            var user = Window(userKey, now);
            var address = addressKey is null ? null : Window(addressKey, now);
            if (user.Count >= options.LoginAttempts)
                retryAfter = user[0] + options.LoginWindow - now;
            if (address is not null && address.Count >= options.LoginAttempts * 10 && address[0] + options.LoginWindow - now is var wait && wait > retryAfter)
                retryAfter = wait;
            if (retryAfter > TimeSpan.Zero)
                return false;
            user.Add(now);
            address?.Add(now);
            return true;
        }
    }

    /// <summary>The password was right: the attempt does not count against the address, and the user's failures are forgotten.</summary>
    public void Succeeded(Attempt attempt)
    {
        lock (_lock)
        {
            _attempts.Remove(attempt.UserKey);
            if (attempt.AddressKey is { } key && _attempts.TryGetValue(key, out var times))
            {
                times.Remove(attempt.At);
                if (times.Count == 0)
                    _attempts.Remove(key);
            }
        }
    }

    /// <summary>The attempts of <paramref name="key"/> still in the window (older ones dropped); created empty if none.</summary>
    private List<DateTimeOffset> Window(string key, DateTimeOffset now)
    {
        if (!_attempts.TryGetValue(key, out var times))
            _attempts[key] = times = [];
        var expired = 0;
        while (expired < times.Count && now - times[expired] >= options.LoginWindow)
            expired++;
        if (expired > 0)
            times.RemoveRange(0, expired);
        return times;
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, times) in _attempts)
            if (times.Count == 0 || now - times[^1] >= options.LoginWindow)
                _attempts.Remove(key);
    }
}
