using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Homer.Net;

namespace Homer.Agent.Output;

/// <summary>
/// HEP over UDP on a connected socket, so ICMP port-unreachable marks the server unhealthy. On 64-bit Linux datagrams
/// are queued and handed to the kernel in batches with <c>sendmmsg</c> (one system call for up to
/// <see cref="MaxBatch"/> datagrams instead of one each, which was half the cost of a replay); a batch goes out when it
/// is full, when <see cref="FlushDelay"/> has passed since its first datagram, or on flush. Elsewhere, or if
/// <c>sendmmsg</c> is missing, or in a failover group (see <see cref="SendEachAtOnce"/>), every datagram is sent at once
/// with <see cref="Socket.Send(ReadOnlySpan{byte})"/>. Either way a datagram the kernel refuses is counted as an error
/// and dropped, and the server is taken as down for a second.
/// </summary>
public sealed class UdpHepOutput : IHepOutput
{
    public const int MaxBatch = 64;
    public static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(1);
    private const int BufferBytes = 256 * 1024;
    private static readonly long UnhealthyTicks = TimeSpan.FromSeconds(1).Ticks;

    private readonly Socket _socket;
    private long _unhealthyUntil;
    private readonly object _gate = new();
    private readonly Timer? _timer;
    private Batch? _batch;
    private bool _disposed;

    public UdpHepOutput(HepTarget target, IPEndPoint endPoint, bool batching = true)
    {
        Name = target.ToString();
        _socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.SendBufferSize = 4 << 20;
        _socket.Connect(endPoint);
        if (batching && Mmsg.LayoutSupported)
        {
            _batch = new Batch((int)_socket.Handle);
            _timer = new Timer(_ => Flush(), null, Timeout.Infinite, Timeout.Infinite);
        }
    }

    public string Name { get; }
    public OutputStats Stats { get; } = new();
    public bool IsHealthy => DateTime.UtcNow.Ticks >= Volatile.Read(ref _unhealthyUntil);
    /// <summary>True while datagrams go out through <c>sendmmsg</c> batches.</summary>
    public bool IsBatching => Volatile.Read(ref _batch) is not null;

    /// <summary>
    /// Stops batching. A failover group needs it: the ICMP refusal that reveals a dead server only surfaces on the next
    /// system call, which for one batch is after all of it went out, so a whole batch would be lost instead of the one
    /// datagram an unbatched send loses before the group moves on to the next server.
    /// </summary>
    public void SendEachAtOnce()
    {
        lock (_gate)
        {
            FlushLocked();
            _batch = null;
        }
    }

    public bool Send(ReadOnlySpan<byte> packet)
    {
        lock (_gate)
        {
            if (_disposed) return Drop();
            var batch = _batch;
            if (batch is not null && packet.Length <= BufferBytes)
            {
                if (!batch.HasRoom(packet.Length)) FlushLocked();
                var wasEmpty = batch.Count == 0;
                batch.Add(packet);
                // A plain store under the lock: an interlocked add per datagram showed in the replay profile.
                Volatile.Write(ref Stats.Queued, batch.Count);
                if (batch.Count == MaxBatch) FlushLocked();
                else if (wasEmpty) _timer!.Change(FlushDelay, Timeout.InfiniteTimeSpan);
            }
            else
            {
                if (!SendOne(packet)) return false;
            }
        }

        return true;
    }

    /// <summary>Sends what is queued now.</summary>
    public void Flush()
    {
        lock (_gate)
            if (!_disposed) FlushLocked();
    }

    public Task<bool> FlushAsync(TimeSpan timeout)
    {
        Flush();
        return Task.FromResult(true);
    }

