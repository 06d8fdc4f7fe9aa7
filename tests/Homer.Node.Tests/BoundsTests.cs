using System.Buffers;
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
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() => [];
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
