using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Actors.Hosting;
using Homer.Sip;
using Homer.Storage;
using Homer.Storage.Migrations;
using Homer.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// Dialog routing benchmark: drives the dialog region of a one-node cluster (real sharding, ledger journal and
// dialogs table on PostgreSQL) with Tell, 7-message calls whose messages arrive in four bursts as on the wire.
// Usage: dotnet run -c Release --project tests/Homer.DialogBench -- [calls] [messages-per-second, 0 = as fast as possible]
var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
var rate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
// "no-rows" leaves the dialogs table out, to see what it costs.
var writeRows = !args.Contains("no-rows");
// "alloc" samples the runtime's allocation events during the run and prints the types that took most.
using var allocations = args.Contains("alloc") ? new AllocationSampler() : null;

ParseBenchmark();
StateBenchmark();

await using var database = await TestDatabase.CreateAsync();
await using (var ds = NpgsqlDataSource.Create(database.ConnectionString))
    await new SchemaMigrator(ds, NullLogger<SchemaMigrator>.Instance).MigrateAsync();

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(database.ConnectionString));
builder.Services.AddAkka("homer", (akka, _) =>
{
    akka.AddHocon("""
            akka.loglevel = WARNING
            akka.persistence.journal.sql.buffer-size = 50000
            akka.persistence.max-concurrent-recoveries = 50
            """, HoconAddMode.Prepend)
        .WithRemoting(new RemoteOptions { HostName = "127.0.0.1", Port = 0 })
        .WithClustering(new ClusterOptions { Roles = [DialogHostingExtensions.DialogRole] })
        .AddHomerPersistence(database.ConnectionString)
        .AddHomerSerialization()
        // A short linger so ended calls retire during the run, as they would in a long one.
        .AddDialogSharding(new DialogOptions { Settings = DialogSettings.Default with { Linger = TimeSpan.FromSeconds(2) }, WriteRows = writeRows }, hostsDialogs: true)
        .AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress));
});
using var host = builder.Build();
await host.StartAsync();
var system = host.Services.GetRequiredService<ActorSystem>();
var region = await host.Services.GetRequiredService<IRequiredActor<DialogRegion>>().GetAsync();

var sentAt = new long[calls];
var latencies = new ConcurrentBag<long>();
var ended = 0;
var warmEnded = 0;
var done = new TaskCompletionSource();
Action<CallEvents.DialogEnded> onEnded = e =>
{
    var i = int.Parse(e.CallId.AsSpan(5), CultureInfo.InvariantCulture);
    latencies.Add(Stopwatch.GetTimestamp() - Volatile.Read(ref sentAt[i]));
    if (Interlocked.Increment(ref ended) == calls)
        done.TrySetResult();
};
Action onWarm = () => Interlocked.Increment(ref warmEnded);
var subscriber = system.ActorOf(Props.Create(() => new EndCounter(onEnded, onWarm)));
await DistributedPubSub.Get(system).Mediator.Ask<SubscribeAck>(new Subscribe(CallEvents.Topic, subscriber), TimeSpan.FromSeconds(10));

// Warm-up: shards, ledgers and the JIT, so the run measures the steady state. Two rounds with a pause: tiered
// compilation recompiles the hot methods in the background after their first calls (with 2 000 warm-up calls, a
// sixth of the run's samples were still the JIT's).
const int warmCalls = 5_000;
for (var round = 0; round < 2; round++)
{
    for (var i = round * warmCalls; i < (round + 1) * warmCalls; i++)
        foreach (var m in Messages("warm-" + i, 0))
            region.Tell(m);
    var warmDeadline = DateTime.UtcNow.AddSeconds(60);
    while (Volatile.Read(ref warmEnded) < (round + 1) * warmCalls && DateTime.UtcNow < warmDeadline)
        await Task.Delay(100);
    await Task.Delay(2_000);
}
Console.WriteLine($"warm-up: {warmEnded} of {2 * warmCalls} calls ended");

// The four bursts of a call (INVITE+100, 180, 200+ACK, BYE+200) go out this many calls apart, so each lands in
// its own checkpoint window at the target rate, as a real call's do.
int[] offsets = [0, 300, 1_500, 6_000];
await using var stats = NpgsqlDataSource.Create(database.ConnectionString);
// The journal's global ordering counts every event written, also those a snapshot later deleted.
const string journalEvents = "SELECT coalesce(max(ordering), 0) FROM journal";
var journalBefore = await Scalar(stats, journalEvents);
var changesBefore = DialogLedger.ChangesWritten.Value;
var templates = Enumerable.Range(0, calls).Select(i => Messages("call-" + i.ToString(CultureInfo.InvariantCulture), i)).ToArray();
var totalMessages = calls * 7L;
var (gc0, gc1, gc2, gcPause, allocated, cpu) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(),
    GC.GetTotalAllocatedBytes(), Process.GetCurrentProcess().TotalProcessorTime);
