using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Homer.Actors.Ingest;
using Homer.Hep;

namespace Homer.Node.Tests;

/// <summary>
/// A node whose bounds on memory and work are small, so each is reached by a small test (docs/operations.md,
/// "Bounds on memory and work").
/// </summary>
public sealed class BoundsNodeFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        // A packet must be whole 1 s after its first byte; the idle timeout stays at its 300 s default.
        new("HEP_FRAME_SECONDS", "1"),
    ];
}

public sealed class BoundsTests(BoundsNodeFixture node) : IClassFixture<BoundsNodeFixture>
{
    private const string MessagesQuery =
        "query ($callId: String!) { messages(filter: { callId: $callId }) { totalCount nodes { payload } } }";

    [Fact]
    public async Task A_compressed_payload_that_inflates_past_256_KiB_is_refused_and_counted_and_its_neighbours_are_stored()
    {
        var decodeErrorsBefore = node.Counters.Dropped(DropReason.DecodeError);
        var start = SipCalls.NowMicros().AddMinutes(-1);
        var bombCall = SipCalls.BasicCall("bomb-" + Guid.NewGuid().ToString("N")[..8], "mallory", "bob", start);
        var goodCall = SipCalls.BasicCall("zipped-" + Guid.NewGuid().ToString("N")[..8], "alice", "bob", start);
        // An INVITE padded to 300 KiB with a header that compresses to a few hundred bytes: 300 KiB stored per packet
        // without a cap below it.
        var padded = bombCall[0].Text.Replace("\r\n\r\n", "\r\nX-Padding: " + new string('a', 300 * 1024) + "\r\n\r\n",
            StringComparison.Ordinal);
        var bomb = Compressed(bombCall[0], Encoding.UTF8.GetBytes(padded));
        var good = Compressed(goodCall[0], Encoding.UTF8.GetBytes(goodCall[0].Text));
        Assert.True(bomb.Length < 64 * 1024);

        await node.SendHep(bomb, good);

        await node.Eventually(async () =>
            (await node.GraphQL(MessagesQuery, new { callId = CallIdOf(goodCall) })).GetProperty("messages").GetProperty("totalCount").GetInt64() == 1,
            "the compressed INVITE after the bomb is stored");
        var stored = await node.GraphQL(MessagesQuery, new { callId = CallIdOf(goodCall) });
        Assert.Equal(goodCall[0].Text, stored.GetProperty("messages").GetProperty("nodes")[0].GetProperty("payload").GetString());
        Assert.Equal(decodeErrorsBefore + 1, node.Counters.Dropped(DropReason.DecodeError));
        var bombs = await node.GraphQL(MessagesQuery, new { callId = CallIdOf(bombCall) });
        Assert.Equal(0, bombs.GetProperty("messages").GetProperty("totalCount").GetInt64());
    }

    [Fact]
    public async Task A_TCP_connection_that_dribbles_a_packet_one_byte_at_a_time_is_closed_at_the_frame_deadline_and_counted()
    {
        var timeoutsBefore = node.Counters.StreamFramesTimedOut;
        var decodeErrorsBefore = node.Counters.Dropped(DropReason.DecodeError);
        var call = SipCalls.BasicCall("dribble-" + Guid.NewGuid().ToString("N")[..8], "slow", "loris", SipCalls.NowMicros().AddMinutes(-1));
        var packet = SipCalls.Hep3(call[0]);
        using var client = new TcpClient();
        await client.ConnectAsync(node.HepTcpEndpoint!);
        var socket = client.Client;

        // Each byte would restart an idle timer (300 s here); the frame deadline (1 s) counts from the first byte.
        // At 5 bytes/s the packet would take two minutes; the node must close the connection long before.
        var sent = 0;
        var closed = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!closed && sent < packet.Length && DateTime.UtcNow < deadline)
        {
            try
            {
                await socket.SendAsync(packet.AsMemory(sent, 1));
                sent++;
            }
            catch (SocketException)
            {
                closed = true;
                break;
            }
            await Task.Delay(200);
            closed = socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }

        Assert.True(closed, $"the node kept the connection open after {sent} bytes of a {packet.Length}-byte packet");
        Assert.True(sent < packet.Length);
        await node.Eventually(() => Task.FromResult(node.Counters.StreamFramesTimedOut == timeoutsBefore + 1), "the timeout is counted");
        // The partial packet is a loss, counted as every broken stream is.
        await node.Eventually(() => Task.FromResult(node.Counters.Dropped(DropReason.DecodeError) == decodeErrorsBefore + 1), "the lost packet is counted");
        var metrics = await node.Http.GetStringAsync("/metrics");
        Assert.Contains("homer_hep_stream_frame_timeouts_total", metrics);
    }

    private static byte[] Compressed(SipCalls.Leg leg, byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = 2,
            IpProtocol = 17,
            SourceAddress = leg.Source,
            DestinationAddress = leg.Destination,
            SourcePort = (ushort)leg.SourcePort,
            DestinationPort = (ushort)leg.DestinationPort,
            Timestamp = leg.Timestamp,
            ProtocolType = 1,
            CaptureId = 2001,
            Payload = payload,
        }, writer, compressPayload: true);
        return writer.WrittenSpan.ToArray();
    }

    private static string CallIdOf(IReadOnlyList<SipCalls.Leg> call)
    {
        var line = call[0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal));
        return line["Call-ID: ".Length..];
    }
}
