using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Homer.Hep;
using Microsoft.Extensions.Logging;

namespace Homer.Actors.Ingest;

/// <summary>
/// HEP over TCP or TLS: many agents at once, each connection framed on HEP3's length and isolated from the others
/// (a broken or hostile stream closes only itself). Connections wait on the ingest buffer when it is full, so TCP
/// senders are backpressured instead of dropped.
/// </summary>
public sealed class HepStreamListener : IAsyncDisposable
{
    private const int ReadBufferSize = 64 * 1024;

    private readonly HepListenerOptions _options;
    private readonly ChannelWriter<HepDatagram> _output;
    private readonly IngestCounters _counters;
    private readonly ILogger _logger;
    private readonly HepSource _source;
    private readonly X509Certificate2? _certificate;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly HashSet<Task> _connections = [];
    private int _open;

    public IPEndPoint LocalEndpoint { get; }

    private readonly RefusalLog _troubles;
    private readonly EdgeBytes? _edgeBytes;
    private readonly bool _ownsTroubles;

    /// <param name="troubles">Where garbage skipped, packets cut short and refused connections are summarised; the
    /// listener makes its own (10 s) when none is given.</param>
    public HepStreamListener(HepListenerOptions options, ChannelWriter<HepDatagram> output, IngestCounters counters, ILogger logger,
        RefusalLog? troubles = null, EdgeBytes? edgeBytes = null)
    {
        if (options.Transport == HepTransport.Udp)
            throw new ArgumentException("A stream listener serves TCP or TLS", nameof(options));
        _edgeBytes = edgeBytes;
        _ownsTroubles = troubles is null;
        _troubles = troubles ?? new RefusalLog(logger, TimeSpan.FromSeconds(10), "HEP stream trouble");
        _options = options;
        _output = output;
        _counters = counters;
        _logger = logger;
        _source = HepSource.For(options);
        _certificate = options.Transport == HepTransport.Tls ? LoadCertificate(options) : null;
        _listener = new TcpListener(options.Endpoint);
        _listener.Server.NoDelay = true;
        _listener.Start(backlog: 512);
        LocalEndpoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = Task.Run(AcceptLoop);
    }

    public static X509Certificate2 LoadCertificate(HepListenerOptions options)
    {
        var path = options.CertificatePath
            ?? throw new InvalidOperationException($"HEP/TLS listener {options.Endpoint} needs a certificate (HOMER_HEP_TLS_CERT)");
        if (!File.Exists(path))
            throw new FileNotFoundException($"HEP/TLS certificate not found: {path}");
        return Path.GetExtension(path).ToLowerInvariant() is ".pfx" or ".p12"
            ? X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword)
            : X509Certificate2.CreateFromPemFile(path, options.CertificateKeyPath);
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                _logger.LogWarning("Accept failed on HEP {Listener}: {Error}", _options.Name, e.Message);
                continue;
            }

            if (Interlocked.Increment(ref _open) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                _troubles.Add("connection refused: too many open", socket.RemoteEndPoint as IPEndPoint,
                    $"{_options.MaxConnections} connections open on {_options.Name}");
                socket.Dispose();
                continue;
            }

            var connection = Task.Run(() => Serve(socket));
            lock (_connections)
                _connections.Add(connection);
            _ = connection.ContinueWith(t =>
            {
                lock (_connections)
                    _connections.Remove(t);
            }, TaskScheduler.Default);
        }
    }

    private async Task Serve(Socket socket)
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        socket.NoDelay = true;
        _counters.OnConnectionOpened();
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var framer = new HepStreamFramer(HepGarbagePolicy.Resync);
        var skippedReported = 0L;
        var packets = 0L;
        string closeReason = "closed by peer";
        try
        {
            if (_certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                handshake.CancelAfter(TimeSpan.FromSeconds(10));
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, handshake.Token);
            }

            var buffer = new byte[ReadBufferSize];
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            // When the packet being received started (its first byte read): it must be whole by then + FrameDeadline,
            // however slowly its bytes come. Between packets only the idle timeout applies.
            long? frameStarted = null;
            while (true)
            {
                var inFrame = frameStarted.HasValue;
                var wait = frameStarted is { } started
                    ? _options.FrameDeadline - Stopwatch.GetElapsedTime(started)
                    : _options.IdleTimeout;
                if (wait <= TimeSpan.Zero)
                {
                    closeReason = FrameTimedOut(remote, framer.BufferedBytes);
                    break;
                }
                idle.CancelAfter(wait);
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, idle.Token);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    closeReason = inFrame ? FrameTimedOut(remote, framer.BufferedBytes) : $"idle for {_options.IdleTimeout}";
                    break;
                }
                if (read == 0)
                    break;

                framer.Append(buffer.AsSpan(0, read));
                var completed = false;
                while (framer.Next(out var packet) == HepFrameResult.Packet)
                {
                    packets++;
                    completed = true;
                    _counters.OnReceived();
                    // Waits when the ingest buffer is full (in packets or bytes): the sender's TCP window closes instead
                    // of us dropping.
                    var bytes = packet.ToArray();
                    if (_edgeBytes is not null)
                        await _edgeBytes.ReserveAsync(bytes.Length, _stop.Token);
                    await _output.WriteAsync(new HepDatagram(bytes, remote, DateTimeOffset.UtcNow, _source), _stop.Token);
                }
                // Bytes left over began a packet in this read if one completed (it took all older bytes): its clock starts
                // now, after any wait on a full ingest buffer. Otherwise the packet in progress keeps its first deadline.
                if (framer.BufferedBytes == 0)
                    frameStarted = null;
                else if (completed || frameStarted is null)
                    frameStarted = Stopwatch.GetTimestamp();

                if (framer.SkippedBytes > skippedReported)
                {
                    _counters.OnStreamBytesSkipped(framer.SkippedBytes - skippedReported);
                    _counters.OnDropped(DropReason.DecodeError);
                    _troubles.Add($"bytes skipped ({framer.LastSkipReason})", remote,
                        $"skipped {framer.SkippedBytes - skippedReported} bytes on {_options.Name} to find the next packet");
                    skippedReported = framer.SkippedBytes;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            closeReason = "listener stopping";
        }
        catch (ChannelClosedException)
        {
            closeReason = "ingest stopping";
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            closeReason = e.GetType().Name + ": " + e.Message;
        }
        finally
        {
            if (framer.BufferedBytes > 0)
            {
                _counters.OnDropped(DropReason.DecodeError);
                _troubles.Add("connection ended inside a packet", remote, $"{framer.BufferedBytes} bytes of it lost on {_options.Name}");
            }
            await stream.DisposeAsync();
            Interlocked.Decrement(ref _open);
            _counters.OnConnectionClosed();
            _logger.LogDebug("HEP connection {Remote} on {Listener} closed after {Packets} packets: {Reason}",
                remote, _options.Name, packets, closeReason);
        }
    }

    private string FrameTimedOut(IPEndPoint remote, int buffered)
    {
        _counters.OnStreamFrameTimedOut();
        _troubles.Add("packet not whole within the frame deadline", remote,
            $"closed on {_options.Name}: {buffered} bytes came in the {_options.FrameDeadline} after the packet's first byte");
        return $"packet not whole within {_options.FrameDeadline}";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Task[] open;
        lock (_connections)
            open = [.. _connections];
        await Task.WhenAll(open);
        _certificate?.Dispose();
        _stop.Dispose();
        if (_ownsTroubles)
            await _troubles.DisposeAsync();
    }
}