allocations?.Start();
var sw = Stopwatch.StartNew();
var sent = 0L;
for (var step = 0; step < calls + offsets[^1]; step++)
{
    for (var burst = 0; burst < 4; burst++)
    {
        var call = step - offsets[burst];
        if (call < 0 || call >= calls)
            continue;
        var m = templates[call];
        switch (burst)
        {
            case 0: region.Tell(m[0]); region.Tell(m[1]); sent += 2; break;
            case 1: region.Tell(m[2]); sent += 1; break;
            case 2: region.Tell(m[3]); region.Tell(m[4]); sent += 2; break;
            case 3:
                Volatile.Write(ref sentAt[call], Stopwatch.GetTimestamp());
                region.Tell(m[5]); region.Tell(m[6]); sent += 2;
                break;
        }
    }
    if (rate > 0)
    {
        var due = TimeSpan.FromSeconds((double)sent / rate);
        while (sw.Elapsed < due)
            Thread.Sleep(1);
    }
}
var sendTime = sw.Elapsed;
await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(120)));
var total = sw.Elapsed;
var runCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
allocations?.Stop();
var runGc = (GC.CollectionCount(0) - gc0, GC.CollectionCount(1) - gc1, GC.CollectionCount(2) - gc2, GC.GetTotalPauseDuration() - gcPause,
    GC.GetTotalAllocatedBytes() - allocated);
