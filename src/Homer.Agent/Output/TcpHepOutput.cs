using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Homer.Agent.Output;

public sealed class TcpOutputSettings
{
    public int MaxQueuedPackets { get; init; } = 100_000;
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How often an idle connection is checked for a peer close, besides TCP keep-alive probes.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(5);
    public string? DiskBufferPath { get; init; }
    public long DiskBufferBytes { get; init; } = 256L << 20;
    /// <summary>For <c>tls:</c> targets: how the server is checked (system roots when absent).</summary>
    public HepTlsSettings? Tls { get; init; }
    /// <summary>Where connection trouble is reported (once per distinct error until the next successful connect).</summary>
    public Action<string>? Log { get; init; }
    /// <summary>Longest wait for a TLS handshake before the attempt counts as failed.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// HEP over TCP on its own thread: packets queue in memory (bounded), spill to a bounded disk buffer while the server
/// is down or the queue is full, and are written in arrival order once connected. Reconnects with exponential backoff.
/// A batch that fails to write is sent again after reconnecting (a server may see a few packets twice), and a peer close
/// seen before a write keeps the batch for the next connection; only a server dying mid-write can lose what was in flight.
/// A <c>tls:</c> target is the same connection wrapped in an <see cref="SslStream"/> (see <see cref="HepTlsSettings"/>);
/// a refused certificate is reported through <see cref="TcpOutputSettings.Log"/> and retried with the same backoff.
/// </summary>
public sealed class TcpHepOutput : IHepOutput
{
    private readonly HepTarget _target;
    private readonly TcpOutputSettings _settings;
    private readonly Queue<byte[]> _memory = new();
    private readonly DiskBuffer? _disk;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private volatile bool _connected;
    private bool _spilling;
    private int _inFlight;
    private readonly HepTlsSettings.Validator? _tls;
    private string? _lastError;
    private string? _reported;

    public TcpHepOutput(HepTarget target, TcpOutputSettings settings)
    {
        _target = target;
        _settings = settings;
        Name = target.ToString();
        // Built before the thread starts, so a missing CA file or a malformed pin fails the setup, not every connect.
        if (target.Transport == HepTransport.Tls)
            _tls = (settings.Tls ?? new HepTlsSettings()).CreateValidator();
        if (settings.DiskBufferPath is { } path)
            _disk = new DiskBuffer(path, settings.DiskBufferBytes);
        _thread = new Thread(Run) { IsBackground = true, Name = $"hep-tcp {Name}" };
        _thread.Start();
    }

    public string Name { get; }
    public OutputStats Stats { get; } = new();
    public bool IsHealthy => _connected;
    public bool IsConnected => _connected;
    /// <summary>Why the last connection attempt or connection failed; null once connected.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    public bool Send(ReadOnlySpan<byte> packet)
    {
        lock (_lock)
        {
            // Once anything is on disk, newer packets follow it there so the order is kept.
            if (_spilling || _memory.Count >= _settings.MaxQueuedPackets || (!_connected && _disk is not null && _memory.Count >= 1024))
            {
                if (_disk is not null && _disk.TryAppend(packet))
                {
                    _spilling = true;
                    Stats.Spilled++;
                    Stats.Queued++;
                    _signal.Release();
                    return true;
                }

                if (_spilling || _memory.Count >= _settings.MaxQueuedPackets)
                {
                    Stats.Dropped++;
                    return false;
                }
            }

            _memory.Enqueue(packet.ToArray());
            Stats.Queued++;
            // The writer only sleeps on an empty queue, so only the first packet after it ran dry needs to wake it.
            if (_memory.Count > 1) return true;
        }

        _signal.Release();
        return true;
    }

    private bool TryTake(List<byte[]> batch, int maxBytes)
    {
        lock (_lock)
        {
            var bytes = 0;
            while (bytes < maxBytes)
            {
                if (_memory.TryDequeue(out var p))
                {
                    batch.Add(p);
                    bytes += p.Length;
                }
                else if (_spilling && _disk!.TryRead(out var d))
                {
                    batch.Add(d);
                    bytes += d.Length;
                    Stats.Replayed++;
                }
                else
                {
                    if (_spilling && _disk!.IsEmpty) _spilling = false;
                    break;
                }
            }

            _inFlight = batch.Count;
            return batch.Count > 0;
        }
    }

