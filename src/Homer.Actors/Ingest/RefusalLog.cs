using System.Net;
using Microsoft.Extensions.Logging;

namespace Homer.Actors.Ingest;

/// <summary>
/// Logs refused (and kept-but-unparsable) packets as summaries: per interval, one line per reason with the count, a
/// few of the sources and the last detail. A flood of garbage then costs a few lines, not two per packet; the
/// counters (<see cref="IngestCounters"/>) stay exact, since they are counted apart from this. Thread-safe.
/// </summary>
public sealed class RefusalLog : IAsyncDisposable
{
    /// <summary>Distinct sources named per reason and interval.</summary>
    public const int SamplesPerReason = 3;

    /// <summary>Distinct reasons per interval; more are counted under "other reasons", so no input makes more lines.</summary>
    public const int MaxReasons = 32;

    private readonly ILogger _logger;
    private readonly LogLevel _level;
    private readonly string _what;
    private readonly Dictionary<string, Tally> _tallies = new(StringComparer.Ordinal);
    private readonly PeriodicTimer _timer;
    private readonly Task _flushing;

    public TimeSpan Interval { get; }

    /// <param name="what">What is summarised, as the line says it: "Refused HEP packets", "Kept unparsable payloads".</param>
    public RefusalLog(ILogger logger, TimeSpan interval, string what, LogLevel level = LogLevel.Warning)
    {
        if (interval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "must be above zero");
        _logger = logger;
        _level = level;
        _what = what;
        Interval = interval;
        _timer = new PeriodicTimer(interval);
        _flushing = FlushEvery();
    }

    /// <summary>Counts one occurrence of <paramref name="reason"/> (a short, bounded set of values) from <paramref name="source"/>.</summary>
    public void Add(string reason, IPEndPoint? source, string? detail)
    {
        lock (_tallies)
        {
            if (!_tallies.TryGetValue(reason, out var tally))
            {
                if (_tallies.Count >= MaxReasons)
                    reason = "other reasons";
                if (!_tallies.TryGetValue(reason, out tally))
                    _tallies[reason] = tally = new Tally();
            }
            tally.Count++;
            tally.LastDetail = detail;
            if (source is not null && !tally.Sources.Contains(source))
            {
                if (tally.Sources.Count < SamplesPerReason)
                    tally.Sources.Add(source);
                else
                    tally.MoreSources = true;
            }
        }
    }

    /// <summary>Writes the lines for what was counted since the last flush (the timer calls this every interval).</summary>
    public void Flush()
    {
        List<(string Reason, Tally Tally)> due;
        lock (_tallies)
        {
            if (_tallies.Count == 0)
                return;
            due = [.. _tallies.Select(kv => (kv.Key, kv.Value))];
            _tallies.Clear();
        }
        if (!_logger.IsEnabled(_level))
            return;
        foreach (var (reason, tally) in due.OrderBy(d => d.Reason, StringComparer.Ordinal))
        {
            _logger.Log(_level, "{What}: {Count} in the last {Interval} for {Reason}, from {Sources}; last: {Detail}",
                _what, tally.Count, Interval, reason, string.Join(", ", tally.Sources) + (tally.MoreSources ? " and others" : ""),
                tally.LastDetail);
        }
    }

    private async Task FlushEvery()
    {
        try
        {
            while (await _timer.WaitForNextTickAsync())
                Flush();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _timer.Dispose();
        await _flushing;
        Flush();
    }

    private sealed class Tally
    {
        public long Count;
        public string? LastDetail;
        public bool MoreSources;
        public readonly List<IPEndPoint> Sources = new(SamplesPerReason);
    }
}