// Rows and checkpoints trail the calls by the checkpoint delay and the writers' backlog: wait until every call's row
// says COMPLETED, or the count has stopped moving for 5 s.
const string completedRows = "SELECT count(*) FROM dialogs WHERE call_id LIKE 'call-%' AND state = 'COMPLETED'";
long rows = 0, lastRows = -1;
var stableSince = sw.Elapsed;
while (writeRows && rows < calls && sw.Elapsed - stableSince < TimeSpan.FromSeconds(5))
{
    await Task.Delay(250);
    rows = await Scalar(stats, completedRows);
    if (rows != lastRows)
        (lastRows, stableSince) = (rows, sw.Elapsed);
}
var rowsDone = sw.Elapsed;
await Task.Delay(1_000);
var journal = await Scalar(stats, journalEvents) - journalBefore;
var changes = DialogLedger.ChangesWritten.Value - changesBefore;
var sorted = latencies.Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    calls {calls}, messages {totalMessages}, target rate {(rate == 0 ? "max" : rate + "/s")}, dialogs rows {writeRows}, server GC {System.Runtime.GCSettings.IsServerGC}
    sent in {sendTime.TotalSeconds:0.00} s ({totalMessages / sendTime.TotalSeconds:0} msg/s); all {ended} calls ended after {total.TotalSeconds:0.00} s ({totalMessages / total.TotalSeconds:0} msg/s routed and applied)
    ledger: {changes:0} dialog changes persisted ({changes / calls:0.0} per call, {changes / rowsDone.TotalSeconds:0}/s) in {journal} journal rows ({(double)journal / calls:0.00} per call, {journal / total.TotalSeconds:0}/s)
    dialogs rows COMPLETED {rows}, the last after {rowsDone.TotalSeconds:0.00} s
    this process until all ended: CPU {runCpu.TotalSeconds:0.00} s ({runCpu.TotalMicroseconds / totalMessages:0.0} µs/msg), allocated {runGc.Item5 / calls} B/call, GC {runGc.Item1}/{runGc.Item2}/{runGc.Item3} (gen0/1/2), paused {runGc.Item4.TotalMilliseconds:0} ms
    latency BYE told → DialogEnded received: p50 {P(0.50):0.0} ms, p99 {P(0.99):0.0} ms, max {P(1.0):0.0} ms
    """));
if (allocations is not null)
    Console.WriteLine(allocations.Report(calls));
await host.StopAsync();

static async Task<long> Scalar(NpgsqlDataSource ds, string sql)
{
    await using var cmd = ds.CreateCommand(sql);
    return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
}

static DialogCommands.RecordSipMessage[] Messages(string callId, int i)
{
    var t0 = 1_764_000_000_000_000L + i * 1_000L;
    var b = "z9hG4bK" + callId;
    DialogCommands.RecordSipMessage M(long dt, string? method, int status, long cseq, string cseqMethod, string branch, string? toTag, IReadOnlyList<string>? media = null) => new()
    {
        CallId = callId, TimestampMicros = t0 + dt, Method = method, StatusCode = status, ReasonPhrase = status == 0 ? null : "R",
        CSeqNumber = cseq, CSeqMethod = cseqMethod, ViaBranch = branch, FromTag = "ft", ToTag = toTag, FromUser = "alice", ToUser = "bob",
        RuriUser = "bob", SourceIp = "10.0.0.1", SourcePort = 5060, DestinationIp = "10.0.0.2", DestinationPort = 5060,
        MediaEndpoints = media ?? [], NodeName = "bench",
    };
    return
    [
        M(0, "INVITE", 0, 1, "INVITE", b + "-1", null, ["10.0.0.1:40000", "10.0.0.1:40001"]),
        M(10_000, null, 100, 1, "INVITE", b + "-1", null),
        M(800_000, null, 180, 1, "INVITE", b + "-1", "tt"),
        M(3_000_000, null, 200, 1, "INVITE", b + "-1", "tt", ["10.0.0.2:50000", "10.0.0.2:50001"]),
        M(3_020_000, "ACK", 0, 1, "ACK", b + "-2", "tt"),
        M(30_000_000, "BYE", 0, 2, "BYE", b + "-3", "tt"),
        M(30_015_000, null, 200, 2, "BYE", b + "-3", "tt"),
    ];
}

// The seam's own cost: re-parsing a stored message and reducing it to the dialog command, per message, one thread.
static void ParseBenchmark()
{
    const string invite = "INVITE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\nMax-Forwards: 70\r\n" +
        "To: Bob <sip:bob@example.net>\r\nFrom: Alice <sip:alice@example.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710@pc33\r\nCSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@10.0.0.1>\r\nX-CID: other-leg@host\r\nContent-Type: application/sdp\r\nContent-Length: 129\r\n\r\n" +
        "v=0\r\no=alice 2890844526 2890844526 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    var bytes = Encoding.ASCII.GetBytes(invite);
    var captured = new CapturedMessage
    {
        TimestampMicros = 1, Profile = MessageProfile.Call, ProtocolType = 1, SourceIp = IPAddress.Loopback, SourcePort = 5060,
        DestinationIp = IPAddress.Loopback, DestinationPort = 5060, CallId = "a84b4c76e66710@pc33", Payload = bytes,
    };
    const int n = 200_000;
    for (var pass = 0; pass < 2; pass++)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            SipParser.TryParse(bytes, out var sip, out _);
            DialogRouting.ToCommand(captured, bytes, sip);
        }
        if (pass == 1)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"seam: re-parse + reduce an INVITE with SDP: {sw.Elapsed.TotalMilliseconds * 1000 / n:0.00} µs/message on one thread"));
    }
}

// The pure state's own cost: deciding and applying a 7-message call, one thread, no actors.
static void StateBenchmark()
{
    const int n = 50_000;
    var calls = Enumerable.Range(0, n).Select(i => Messages("s-" + i.ToString(CultureInfo.InvariantCulture), i)).ToArray();
    // The second variant adds what the actor does per message for the catch-up after a crash (ADR 0004): the
    // message's key and remembering it in the state.
    foreach (var keyed in new[] { false, true })
        for (var pass = 0; pass < 2; pass++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            foreach (var call in calls)
            {
                var state = DialogState.Empty(call[0].CallId);
                foreach (var m in call)
                {
                    // As the actor does: a live message decided and applied, with its key, on one copy of the state.
                    state = keyed
                        ? state.Decide(m, DialogSettings.Default, new AppliedMessage(m.TimestampMicros, MessageKeys.Of(m)),
                            DialogSettings.Default.AppliedKeyWindow).State
                        : state.ApplyAll(state.Process(m, DialogSettings.Default));
                }
            }
            if (pass == 1)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"state: decide + apply{(keyed ? " + key + remember" : "")} a 7-message call: {sw.Elapsed.TotalMilliseconds * 1000 / n:0.0} µs, {(GC.GetAllocatedBytesForCurrentThread() - allocated) / n} B per call, one thread"));
        }
}

sealed class EndCounter : ReceiveActor
{
    public EndCounter(Action<CallEvents.DialogEnded> onEnded, Action onWarm)
    {
        Receive<CallEvents.Batch>(b =>
        {
            foreach (var e in b.Events)
                if (e is CallEvents.DialogEnded ended)
                {
                    if (ended.CallId.StartsWith("call-", StringComparison.Ordinal))
                        onEnded(ended);
                    else
                        onWarm();
                }
        });
    }
}

/// <summary>
/// The runtime's GC AllocationTick events (one per ~100 KB allocated, naming the type that crossed the mark): a
/// sampled picture of which types a run allocates most, without a profiler.
/// </summary>
sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _on;

    public void Start() => _on = true;
    public void Stop() => _on = false;

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
            return;
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    public string Report(int calls)
    {
        var total = _bytes.Values.Sum();
        return "allocation samples (bytes per call, share):\n" + string.Join("\n", _bytes.OrderByDescending(p => p.Value).Take(30)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"  {p.Value / (double)calls,8:0} B  {100.0 * p.Value / total,5:0.0} %  {p.Key}")));
    }
}
