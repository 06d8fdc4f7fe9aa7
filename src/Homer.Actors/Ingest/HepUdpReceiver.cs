using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Homer.Net;
using Microsoft.Extensions.Logging;

namespace Homer.Actors.Ingest;

/// <summary>
/// The UDP edge: a receive loop that copies each datagram into the one bounded buffer of the ingest path.
/// UDP cannot be backpressured, so when the graph falls behind this is the single place where packets are
/// dropped, and each drop is counted.
/// The loop is a dedicated thread: an asynchronous receive costs a hop through the socket engine's thread and one to
/// the pool per datagram, which on our 2-core machines was a large share of the node's CPU (context switches) at
/// 5 000 packets/s. On 64-bit Linux it takes up to <see cref="BatchSlots"/> queued datagrams per <c>recvmmsg</c>
/// call, and when a call found more than one waiting (a busy sender) it naps for a millisecond before the next, so
/// the datagrams of that millisecond queue in the kernel and come in one call, instead of each waking this thread
/// (one wake-up per datagram was 3.5 % of the node's CPU at 17 500/s, and as much again in the sender). A
/// trickle still wakes it per datagram, so at low rates nothing waits. Elsewhere it blocks in one
/// <c>ReceiveFrom</c> per datagram.
/// </summary>
public sealed class HepUdpReceiver : IAsyncDisposable
{
    // The largest UDP payload; HEP senders never exceed it.
    private const int MaxDatagram = 65_535;
    /// <summary>Datagrams taken per <c>recvmmsg</c> call (a slot of <see cref="MaxDatagram"/> bytes each).</summary>
    internal const int BatchSlots = 32;
    // How long an idle wait lasts before the loop looks at the stop flag again.
    private const int IdlePollMicroseconds = 200_000;

    private readonly Socket _socket;
    private readonly ChannelWriter<HepDatagram> _output;
    private readonly IngestCounters _counters;
    private readonly ILogger _logger;
    private readonly HepSource _source;
    private readonly Thread _loop;
    private volatile bool _stopping;
    private long _lastDropLogTicks;

    public IPEndPoint LocalEndpoint { get; }

    /// <summary>True when datagrams are taken in batches with <c>recvmmsg</c>.</summary>
    internal bool IsBatching { get; }

    private readonly EdgeBytes? _edgeBytes;

    /// <param name="edgeBytes">Bounds the bytes waiting in the edge buffer (a datagram that does not fit is dropped and counted).</param>
    public HepUdpReceiver(HepListenerOptions options, ChannelWriter<HepDatagram> output, IngestCounters counters, ILogger logger,
        EdgeBytes? edgeBytes = null)
        : this(options, output, counters, logger, batchReceive: true, edgeBytes)
    {
    }