    private void Run()
    {
        var token = _stop.Token;
        var backoff = _settings.InitialBackoff;
        var batch = new List<byte[]>();
        var buffer = new byte[1 << 16];
        while (!token.IsCancellationRequested)
        {
            Socket? socket = null;
            SslStream? tls = null;
            try
            {
                socket = Connect(token);
                Stream stream = new NetworkStream(socket, ownsSocket: false);
                Task<int>? peerClosed = null;
                if (_tls is not null)
                {
                    tls = Handshake(stream, token);
                    stream = tls;
                    // HEP servers never write to agents, so a read only ends when the peer closes (or resets); it also
                    // consumes the TLS 1.3 session tickets that would otherwise make the socket look readable forever.
                    peerClosed = tls.ReadAsync(new byte[1], token).AsTask();
                    _ = peerClosed.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                }

                _connected = true;
                if (Volatile.Read(ref _lastError) is not null)
                {
                    Volatile.Write(ref _lastError, null);
                    if (_reported is not null) _settings.Log?.Invoke($"{Name}: connected");
                    _reported = null;
                }

                Interlocked.Increment(ref Stats.Connects);
                backoff = _settings.InitialBackoff;
                while (!token.IsCancellationRequested)
                {
                    if (batch.Count == 0 && !TryTake(batch, buffer.Length))
                    {
                        if (!_signal.Wait(_settings.KeepAlive, token) && (peerClosed?.IsCompleted ?? PeerClosed(socket)))
                            throw new SocketException((int)SocketError.ConnectionReset);
                        continue;
                    }

                    // A server that closed (restart, crash) shows as end-of-stream before we write: reconnect with the
                    // batch kept rather than write it into a connection whose peer is gone. One that dies after this
                    // check can still lose the batch in flight; HEP has no acknowledgements to close that gap.
                    if (peerClosed?.IsCompleted ?? PeerClosed(socket))
                        throw new SocketException((int)SocketError.ConnectionReset);
                    Write(stream, batch, ref buffer);
                    Interlocked.Increment(ref Stats.Writes);
                    lock (_lock)
                    {
                        Stats.Sent += batch.Count;
                        Stats.Queued -= batch.Count;
                        foreach (var p in batch) Stats.SentBytes += p.Length;
                        _inFlight = 0;
                    }

                    batch.Clear();
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or AuthenticationException)
            {
                Interlocked.Increment(ref Stats.Errors);
                Failed(e.Message);
            }
            finally
            {
                _connected = false;
                tls?.Dispose();
                socket?.Dispose();
            }

            if (token.WaitHandle.WaitOne(backoff)) break;
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.MaxBackoff.Ticks));
        }
    }

    private string? _refusal;

    private SslStream Handshake(Stream stream, CancellationToken token)
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        _refusal = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = _settings.Tls?.ServerName ?? _target.Host,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                _refusal = _tls!.Check(certificate, chain, errors);
                return _refusal is null;
            },
        };
        if (_tls!.ClientCertificate is { } client) options.ClientCertificates = [client];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(_settings.HandshakeTimeout);
        try
        {
            tls.AuthenticateAsClientAsync(options, timeout.Token).GetAwaiter().GetResult();
            return tls;
        }
        catch (AuthenticationException e) when (_refusal is not null)
        {
            tls.Dispose();
            throw new AuthenticationException($"TLS server refused: {_refusal}", e);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            tls.Dispose();
            throw new IOException($"TLS handshake did not finish within {_settings.HandshakeTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            tls.Dispose();
            throw;
        }
    }

    private void Failed(string message)
    {
        Volatile.Write(ref _lastError, message);
        if (message == _reported) return;
        _reported = message;
        _settings.Log?.Invoke($"{Name}: {message}");
    }

    private Socket Connect(CancellationToken token)
    {
        var addresses = Dns.GetHostAddresses(_target.Host);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            socket.ConnectAsync(new IPEndPoint(addresses[0], _target.Port), token).AsTask().GetAwaiter().GetResult();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool PeerClosed(Socket socket) => socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;

    private static void Write(Stream stream, List<byte[]> batch, ref byte[] buffer)
    {
        // Everything taken goes out in one write (one TLS record run, one system call): many small HEP packets per segment.
        var length = 0;
        foreach (var p in batch) length += p.Length;
        if (buffer.Length < length) buffer = new byte[length];
        var offset = 0;
        foreach (var p in batch)
        {
            p.CopyTo(buffer, offset);
            offset += p.Length;
        }

        stream.Write(buffer, 0, length);
    }

    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_lock)
                if (_memory.Count == 0 && !_spilling && _inFlight == 0)
                    return true;
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(10);
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync();
        _thread.Join(TimeSpan.FromSeconds(5));
        lock (_lock)
        {
            Stats.Dropped += _memory.Count + (_disk?.Count ?? 0) + _inFlight;
            Stats.Queued = 0;
        }

        _disk?.Dispose();
        _signal.Dispose();
        _stop.Dispose();
    }
}
