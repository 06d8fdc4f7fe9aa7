using Homer.Api.Auth;

namespace Homer.Api;

public sealed record ApiOptions
{
    public AuthOptions Auth { get; init; } = new();

    /// <summary>Events a subscriber may fall behind by before the oldest are dropped (and counted in a dropped notice).</summary>
    public int SubscriberQueue { get; init; } = 1_000;

    /// <summary>
    /// Most events a second one live subscription (<c>messages</c>, <c>callEvents</c>) is sent; a client may ask for
    /// fewer with <c>maxPerSecond</c>. Events beyond the rate are skipped and counted (<c>skipped</c>).
    /// </summary>
    public int LiveMaxPerSecond { get; init; } = 1_000;

    /// <summary>The rate a subscription gets: what it asked for, at most <see cref="LiveMaxPerSecond"/>.</summary>
    public int LiveRate(int? asked) => Math.Clamp(asked ?? LiveMaxPerSecond, 1, Math.Max(1, LiveMaxPerSecond));

    /// <summary>
    /// A rate-limited subscriber's queue holds about a second of its rate (never more than <see cref="SubscriberQueue"/>),
    /// so what a slow client reads is at most that old.
    /// </summary>
    public int LiveQueue(int rate) => Math.Min(SubscriberQueue, Math.Max(16, rate));

    /// <summary>How long a WebSocket may stay open without connection_init.</summary>
    public TimeSpan ConnectionInitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest POST body a request without a token may send (only a login needs none); larger ones get a 401 unread.</summary>
    public long MaxAnonymousBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Longest a query or mutation may run.</summary>
    public TimeSpan ExecutionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deepest selection a query may nest; the deepest real query (introspection) stays well below.</summary>
    public int MaxQueryDepth { get; init; } = 15;

    /// <summary>graphql-dotnet's complexity estimate (each field 1, lists times 5) a request may reach.</summary>
    public int MaxQueryComplexity { get; init; } = 20_000;

    /// <summary>Largest JSON result an HTTP request may return; a larger one is refused with a hint to page.</summary>
    public long MaxResultBytes { get; init; } = 32L << 20;

    /// <summary>Database fields (messages, dialogs, callFlow, qos, stats; each alias counts) one request may hold.</summary>
    public int MaxDatabaseFields { get; init; } = 10;

    /// <summary>Requests that search the database one user may run at once on a node; more are refused at once.</summary>
    public int MaxConcurrentQueriesPerUser { get; init; } = 4;

    /// <summary>Messages one export may hold; a wider request is refused with the count.</summary>
    public int MaxExportMessages { get; init; } = 100_000;

    /// <summary>Messages one export of a search result (<c>POST /api/export/messages</c>) may hold at most; streamed, so this bounds time, not memory.</summary>
    public int MaxSearchExportRows { get; init; } = 1_000_000;

    /// <summary>Largest PCAP file one import (<c>POST /api/import/pcap</c>) may upload.</summary>
    public long MaxImportBytes { get; init; } = 256L << 20;
}
