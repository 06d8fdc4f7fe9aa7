using System.Net;
using BenchmarkDotNet.Attributes;
using Homer.Storage;
using Homer.Storage.Stats;

namespace Homer.Benchmarks;

/// <summary>
/// What the statistics add to every stored batch: counting a 2 000-message batch (the default ingest batch) into
/// per-minute deltas, before the one upsert that writes them in the COPY transaction, and into the top lists.
/// </summary>
[MemoryDiagnoser]
public class StatsBenchmarks
{
    private CapturedMessage[] _batch = [];

    [GlobalSetup]
    public void Setup()
    {
        var methods = new[] { "INVITE", "ACK", "BYE", "REGISTER", "OPTIONS" };
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        _batch = Enumerable.Range(0, 2_000).Select(i => new CapturedMessage
        {
            TimestampMicros = start + i * 500,
            Profile = MessageProfile.Call,
            ProtocolType = 1,
            SourceIp = IPAddress.Parse($"10.0.{i % 16}.{i % 250 + 1}"),
            SourcePort = 5060,
            DestinationIp = IPAddress.Parse("10.1.0.1"),
            DestinationPort = 5060,
            CaptureId = 2001,
            NodeName = "edge1",
            Method = i % 2 == 0 ? methods[i / 2 % methods.Length] : null,
            StatusCode = i % 2 == 0 ? null : (i % 6 == 1 ? 100 : i % 6 == 3 ? 180 : 200),
            CSeqMethod = methods[i / 2 % methods.Length],
            UserAgent = i % 2 == 0 ? "Yealink SIP-T46S 66.86.0.15" : "Kamailio 5.8",
            Payload = Samples.Invite,
        }).ToArray();
    }

    private readonly MessageTopKeys _topKeys = new(1_000);

    [Benchmark]
    public int CountBatch() => MessageStats.Count(_batch).Count;

    /// <summary>The top lists' share, counted once the batch is stored (heavy hitters in memory, no row per address).</summary>
    [Benchmark]
    public int CountTopKeys()
    {
        _topKeys.Add(_batch);
        return _topKeys.Capacity;
    }
}
