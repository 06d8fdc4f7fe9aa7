using System.Collections.Frozen;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Homer.Hep;
using Homer.Storage;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Homer.Actors.Ingest;

public enum HepForwardTransport
{
    Udp,
    Tcp,
    Tls,
}

/// <summary>
/// One collector the node relays what it receives to (HOMER 5's <c>sip_capture_forward</c>): the original HEP bytes of
/// every kept message that passes the filters. An empty filter set lets everything through.
/// </summary>
public sealed record HepForwardTarget
{
    public required string Name { get; init; }
    public required HepForwardTransport Transport { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public IReadOnlySet<long> CaptureIds { get; init; } = FrozenSet<long>.Empty;
    public IReadOnlySet<int> PayloadTypes { get; init; } = FrozenSet<int>.Empty;
    public IReadOnlyList<IPNetwork> SourceSubnets { get; init; } = [];
    /// <summary>
    /// SIP methods, matched against the CSeq method, so a request's responses travel with it ("INVITE" forwards the
    /// INVITE transactions, 100 to 200 included); other payload types pass this filter.
    /// </summary>
    public IReadOnlySet<string> Methods { get; init; } = FrozenSet<string>.Empty;
    /// <summary>Packets waiting for this target; past it new ones are dropped and counted, ingest never waits.</summary>
    public int QueueCapacity { get; init; } = 10_000;
    /// <summary>TLS: skip certificate validation (a lab collector with a self-signed certificate).</summary>
    public bool TlsSkipVerify { get; init; }
    /// <summary>TLS: a PEM file of the CA that signed the collector's certificate, instead of the system's trust store.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>"udp:host:port", "tcp:host:port" or "tls:host:port".</summary>
    public static (HepForwardTransport Transport, string Host, int Port) ParseAddress(string address)
    {
        var first = address.IndexOf(':');
        var last = address.LastIndexOf(':');
        if (first <= 0 || last == first || !int.TryParse(address[(last + 1)..], out var port) || port is < 1 or > 65535)
            throw new FormatException($"forward target '{address}': expected udp:host:port, tcp:host:port or tls:host:port");
        var transport = address[..first].ToLowerInvariant() switch
        {
            "udp" => HepForwardTransport.Udp,
            "tcp" => HepForwardTransport.Tcp,
            "tls" => HepForwardTransport.Tls,
            var other => throw new FormatException($"forward target '{address}': unknown transport '{other}' (udp, tcp or tls)"),
        };
        var host = address[(first + 1)..last].Trim('[', ']');
        if (host.Length == 0)
            throw new FormatException($"forward target '{address}': no host");
        return (transport, host, port);
    }

    public bool Passes(CapturedMessage message)
    {
        if (CaptureIds.Count > 0 && !CaptureIds.Contains(message.CaptureId))
            return false;
        if (PayloadTypes.Count > 0 && !PayloadTypes.Contains(message.ProtocolType))
            return false;
        if (SourceSubnets.Count > 0)
        {
            var source = message.SourceIp.IsIPv4MappedToIPv6 ? message.SourceIp.MapToIPv4() : message.SourceIp;
            var inSubnet = false;
            foreach (var subnet in SourceSubnets)
            {
                if (subnet.Contains(source))
                {
                    inSubnet = true;
                    break;
                }
            }
            if (!inSubnet)
                return false;
        }
        if (Methods.Count > 0 && message.ProtocolType == HepProtocolType.Sip
            && !((message.CSeqMethod ?? message.Method) is { } method && Methods.Contains(method)))
            return false;
        return true;
    }
}

/// <summary>
/// Relays the original HEP bytes of kept messages to other collectors. Runs as an observer of the ingest graph's
/// ordered stage: per message it only checks the filters and offers the bytes to each target's bounded queue, so a
/// slow or dead target costs ingest nothing but the counted drops; each target has its own sender task that
/// reconnects with backoff.
/// </summary>
public sealed class HepForwarder : ICapturedMessageObserver, IAsyncDisposable
{
    private static readonly Counter Sent = Metrics.CreateCounter("homer_forward_sent_total", "HEP packets relayed to a forward target.", "target");
    private static readonly Counter Dropped = Metrics.CreateCounter("homer_forward_dropped_total",
        "HEP packets not relayed to a forward target: queue_full (the target is slow or down), send_error.", "target", "reason");
    private static readonly Gauge Queued = Metrics.CreateGauge("homer_forward_queue", "HEP packets waiting for a forward target.", "target");
    private static readonly Gauge Connected = Metrics.CreateGauge("homer_forward_connected",
        "1 while a TCP/TLS forward target is connected (UDP: 1 once its socket is open).", "target");

