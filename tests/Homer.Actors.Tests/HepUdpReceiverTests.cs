using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Homer.Actors.Ingest;
using Microsoft.Extensions.Logging.Abstractions;

namespace Homer.Actors.Tests;

/// <summary>
/// The UDP edge on real loopback sockets, in both its loops: batched (<c>recvmmsg</c>, 64-bit Linux) and one
/// datagram per call. Every datagram must come out whole, in order per sender, with the right sender.
/// </summary>
public sealed class HepUdpReceiverTests
{
    public static TheoryData<bool> Loops => new() { true, false };

    [Theory]
    [MemberData(nameof(Loops))]
    public async Task Every_datagram_arrives_whole_with_its_sender(bool batch)
    {
        var edge = Channel.CreateUnbounded<HepDatagram>();
        var counters = new IngestCounters();
        await using var receiver = Start(IPAddress.Loopback, edge.Writer, counters, batch);
        Assert.Equal(batch && OperatingSystem.IsLinux(), receiver.IsBatching);

        using var first = Sender(IPAddress.Loopback, receiver.LocalEndpoint);
        using var second = Sender(IPAddress.Loopback, receiver.LocalEndpoint);
        // Sizes from one byte to the largest IPv4 UDP payload, interleaved between two senders, in bursts larger than a
        // batch so the loop both fills its slots and drains part-full ones. Each burst waits for the last to be taken,
        // so a kernel buffer capped at the default net.core.rmem_max cannot drop any.
        var sizes = Enumerable.Range(0, 400).Select(i => i % 97 == 0 ? 65_507 : 1 + i * 37 % 1_200).ToArray();
        for (var i = 0; i < sizes.Length; i++)
        {
            (i % 3 == 0 ? second : first).Send(Payload(i, sizes[i]));
            if (i % 40 == 39 || sizes[i] > 60_000)
                await Until(() => counters.Received == i + 1);
        }

        var got = await Take(edge.Reader, sizes.Length);
        var firstPort = ((IPEndPoint)first.LocalEndPoint!).Port;
        var secondPort = ((IPEndPoint)second.LocalEndPoint!).Port;
        foreach (var (from, port) in new[] { (second, secondPort), (first, firstPort) })
        {
            var expected = Enumerable.Range(0, sizes.Length).Where(i => (i % 3 == 0) == (from == second)).ToArray();
            var mine = got.Where(d => d.Sender.Port == port).ToArray();
            Assert.Equal(expected.Length, mine.Length);
            for (var k = 0; k < expected.Length; k++)
            {
                Assert.Equal(IPAddress.Loopback, mine[k].Sender.Address);
                Assert.Equal(Payload(expected[k], sizes[expected[k]]), mine[k].Data);
            }
        }
        Assert.Equal(sizes.Length, counters.Received);
        Assert.Equal(0, counters.DroppedTotal);
    }

    [IPv6Theory]
    [MemberData(nameof(Loops))]
    public async Task An_IPv6_sender_is_reported_as_such(bool batch)
    {
        var edge = Channel.CreateUnbounded<HepDatagram>();
        await using var receiver = Start(IPAddress.IPv6Loopback, edge.Writer, new IngestCounters(), batch);
        using var sender = Sender(IPAddress.IPv6Loopback, receiver.LocalEndpoint);
        sender.Send(Payload(1, 200));
        sender.Send(Payload(2, 300));

        var got = await Take(edge.Reader, 2);
        Assert.All(got, d => Assert.Equal((IPEndPoint)sender.LocalEndPoint!, d.Sender));
        Assert.Equal(Payload(2, 300), got[1].Data);
    }

    [Theory]
    [MemberData(nameof(Loops))]
    public async Task A_full_edge_counts_each_dropped_datagram(bool batch)
    {
        var edge = Channel.CreateBounded<HepDatagram>(new BoundedChannelOptions(10) { FullMode = BoundedChannelFullMode.Wait });
        var counters = new IngestCounters();
        await using var receiver = Start(IPAddress.Loopback, edge.Writer, counters, batch);
        using var sender = Sender(IPAddress.Loopback, receiver.LocalEndpoint);
        for (var i = 0; i < 100; i++)
        {
            sender.Send(Payload(i, 100));
            if (i % 40 == 39)
                await Until(() => counters.Received == i + 1);
        }

        // Received is counted before the datagram is kept or dropped: wait until each one is one or the other.
        await Until(() => counters.Received == 100 && Settled(counters, edge.Reader, taken: 0));
        Assert.Equal(90, counters.Dropped(DropReason.BufferFull));
        // The first ten were kept, in order.
        for (var i = 0; i < 10; i++)
            Assert.Equal(Payload(i, 100), (await edge.Reader.ReadAsync()).Data);
    }

