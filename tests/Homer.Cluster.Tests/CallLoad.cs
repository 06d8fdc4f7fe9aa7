using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Homer.Actors.Tests;
using Homer.Hep;

namespace Homer.Cluster.Tests;

/// <summary>
/// A steady HEP load of complete calls to one ingest node: each call sends the first 7 messages of success.sip at
/// once and the last 2 (BYE, 200) a second later. Every datagram's send time is kept, so a test can tell which calls
/// had messages in flight during some window.
/// </summary>
public sealed class CallLoad(IPEndPoint target, string prefix, int callsPerSecond) : IAsyncDisposable
{
    public const int MessagesPerCall = 9;
    public static readonly TimeSpan ByeAfter = TimeSpan.FromSeconds(1);

    public sealed record Call(string CallId, DateTime StartedAt)
    {
        public DateTime LastSentAt { get; set; }
        public int Sent { get; set; }
    }

    private readonly ConcurrentDictionary<string, Call> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;
    private long _sent;

    public IReadOnlyCollection<Call> Calls => _calls.Values.ToList();
    /// <summary>Every Call-ID of this load is "&lt;prefix&gt;-&lt;n&gt;".</summary>
    public string Prefix => prefix;
    public long MessagesSent => Interlocked.Read(ref _sent);

    public void Start() => _run = Task.Run(Run);

    /// <summary>Stops starting calls, sends the BYEs still due, and returns.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
            await _run;
    }

    private async Task Run()
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        var pending = new Queue<(DateTime Due, Call Call, SipFixture.Item[] Remaining)>();
        var interval = TimeSpan.FromSeconds(1.0 / callsPerSecond);
        var next = DateTime.UtcNow;
        var index = 0;
        while (!_stop.IsCancellationRequested || pending.Count > 0)
        {
            var now = DateTime.UtcNow;
            while (pending.Count > 0 && pending.Peek().Due <= now)
            {
                var (_, call, remaining) = pending.Dequeue();
                await Send(udp, call, remaining);
            }
            if (!_stop.IsCancellationRequested && now >= next)
            {
                var callId = $"{prefix}-{index++}";
                var items = SipFixture.Load("success.sip", callId, SipFixture.NowMicros()).ToArray();
                var call = new Call(callId, now);
                _calls[callId] = call;
                await Send(udp, call, items[..7]);
                pending.Enqueue((now + ByeAfter, call, items[7..]));
                next += interval;
            }
            await Task.Delay(5);
        }
    }

    private async Task Send(UdpClient udp, Call call, IEnumerable<SipFixture.Item> items)
    {
        foreach (var item in items)
        {
            await udp.SendAsync(Hep3(item), target);
            call.Sent++;
            call.LastSentAt = DateTime.UtcNow;
            Interlocked.Increment(ref _sent);
        }
    }

    /// <summary>Sends <paramref name="items"/> one HEP3 datagram each, in order.</summary>
    public static async Task SendAsync(UdpClient udp, IPEndPoint target, IEnumerable<SipFixture.Item> items)
    {
        foreach (var item in items)
            await udp.SendAsync(Hep3(item), target);
    }

    public static byte[] Hep3(SipFixture.Item item) => HepEncoder.Encode(new HepMessage
    {
        Version = HepVersion.V3,
        IpFamily = 2,
        IpProtocol = 17,
        SourceAddress = item.Captured.SourceIp,
        DestinationAddress = item.Captured.DestinationIp,
        SourcePort = (ushort)item.Captured.SourcePort,
        DestinationPort = (ushort)item.Captured.DestinationPort,
        Timestamp = item.Captured.Timestamp,
        ProtocolType = 1,
        CaptureId = 2001,
        Payload = item.Captured.Payload.ToArray(),
    });

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