    private readonly TargetSender[] _targets;
    private readonly CancellationTokenSource _stop = new();

    public HepForwarder(IReadOnlyList<HepForwardTarget> targets, ILogger logger)
    {
        _targets = targets.Select(t => new TargetSender(t, logger, _stop.Token)).ToArray();
    }

    public bool IsListening => _targets.Length > 0;

    public IReadOnlyList<HepForwardTarget> Targets => _targets.Select(t => t.Target).ToArray();

    public void OnMessage(CapturedMessage message)
    {
        if (message.RawHep.IsEmpty)
            return;
        foreach (var target in _targets)
        {
            if (target.Target.Passes(message))
                target.Offer(message.RawHep);
        }
    }

    /// <summary>Per target: relayed, dropped (queue full or send errors), waiting, and whether it is connected.</summary>
    public IReadOnlyList<HepForwardStatus> Status() => _targets.Select(t => t.Status()).ToArray();

    // Registered as itself and as an ingest observer, so the container disposes it twice.
    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _stop.CancelAsync();
        foreach (var target in _targets)
            await target.Stopped;
        _stop.Dispose();
    }

    private sealed class TargetSender
    {
        private readonly Channel<ReadOnlyMemory<byte>> _queue;
        private readonly ILogger _logger;
        private readonly Counter.Child _sent;
        private readonly Counter.Child _queueFull;
        private readonly Counter.Child _sendErrors;
        private readonly Gauge.Child _queued;
        private readonly Gauge.Child _connected;
        private long _sentCount;
        private long _droppedCount;
        private volatile bool _isConnected;
        private string? _lastError;

        public TargetSender(HepForwardTarget target, ILogger logger, CancellationToken stop)
        {
            Target = target;
            _logger = logger;
            _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(target.QueueCapacity)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _sent = Sent.WithLabels(target.Name);
            _queueFull = Dropped.WithLabels(target.Name, "queue_full");
            _sendErrors = Dropped.WithLabels(target.Name, "send_error");
            _queued = Queued.WithLabels(target.Name);
            _connected = Connected.WithLabels(target.Name);
            Stopped = Task.Run(() => RunAsync(stop));
        }

        public HepForwardTarget Target { get; }

        public Task Stopped { get; }

        public void Offer(ReadOnlyMemory<byte> packet)
        {
            if (_queue.Writer.TryWrite(packet))
                return;
            _queueFull.Inc();
            Interlocked.Increment(ref _droppedCount);
        }

        public HepForwardStatus Status() => new(Target.Name, $"{Target.Transport.ToString().ToLowerInvariant()}:{Target.Host}:{Target.Port}",
            Interlocked.Read(ref _sentCount), Interlocked.Read(ref _droppedCount), _queue.Reader.Count, _isConnected, _lastError);