    /// <param name="batchReceive">False forces the portable one-datagram-per-call loop (tests run both).</param>
    internal HepUdpReceiver(HepListenerOptions options, ChannelWriter<HepDatagram> output, IngestCounters counters, ILogger logger,
        bool batchReceive, EdgeBytes? edgeBytes = null)
    {
        _edgeBytes = edgeBytes;
        _output = output;
        _counters = counters;
        _logger = logger;
        _source = HepSource.For(options);
        _socket = new Socket(options.Endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        // A large kernel buffer absorbs bursts while the graph catches up; the kernel may cap it (net.core.rmem_max).
        _socket.ReceiveBufferSize = options.ReceiveBufferBytes;
        _socket.Bind(options.Endpoint);
        LocalEndpoint = (IPEndPoint)_socket.LocalEndPoint!;
        // Linux reports twice the granted size; anything below the request means net.core.rmem_max capped it.
        if (_socket.ReceiveBufferSize / 2 < options.ReceiveBufferBytes)
            _logger.LogWarning("HEP/UDP {Endpoint}: the kernel granted a {Granted} byte receive buffer of the {Wanted} asked; " +
                "raise net.core.rmem_max (run.sh does as root) or bursts will be dropped by the kernel",
                LocalEndpoint, _socket.ReceiveBufferSize / 2, options.ReceiveBufferBytes);
        IsBatching = batchReceive && BatchReceive.Supported;
        _loop = new Thread(IsBatching ? BatchReceiveLoop : ReceiveLoop) { IsBackground = true, Name = $"hep-udp {LocalEndpoint}" };
        _loop.Start();
    }

    private void ReceiveLoop()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var address = new SocketAddress(LocalEndpoint.AddressFamily);
        var template = new IPEndPoint(LocalEndpoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        // Agents are few and send from one port each: the sender of the previous datagram is usually the sender of this one.
        var lastAddress = new SocketAddress(LocalEndpoint.AddressFamily);
        IPEndPoint? lastSender = null;
        while (!_stopping)
        {
            int received;
            try
            {
                received = _socket.ReceiveFrom(buffer, SocketFlags.None, address);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                if (_stopping)
                    break;
                // ICMP errors and the like surface here on some kernels; they concern one datagram, not the socket.
                _logger.LogDebug(e, "UDP receive error on {Endpoint}", LocalEndpoint);
                continue;
            }

            _counters.OnReceived();
            if (lastSender is null || !address.Equals(lastAddress))
            {
                lastSender = (IPEndPoint)template.Create(address);
                address.Buffer.Span[..address.Size].CopyTo(lastAddress.Buffer.Span);
                lastAddress.Size = address.Size;
            }
            Deliver(buffer.AsSpan(0, received), lastSender);
        }
    }

    private void BatchReceiveLoop()
    {
        // Held for the loop's life so the descriptor cannot be closed, and its number reused, under a call in progress.
        var handle = _socket.SafeHandle;
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var batch = new BatchReceive((int)handle.DangerousGetHandle());
            var lastName = new byte[BatchReceive.NameBytes];
            var lastNameLength = 0;
            IPEndPoint? lastSender = null;
            while (!_stopping)
            {
                var received = batch.Receive();
                if (received < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Mmsg.WouldBlock)
                    {
                        // Nothing queued: wait in poll, which wakes at the next datagram (or to look at the stop flag).
                        try
                        {
                            _socket.Poll(IdlePollMicroseconds, SelectMode.SelectRead);
                        }
                        catch (ObjectDisposedException)
                        {
                            break;
                        }
                        continue;
                    }
                    if (errno == Mmsg.Interrupted)
                        continue;
                    if (_stopping || errno is Mmsg.BadFileDescriptor or Mmsg.NotSocket)
                        break;
                    // ICMP errors and the like surface here on some kernels; they concern one datagram, not the socket.
                    // A millisecond's pause so an error that repeats cannot spin this thread.
                    _logger.LogDebug("UDP receive error {Errno} on {Endpoint}", errno, LocalEndpoint);
                    Thread.Sleep(1);
                    continue;
                }

                for (var i = 0; i < received; i++)
                {
                    _counters.OnReceived();
                    var name = batch.Name(i);
                    if (lastSender is null || !name.SequenceEqual(lastName.AsSpan(0, lastNameLength)))
                    {
                        lastSender = BatchReceive.ToEndPoint(name);
                        name.CopyTo(lastName);
                        lastNameLength = name.Length;
                    }
                    Deliver(batch.Datagram(i), lastSender);
                }

                // More than one was waiting: the sender is busy. Let the next millisecond's datagrams queue and take them
                // in one call rather than be woken by each. A full batch means more are queued already: no nap.
                if (received > 1 && received < BatchSlots)
                    Thread.Sleep(1);
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private void Deliver(ReadOnlySpan<byte> data, IPEndPoint sender)
    {
        if (_edgeBytes is not null && !_edgeBytes.TryReserve(data.Length))
        {
            OnBufferFull(sender);
            return;
        }
        var datagram = new HepDatagram(data.ToArray(), sender, DateTimeOffset.UtcNow, _source);
        if (!_output.TryWrite(datagram))
        {
            _edgeBytes?.Release(data.Length);
            OnBufferFull(sender);
        }
    }

    private void OnBufferFull(IPEndPoint sender)
    {
        _counters.OnDropped(DropReason.BufferFull);
        // One line per second at most: a flood of drops must not become a flood of log lines.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastDropLogTicks);
        if (now - last >= 1000 && Interlocked.CompareExchange(ref _lastDropLogTicks, now, last) == last)
            _logger.LogWarning("HEP/UDP ingest buffer full: dropping datagrams (last from {Sender}); {Dropped} dropped so far",
                sender, _counters.Dropped(DropReason.BufferFull));
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        if (IsBatching)
        {
            // The batch loop sees the flag within one idle poll; the socket closes after it let go of the descriptor.
            await Task.Run(() => _loop.Join(TimeSpan.FromSeconds(5)));
            _socket.Close();
            return;
        }
        // Closing the socket ends the portable loop's blocked receive (ObjectDisposedException or an interrupted-call
        // SocketException).
        _socket.Close();
        await Task.Run(() => _loop.Join(TimeSpan.FromSeconds(5)));
    }

    /// <summary>
    /// <c>recvmmsg</c> into pinned slots: one buffer of <see cref="BatchSlots"/> × <see cref="MaxDatagram"/> bytes and
    /// the <c>iovec</c>, <c>mmsghdr</c> and address arrays that describe it, so a call costs no marshalling.
    /// </summary>
    private sealed class BatchReceive
    {
        public const int NameBytes = 128; // sizeof(struct sockaddr_storage)
        private const int AfInet = 2;
        private const int AfInet6 = 10;

        public static bool Supported { get; } = Mmsg.LayoutSupported && HasRecvmmsg();

        private readonly int _fd;
        private readonly byte[] _data = GC.AllocateUninitializedArray<byte>(BatchSlots * MaxDatagram, pinned: true);
        private readonly byte[] _names = GC.AllocateArray<byte>(BatchSlots * NameBytes, pinned: true);
        private readonly MmsgVectors _vectors = new(BatchSlots);

        public BatchReceive(int fd)
        {
            _fd = fd;
            var data = Marshal.UnsafeAddrOfPinnedArrayElement(_data, 0);
            var names = Marshal.UnsafeAddrOfPinnedArrayElement(_names, 0);
            for (var i = 0; i < BatchSlots; i++)
            {
                _vectors.Iov[i].Base = data + i * MaxDatagram;
                _vectors.Iov[i].Length = MaxDatagram;
                _vectors.Messages[i].Header.Name = names + i * NameBytes;
            }
        }

        /// <summary>Takes what is queued, up to <see cref="BatchSlots"/>, without blocking; -1 with errno set when none.</summary>
        public int Receive()
        {
            // The kernel writes each address's length back; it must be the room on the way in.
            for (var i = 0; i < BatchSlots; i++)
                _vectors.Messages[i].Header.NameLength = NameBytes;
            return Mmsg.recvmmsg(_fd, _vectors.MessageAddress(0), BatchSlots, Mmsg.DontWait, 0);
        }

        public ReadOnlySpan<byte> Datagram(int index) =>
            _data.AsSpan(index * MaxDatagram, (int)Math.Min(_vectors.Messages[index].Length, MaxDatagram));

        public ReadOnlySpan<byte> Name(int index) =>
            _names.AsSpan(index * NameBytes, (int)Math.Min(_vectors.Messages[index].Header.NameLength, NameBytes));

        public static IPEndPoint ToEndPoint(ReadOnlySpan<byte> name)
        {
            // sockaddr_in / sockaddr_in6: family in host order, port in network order, then the address.
            var family = name.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(name) : 0;
            if (family == AfInet && name.Length >= 8)
                return new IPEndPoint(new IPAddress(name.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(name[2..]));
            if (family == AfInet6 && name.Length >= 28)
                return new IPEndPoint(new IPAddress(name.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(name[24..])),
                    BinaryPrimitives.ReadUInt16BigEndian(name[2..]));
            return new IPEndPoint(IPAddress.None, 0);
        }

        private static bool HasRecvmmsg()
        {
            try
            {
                // An invalid descriptor: a libc with the call answers EBADF, one without it throws.
                Mmsg.recvmmsg(-1, 0, 0, Mmsg.DontWait, 0);
                return true;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }
    }
}