    private void FlushLocked()
    {
        var batch = _batch;
        if (batch is null || batch.Count == 0) return;
        var index = 0;
        var retries = 0;
        while (index < batch.Count)
        {
            int sent;
            try
            {
                sent = batch.Send(index);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                sent = -2;
            }

            if (sent > 0)
            {
                Interlocked.Add(ref Stats.Sent, sent);
                Interlocked.Add(ref Stats.SentBytes, batch.Bytes(index, sent));
                index += sent;
                retries = 0;
                continue;
            }

            var errno = sent switch { 0 => 0, -2 => Mmsg.NoSys, _ => Marshal.GetLastPInvokeError() };
            if (errno == Mmsg.Interrupted) continue;
            if (errno == Mmsg.WouldBlock && retries++ < 1_000)
            {
                // .NET may have made the descriptor non-blocking; wait for room in the send buffer as a blocking send
                // would (1 ms at a time, up to a second, then the datagram is given up as refused).
                _socket.Poll(1_000, SelectMode.SelectWrite);
                continue;
            }

            if (errno == Mmsg.NoBufferSpace && retries++ < 3)
            {
                Thread.Yield();
                continue;
            }

            if (errno is Mmsg.NoSys or Mmsg.BadFileDescriptor or Mmsg.NotSocket or Mmsg.Fault or Mmsg.InvalidArgument or 0)
            {
                // sendmmsg itself is unusable here: the rest go one by one, and so does everything after.
                for (; index < batch.Count; index++)
                    SendOne(batch.Datagram(index));
                _batch = null;
                break;
            }

            // The kernel refused this datagram (an ICMP error from an earlier one, a full buffer): it is lost to this server.
            Interlocked.Increment(ref Stats.Errors);
            Volatile.Write(ref _unhealthyUntil, DateTime.UtcNow.Ticks + UnhealthyTicks);
            Interlocked.Increment(ref Stats.Dropped);
            index++;
            retries = 0;
        }

        Volatile.Write(ref Stats.Queued, 0);
        batch.Clear();
    }

    private bool SendOne(ReadOnlySpan<byte> packet)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _socket.Send(packet);
                Interlocked.Increment(ref Stats.Sent);
                Interlocked.Add(ref Stats.SentBytes, packet.Length);
                return true;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.NoBufferSpaceAvailable && attempt < 3)
            {
                Thread.Yield();
            }
            catch (SocketException)
            {
                // A refused datagram reports on the next send; that datagram is lost either way.
                Interlocked.Increment(ref Stats.Errors);
                Volatile.Write(ref _unhealthyUntil, DateTime.UtcNow.Ticks + UnhealthyTicks);
                return Drop();
            }
        }
    }

    private bool Drop()
    {
        Interlocked.Increment(ref Stats.Dropped);
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            // One step, so no send slips in between the last flush and the close to arm a disposed timer.
            if (!_disposed) FlushLocked();
            _disposed = true;
            _batch = null;
        }

        if (_timer is not null) await _timer.DisposeAsync();
        _socket.Dispose();
    }

    /// <summary>
    /// Datagrams laid end to end in one pinned buffer, with the <c>iovec</c> and <c>mmsghdr</c> arrays that describe
    /// them to <c>sendmmsg</c>, also pinned, so a flush costs one system call and no marshalling.
    /// </summary>
    private sealed class Batch
    {
        private readonly int _fd;
        private readonly byte[] _data = GC.AllocateUninitializedArray<byte>(BufferBytes, pinned: true);
        private readonly MmsgVectors _vectors = new(MaxBatch);
        private readonly int[] _offsets = new int[MaxBatch];
        private readonly nint _dataAddress;
        private int _used;

        public int Count { get; private set; }

        public Batch(int fd)
        {
            _fd = fd;
            _dataAddress = Marshal.UnsafeAddrOfPinnedArrayElement(_data, 0);
        }

        public bool HasRoom(int length) => Count < MaxBatch && _used + length <= _data.Length;

        public void Add(ReadOnlySpan<byte> datagram)
        {
            datagram.CopyTo(_data.AsSpan(_used));
            _offsets[Count] = _used;
            _vectors.Iov[Count].Base = _dataAddress + _used;
            _vectors.Iov[Count].Length = (nuint)datagram.Length;
            _used += datagram.Length;
            Count++;
        }

        public ReadOnlySpan<byte> Datagram(int index) => _data.AsSpan(_offsets[index], (int)_vectors.Iov[index].Length);

        public long Bytes(int from, int count)
        {
            long total = 0;
            for (var i = from; i < from + count; i++) total += (long)_vectors.Iov[i].Length;
            return total;
        }

        /// <summary>Sends datagrams from <paramref name="from"/> on; returns how many went, or -1 with errno set.</summary>
        public int Send(int from) => Mmsg.sendmmsg(_fd, _vectors.MessageAddress(from), (uint)(Count - from), 0);

        public void Clear()
        {
            Count = 0;
            _used = 0;
        }
    }
}
