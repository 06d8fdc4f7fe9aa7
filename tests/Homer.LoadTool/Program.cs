using System.CommandLine;
using Homer.LoadTool;

var to = new Option<string>("--to") { Description = "Where to send: udp:HOST:PORT or tcp:HOST:PORT.", Required = true };
var captureId = new Option<uint>("--capture-id") { Description = "HEP capture id of the sent packets.", DefaultValueFactory = _ => 4242 };
var authKey = new Option<string?>("--auth-key") { Description = "HEP auth key (chunk 0x000e), when the node requires one." };

var rate = new Option<int>("--rate") { Description = "Packets per second to offer.", DefaultValueFactory = _ => 1000 };
var duration = new Option<double>("--duration") { Description = "Seconds to send for.", DefaultValueFactory = _ => 10 };
var concurrency = new Option<int>("--concurrency") { Description = "Calls in progress at once (their messages interleave).", DefaultValueFactory = _ => 200 };
var runId = new Option<string?>("--run-id") { Description = "Prefix of the generated Call-IDs (default: random)." };
var probeUrl = new Option<string?>("--probe-url") { Description = "Node HTTP URL; when set, probe messages measure send-to-searchable latency through GraphQL." };
var probeInterval = new Option<int>("--probe-interval-ms") { Description = "One probe message every N ms.", DefaultValueFactory = _ => 200 };
var json = new Option<bool>("--json") { Description = "Print the result as one JSON object." };
var token = new Option<string?>("--token") { Description = "Bearer token for the probe queries (or HOMER_TOKEN)." };

var send = new Command("send", "Send realistic 7-message SIP calls as HEP3 at a fixed packet rate.")
{
    to, captureId, authKey, rate, duration, concurrency, runId, probeUrl, probeInterval, json, token,
};
send.SetAction(async (result, ct) =>
{
    var options = new LoadOptions(
        Target.Parse(result.GetValue(to)!), result.GetValue(rate), TimeSpan.FromSeconds(result.GetValue(duration)),
        result.GetValue(concurrency), result.GetValue(runId) ?? Guid.NewGuid().ToString("N")[..8], result.GetValue(captureId),
        result.GetValue(authKey), result.GetValue(probeUrl), TimeSpan.FromMilliseconds(result.GetValue(probeInterval)),
        result.GetValue(token) ?? Environment.GetEnvironmentVariable("HOMER_TOKEN"));
    var report = await LoadSender.RunAsync(options, ct);
    Console.WriteLine(result.GetValue(json) ? report.ToJson() : report.ToText());
    return report.ProbesLost > 0 ? 3 : 0;
});

var pcap = new Option<FileInfo>("--pcap") { Description = "pcap or pcapng file of HEP (UDP payloads) or raw SIP over UDP.", Required = true };
var speed = new Option<string>("--speed") { Description = "max, or a factor of the recorded pace (1 = real time, 2 = twice as fast).", DefaultValueFactory = _ => "max" };
var replay = new Command("replay", "Replay a capture: HEP payloads are sent as they are; raw SIP is wrapped in HEP3 with its addresses.")
{
    to, pcap, speed, captureId, authKey,
};
replay.SetAction(async (result, ct) =>
{
    var sent = await PcapReplayer.RunAsync(result.GetValue(pcap)!, Target.Parse(result.GetValue(to)!), result.GetValue(speed)!,
        result.GetValue(captureId), result.GetValue(authKey), ct);
    Console.WriteLine($"replayed {sent.Packets} packets ({sent.Hep} HEP as is, {sent.Wrapped} raw SIP wrapped, {sent.Skipped} skipped) in {sent.Elapsed.TotalSeconds:F1} s");
    return 0;
});

var db = new Option<string>("--db") { Description = "Npgsql connection string of the store.", Required = true };
var messages = new Option<long>("--messages") { Description = "How many messages to write.", DefaultValueFactory = _ => 10_000_000 };
var hours = new Option<double>("--hours") { Description = "Spread them over this many hours ending now.", DefaultValueFactory = _ => 24 };
var withDialogs = new Option<bool>("--dialogs") { Description = "Also write one dialogs-table row per call (for dialog/callFlow/dialogs benchmarks)." };
var seed = new Command("seed", "Fill a store with realistic calls through the node's COPY writer (for search benchmarks).") { db, messages, hours, withDialogs };
seed.SetAction(async (result, ct) =>
{
    await StoreSeeder.SeedAsync(result.GetValue(db)!, result.GetValue(messages), TimeSpan.FromHours(result.GetValue(hours)), ct, result.GetValue(withDialogs));
    return 0;
});
var queries = new Option<int>("--queries") { Description = "Queries per kind.", DefaultValueFactory = _ => 200 };
var searchBench = new Command("search", "Measure search latency on a seeded store: by Call-ID, by from-user over an hour, by prefix.") { db, queries };
searchBench.SetAction(async (result, ct) =>
{
    await SearchBench.RunAsync(result.GetValue(db)!, result.GetValue(queries), ct);
    return 0;
});
var dayQueries = new Option<int>("--day-queries") { Description = "Queries over the whole day.", DefaultValueFactory = _ => 10 };
var headerBench = new Command("headers", "Measure the search on any SIP header on a seeded store, over one hour and the whole day.") { db, queries, dayQueries };
headerBench.SetAction(async (result, ct) =>
{
    await HeaderSearchBench.RunAsync(result.GetValue(db)!, result.GetValue(queries), result.GetValue(dayQueries), ct);
    return 0;
});

var url = new Option<string>("--url") { Description = "Node HTTP URL (GraphQL at /graphql).", Required = true };
var apiBench = new Command("api", "Measure GraphQL latency on a seeded store through a running node: dialog(callId), callFlow, dialogs search.")
{
    db, url, queries, token,
};
apiBench.SetAction(async (result, ct) =>
{
    await ApiBench.RunAsync(result.GetValue(db)!, new Uri(result.GetValue(url)!), result.GetValue(token) ?? Environment.GetEnvironmentVariable("HOMER_TOKEN"),
        result.GetValue(queries), ct);
    return 0;
});

var root = new RootCommand("homer-load: HEP load generator, capture replayer and store seeder for Homer.Actors benchmarks.") { send, replay, seed, searchBench, headerBench, apiBench };
try
{
    return await root.Parse(args).InvokeAsync();
}
catch (FormatException e)
{
    Console.Error.WriteLine("homer-load: " + e.Message);
    return 2;
}