    [Theory]
    [MemberData(nameof(Loops))]
    public async Task The_edge_holds_no_more_bytes_than_its_byte_bound_whatever_its_packet_count(bool batch)
    {
        // Room for 100 000 packets, but only 1 MiB: sixteen 60 000-byte datagrams fit (bounded by the heap, not the count).
        var edge = Channel.CreateBounded<HepDatagram>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.Wait });
        var counters = new IngestCounters();
        var bytes = new EdgeBytes(1 << 20);
        await using var receiver = new HepUdpReceiver(
            new HepListenerOptions { Transport = HepTransport.Udp, Endpoint = new IPEndPoint(IPAddress.Loopback, 0), ReceiveBufferBytes = 4 << 20 },
            edge.Writer, counters, NullLogger.Instance, batch, bytes);
        using var sender = Sender(IPAddress.Loopback, receiver.LocalEndpoint);
        for (var i = 0; i < 40; i++)
        {
            sender.Send(Payload(i, 60_000));
            await Until(() => counters.Received == i + 1 && Settled(counters, edge.Reader, taken: 0));
        }

        Assert.Equal((1 << 20) / 60_000, edge.Reader.Count);
        Assert.Equal(40 - (1 << 20) / 60_000, counters.Dropped(DropReason.BufferFull));
        Assert.True(bytes.Held <= 1 << 20);

        // What the graph takes out (and gives back) makes room again.
        var taken = await edge.Reader.ReadAsync();
        bytes.Release(taken.Data.Length);
        sender.Send(Payload(99, 60_000));
        await Until(() => counters.Received == 41 && Settled(counters, edge.Reader, taken: 1));
        Assert.Equal((1 << 20) / 60_000, edge.Reader.Count);
        Assert.Equal(40 - (1 << 20) / 60_000, counters.Dropped(DropReason.BufferFull));
    }

    [Theory]
    [MemberData(nameof(Loops))]
    public async Task Stopping_an_idle_receiver_releases_its_port(bool batch)
    {
        var receiver = Start(IPAddress.Loopback, Channel.CreateUnbounded<HepDatagram>().Writer, new IngestCounters(), batch);
        var endpoint = receiver.LocalEndpoint;
        await receiver.DisposeAsync();

        // Bound again at once: the loop let go of the descriptor and the socket is closed.
        await using var again = Start(endpoint.Address, Channel.CreateUnbounded<HepDatagram>().Writer, new IngestCounters(), batch,
            endpoint.Port);
        Assert.Equal(endpoint, again.LocalEndpoint);
    }

    private static HepUdpReceiver Start(IPAddress address, ChannelWriter<HepDatagram> edge, IngestCounters counters, bool batch,
        int port = 0) =>
        new(new HepListenerOptions { Transport = HepTransport.Udp, Endpoint = new IPEndPoint(address, port), ReceiveBufferBytes = 4 << 20 },
            edge, counters, NullLogger.Instance, batch);

    private static Socket Sender(IPAddress address, IPEndPoint target)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 4 << 20 };
        socket.Bind(new IPEndPoint(address, 0));
        socket.Connect(target);
        return socket;
    }

    private static byte[] Payload(int index, int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
            bytes[i] = (byte)(index * 31 + i);
        return bytes;
    }

    /// <summary>Every datagram counted as received is either in the edge, taken out of it, or counted as dropped.</summary>
    private static bool Settled(IngestCounters counters, ChannelReader<HepDatagram> edge, int taken) =>
        edge.Count + taken + counters.Dropped(DropReason.BufferFull) == counters.Received;

    private static async Task Until(Func<bool> condition)
    {
        for (var wait = 0; wait < 1_000 && !condition(); wait++)
            await Task.Delay(10);
        Assert.True(condition(), "the receiver did not take the datagrams sent within 10 s");
    }

    private static async Task<List<HepDatagram>> Take(ChannelReader<HepDatagram> reader, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var got = new List<HepDatagram>(count);
        while (got.Count < count)
            got.Add(await reader.ReadAsync(timeout.Token));
        return got;
    }
}

/// <summary>A theory skipped, with the reason, on a host without IPv6 (instead of passing without testing).</summary>
public sealed class IPv6TheoryAttribute : TheoryAttribute
{
    public IPv6TheoryAttribute()
    {
        if (!Socket.OSSupportsIPv6)
            Skip = "this host has no IPv6";
    }
}