        private async Task RunAsync(CancellationToken stop)
        {
            var backoff = TimeSpan.FromMilliseconds(200);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (Target.Transport == HepForwardTransport.Udp)
                        await SendUdpAsync(stop);
                    else
                        await SendStreamAsync(stop, () => backoff = TimeSpan.FromMilliseconds(200));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    SetDisconnected(e.Message);
                    _logger.LogWarning("HEP forward target {Target} ({Transport}:{Host}:{Port}): {Error}; retrying in {Backoff}",
                        Target.Name, Target.Transport, Target.Host, Target.Port, e.Message, backoff);
                    try
                    {
                        await Task.Delay(backoff, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                }
            }
            SetDisconnected(null);
        }

        private void SetDisconnected(string? error)
        {
            _isConnected = false;
            _connected.Set(0);
            if (error is not null)
                _lastError = error;
        }

        private void SetConnected()
        {
            _isConnected = true;
            _connected.Set(1);
            _lastError = null;
        }

        private async Task<IPEndPoint> ResolveAsync(CancellationToken stop)
        {
            if (IPAddress.TryParse(Target.Host, out var address))
                return new IPEndPoint(address, Target.Port);
            var addresses = await Dns.GetHostAddressesAsync(Target.Host, stop);
            return new IPEndPoint(addresses.First(), Target.Port);
        }

        private async Task SendUdpAsync(CancellationToken stop)
        {
            var endpoint = await ResolveAsync(stop);
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            SetConnected();
            while (await _queue.Reader.WaitToReadAsync(stop))
            {
                while (_queue.Reader.TryRead(out var packet))
                {
                    _queued.Set(_queue.Reader.Count);
                    try
                    {
                        // Not connected: an ICMP "port unreachable" from a dead collector must not fail later sends.
                        await socket.SendToAsync(packet, SocketFlags.None, endpoint, stop);
                        _sent.Inc();
                        Interlocked.Increment(ref _sentCount);
                    }
                    catch (SocketException e)
                    {
                        _sendErrors.Inc();
                        Interlocked.Increment(ref _droppedCount);
                        _lastError = e.Message;
                    }
                }
            }
        }

        private async Task SendStreamAsync(CancellationToken stop, Action onConnected)
        {
            var endpoint = await ResolveAsync(stop);
            using var client = new TcpClient(endpoint.AddressFamily) { NoDelay = false };
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                connectTimeout.CancelAfter(TimeSpan.FromSeconds(5));
                await client.ConnectAsync(endpoint, connectTimeout.Token);
            }
            Stream stream = client.GetStream();
            if (Target.Transport == HepForwardTransport.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, ValidateServer);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = Target.Host }, stop);
                stream = tls;
            }
            await using var _ = stream;
            SetConnected();
            onConnected();
            _logger.LogInformation("HEP forward target {Target} connected ({Transport}:{Host}:{Port})", Target.Name, Target.Transport, Target.Host, Target.Port);
            // A packet taken from the queue is written before the next is taken; one that fails with the connection
            // is lost (counted), as UDP would have lost it.
            while (await _queue.Reader.WaitToReadAsync(stop))
            {
                while (_queue.Reader.TryRead(out var packet))
                {
                    _queued.Set(_queue.Reader.Count);
                    try
                    {
                        await stream.WriteAsync(packet, stop);
                    }
                    catch (Exception) when (!stop.IsCancellationRequested)
                    {
                        _sendErrors.Inc();
                        Interlocked.Increment(ref _droppedCount);
                        throw;
                    }
                    _sent.Inc();
                    Interlocked.Increment(ref _sentCount);
                }
                await stream.FlushAsync(stop);
            }
        }

        private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (Target.TlsSkipVerify || errors == SslPolicyErrors.None)
                return true;
            if (Target.TlsCaFile is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                return false;
            // Trust exactly the configured CA for this target.
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            custom.ChainPolicy.CustomTrustStore.ImportFromPemFile(Target.TlsCaFile);
            return custom.Build(new X509Certificate2(certificate));
        }
    }
}

/// <summary>What a forward target has done since the node started.</summary>
public sealed record HepForwardStatus(string Name, string Address, long Sent, long Dropped, int Queued, bool Connected, string? LastError);
