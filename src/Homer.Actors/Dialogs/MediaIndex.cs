using Akka.Actor;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

/// <summary>Messages to a media index bucket; the bucket is an entity of the dialog region.</summary>
public interface IWithMediaBucket
{
    int Bucket { get; }
}

public static class MediaIndexCommands
{
    public const int Buckets = 64;

    /// <summary>These endpoints (SDP c=/m= address and port, RTP and RTCP) belong to this Call-ID until withdrawn.</summary>
    public sealed record Announce(int Bucket, string CallId, IReadOnlyList<string> Endpoints) : IWithMediaBucket, IHomerSerializable;

    public sealed record Withdraw(int Bucket, string CallId, IReadOnlyList<string> Endpoints) : IWithMediaBucket, IHomerSerializable;

    /// <summary>
    /// RTCP without a correlation id: find the dialog by <paramref name="Endpoint"/>; if this bucket does not know it,
    /// try <paramref name="Alternative"/> (the other end of the packet) once.
    /// </summary>
    public sealed record ResolveQos(int Bucket, string Endpoint, string? Alternative, QosReport Report) : IWithMediaBucket, IHomerSerializable;

    public static int BucketOf(string endpoint)
    {
        // Stable across processes (string.GetHashCode is randomised per process): FNV-1a.
        var hash = 2166136261u;
        foreach (var c in endpoint)
            hash = (hash ^ c) * 16777619u;
        return (int)(hash % Buckets);
    }

    public static IReadOnlyList<Announce> AnnouncementsFor(string callId, IReadOnlyList<string> endpoints) =>
        ByBucket(endpoints, (bucket, inBucket) => new Announce(bucket, callId, inBucket));

    public static IReadOnlyList<Withdraw> WithdrawalsFor(string callId, IReadOnlyList<string> endpoints) =>
        ByBucket(endpoints, (bucket, inBucket) => new Withdraw(bucket, callId, inBucket));

    /// <summary>
    /// One command per bucket with the endpoints in it, buckets in order of first appearance. Every call announces and
    /// withdraws its handful of endpoints: a plain loop, not LINQ's grouping (about 2 KB per call).
    /// </summary>
    private static IReadOnlyList<T> ByBucket<T>(IReadOnlyList<string> endpoints, Func<int, string[], T> make)
    {
        if (endpoints.Count == 0)
            return [];
        Span<int> buckets = endpoints.Count <= 16 ? stackalloc int[endpoints.Count] : new int[endpoints.Count];
        for (var i = 0; i < endpoints.Count; i++)
            buckets[i] = BucketOf(endpoints[i]);
        var commands = new List<T>(endpoints.Count);
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (buckets[..i].Contains(buckets[i]))
                continue;
            var count = 0;
            for (var j = i; j < endpoints.Count; j++)
                if (buckets[j] == buckets[i])
                    count++;
            var inBucket = new string[count];
            for (int j = i, k = 0; j < endpoints.Count; j++)
                if (buckets[j] == buckets[i])
                    inBucket[k++] = endpoints[j];
            commands.Add(make(buckets[i], inBucket));
        }
        return commands;
    }
}

/// <summary>
/// One bucket of the media endpoint → Call-ID index, an entity of the dialog region (memory only: dialogs and
/// ledgers announce again after a move). Entries leave with their dialog, or after <see cref="MaxAge"/> as a backstop.
/// </summary>
public sealed class MediaIndexActor : ReceiveActor, IWithTimers
{
    public const string EntityPrefix = " media ";
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(2);

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }

    private readonly Dictionary<string, (string CallId, DateTime Since)> _endpoints = new(StringComparer.Ordinal);

    public ITimerScheduler Timers { get; set; } = null!;

    // Asked for every announcement the extractor routes: one string per bucket, made once.
    private static readonly string[] EntityIds = Enumerable.Range(0, MediaIndexCommands.Buckets)
        .Select(b => EntityPrefix + b.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static string EntityIdOf(int bucket) =>
        (uint)bucket < (uint)EntityIds.Length ? EntityIds[bucket] : EntityPrefix + bucket.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static Props Props(IActorRef region) => Akka.Actor.Props.Create(() => new MediaIndexActor(region));

    public MediaIndexActor(IActorRef region)
    {
        Receive<MediaIndexCommands.Announce>(a =>
        {
            var now = DateTime.UtcNow;
            foreach (var endpoint in a.Endpoints)
                _endpoints[endpoint] = (a.CallId, now);
        });
        Receive<MediaIndexCommands.Withdraw>(w =>
        {
            foreach (var endpoint in w.Endpoints)
                if (_endpoints.TryGetValue(endpoint, out var entry) && entry.CallId == w.CallId)
                    _endpoints.Remove(endpoint);
        });
        Receive<MediaIndexCommands.ResolveQos>(r =>
        {
            if (_endpoints.TryGetValue(r.Endpoint, out var entry))
                region.Tell(new DialogCommands.AttachQos(entry.CallId, r.Report));
            else if (r.Alternative is { } other)
                region.Tell(new MediaIndexCommands.ResolveQos(MediaIndexCommands.BucketOf(other), other, null, r.Report));
        });
        Receive<Sweep>(_ =>
        {
            var oldest = DateTime.UtcNow - MaxAge;
            foreach (var (endpoint, entry) in _endpoints.Where(kv => kv.Value.Since < oldest).ToArray())
                _endpoints.Remove(endpoint);
        });
        Receive<DialogCommands.StopDialog>(_ => Context.Stop(Self));
    }

    protected override void PreStart() => Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, TimeSpan.FromMinutes(5));
}
