using Akka.Actor;
using Homer.Actors.Contracts;

namespace Homer.Actors.Dialogs;

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
