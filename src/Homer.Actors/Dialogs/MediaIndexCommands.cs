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

    /// <summary>
    /// The bucket of an "address:port" endpoint. RTP's even port and RTCP's port above it share a bucket, so a call's
    /// SDP is one announcement per media stream and the call's withdrawal half the messages (each one a hop through the
    /// region: at 20 000 messages/s the media index was a tenth of the dialog node's actor messages).
    /// </summary>
    public static int BucketOf(string endpoint)
    {
        // Stable across processes (string.GetHashCode is randomised per process): FNV-1a.
        var hash = 2166136261u;
        var colon = endpoint.LastIndexOf(':');
        if (colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            for (var i = 0; i < colon; i++)
                hash = (hash ^ endpoint[i]) * 16777619u;
            var pair = port >> 1;
            hash = (hash ^ (uint)(pair & 0xff)) * 16777619u;
            hash = (hash ^ (uint)(pair >> 8)) * 16777619u;
        }
        else
        {
            foreach (var c in endpoint)
                hash = (hash ^ c) * 16777619u;
        }
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
