using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Homer.Hep;

namespace Homer.LoadTool;

public sealed record LoadOptions(
    Target Target, int Rate, TimeSpan Duration, int Concurrency, string RunId, uint CaptureId, string? AuthKey,
    string? ProbeUrl, TimeSpan ProbeInterval, string? Token = null);

public sealed record LoadReport(
    long PacketsSent, long CallsStarted, double Seconds, double AchievedRate, int Probes, int ProbesFound,
    double? LatencyP50Ms, double? LatencyP99Ms, double? LatencyMaxMs)
{
    public int ProbesLost => Probes - ProbesFound;

    public string ToJson() => JsonSerializer.Serialize(this);

    public string ToText()
    {
        var sent = FormattableString.Invariant($"sent {PacketsSent} packets ({CallsStarted} calls) in {Seconds:F1} s = {AchievedRate:F0}/s; ");
        return sent + (Probes == 0
            ? "no probes"
            : FormattableString.Invariant($"probes {ProbesFound}/{Probes} searchable, latency p50 {LatencyP50Ms:F0} ms, p99 {LatencyP99Ms:F0} ms, max {LatencyMaxMs:F0} ms"));
    }
}

/// <summary>
/// Offers HEP at a fixed packet rate: calls in progress interleave their messages, new calls start as old ones
/// finish. Optional probes (one OPTIONS each, unique Call-ID) are polled through GraphQL to time send → searchable.
/// </summary>
public static class LoadSender
{
    public static async Task<LoadReport> RunAsync(LoadOptions o, CancellationToken ct)
    {
        var generator = new CallGenerator(o.RunId, o.CaptureId, o.AuthKey);
        using var sink = await o.Target.ConnectAsync(ct);
        var active = new List<CallGenerator.Call>(o.Concurrency);
        var probes = new List<Probe>();
        var probeTask = o.ProbeUrl is null ? null : Channel(probes, o.ProbeUrl, o.Token, ct);
        long sent = 0, calls = 0, probeCount = 0;
        var clock = Stopwatch.StartNew();
        var nextProbe = TimeSpan.Zero;
        var slot = 0;

        while (clock.Elapsed < o.Duration && !ct.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * o.Rate);
            while (sent < due)
            {
                if (o.ProbeUrl is not null && clock.Elapsed >= nextProbe)
                {
                    nextProbe += o.ProbeInterval;
                    var probe = new Probe($"{o.RunId}-probe-{++probeCount}@load.homer", Stopwatch.GetTimestamp());
                    await sink.Send(ProbePacket(probe.CallId, o.CaptureId, o.AuthKey));
                    lock (probes) probes.Add(probe);
                    sent++;
                    continue;
                }
                while (active.Count < o.Concurrency)
                {
                    active.Add(generator.NewCall());
                    calls++;
                }
                slot = (slot + 1) % active.Count;
                var call = active[slot];
                await sink.Send(generator.NextPacket(call));
                sent++;
                if (call.Done)
                    active[slot] = generator.NewCall().Also(() => calls++);
            }
            await sink.Flush();
            // About a millisecond between bursts: smooth enough for the kernel buffers, cheap on the CPU.
            Thread.Sleep(1);
        }
        await sink.Flush();
        var seconds = clock.Elapsed.TotalSeconds;

        double[] latencies = [];
        if (probeTask is not null)
            latencies = await probeTask.Finish(TimeSpan.FromSeconds(30));
        Array.Sort(latencies);
        return new LoadReport(sent, calls, seconds, sent / seconds, (int)probeCount, latencies.Length,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.Length == 0 ? null : latencies[^1]);
    }

    private static T Also<T>(this T value, Action action)
    {
        action();
        return value;
    }

    private static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static byte[] ProbePacket(string callId, uint captureId, string? authKey) => HepEncoder.Encode(new HepMessage
    {
        Version = HepVersion.V3,
        IpFamily = 2,
        IpProtocol = 17,
        SourceAddress = System.Net.IPAddress.Parse("192.0.2.250"),
        DestinationAddress = System.Net.IPAddress.Parse("198.51.100.1"),
        SourcePort = 5060,
        DestinationPort = 5060,
        Timestamp = DateTimeOffset.UtcNow,
        ProtocolType = 1,
        CaptureId = captureId,
        AuthKey = authKey,
        Payload = Encoding.ASCII.GetBytes(
            $"OPTIONS sip:probe@198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.250:5060;branch=z9hG4bKp{callId.GetHashCode():x}\r\n" +
            $"From: <sip:probe@192.0.2.250>;tag=p\r\nTo: <sip:probe@198.51.100.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"),
    });

    private sealed record Probe(string CallId, long SentAt)
    {
        public double? LatencyMs { get; set; }
    }

    private sealed class ProbePoller(Task loop, CancellationTokenSource stop, List<Probe> probes)
    {
        public async Task<double[]> Finish(TimeSpan grace)
        {
            var deadline = DateTime.UtcNow + grace;
            while (DateTime.UtcNow < deadline)
            {
                lock (probes)
                    if (probes.All(p => p.LatencyMs is not null))
                        break;
                await Task.Delay(50);
            }
            await stop.CancelAsync();
            try { await loop; } catch (OperationCanceledException) { }
            lock (probes)
                return probes.Where(p => p.LatencyMs is not null).Select(p => p.LatencyMs!.Value).ToArray();
        }
    }

    private static ProbePoller Channel(List<Probe> probes, string url, string? token, CancellationToken ct)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        if (token is not null)
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Probe[] waiting;
                lock (probes)
                    waiting = probes.Where(p => p.LatencyMs is null).ToArray();
                if (waiting.Length > 0)
                {
                    // One query for every probe still waiting, so the poll period does not grow with the backlog.
                    using var response = await http.PostAsJsonAsync("/graphql", new
                    {
                        query = "query ($c: [String!]) { messages(filter: {callIds: $c}, first: 10000) { nodes { callId } } }",
                        variables = new { c = waiting.Select(p => p.CallId).ToArray() },
                    }, stop.Token);
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>(stop.Token);
                    if (body.TryGetProperty("data", out var data))
                    {
                        var found = data.GetProperty("messages").GetProperty("nodes").EnumerateArray()
                            .Select(n => n.GetProperty("callId").GetString()).ToHashSet();
                        lock (probes)
                            foreach (var probe in waiting.Where(p => found.Contains(p.CallId)))
                                probe.LatencyMs = Stopwatch.GetElapsedTime(probe.SentAt).TotalMilliseconds;
                    }
                }
                await Task.Delay(20, stop.Token);
            }
        }, stop.Token);
        return new ProbePoller(loop, stop, probes);
    }
}
