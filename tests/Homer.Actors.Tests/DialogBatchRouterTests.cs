using Akka.TestKit.Xunit2;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Tests;

/// <summary>The ingest graph's batching of dialog commands per shard, against a probe standing in for the region.</summary>
public sealed class DialogBatchRouterTests() : TestKit("akka.loglevel = WARNING")
{
    private const int Shards = 100;
    private static readonly DialogMessageExtractor Extractor = new(Shards);
    private static readonly QosReport Qos = new("rtcp", 1, 4.1, null, 0, 1, null);

    private static DialogCommands.RecordSipMessage Sip(string callId, long at) => new() { CallId = callId, TimestampMicros = at };

    /// <summary>Two Call-IDs of the same shard and one of another.</summary>
    private static (string A, string B, string Other) CallIds()
    {
        var a = "call-0";
        var b = Enumerable.Range(1, 10_000).Select(i => $"call-{i}").First(c => Extractor.ShardOf(c) == Extractor.ShardOf(a));
        var other = Enumerable.Range(1, 10_000).Select(i => $"other-{i}").First(c => Extractor.ShardOf(c) != Extractor.ShardOf(a));
        return (a, b, other);
    }

    [Fact]
    public void A_window_sends_each_shard_one_batch_with_its_commands_in_arrival_order()
    {
        var (a, b, other) = CallIds();
        var region = CreateTestProbe();
        var router = new DialogBatchRouter(region, Shards);
        var commands = new IWithCallId[] { Sip(a, 1), Sip(b, 2), new DialogCommands.AttachQos(a, Qos), Sip(a, 3), new DialogCommands.AttachLog(b, new LogEntry(4, "x")) };
        router.Add(commands[0]);
        router.Add(commands[1]);
        router.Add(Sip(other, 9));
        router.Add(new DialogRoute(commands[2], commands[3]));
        router.Add(commands[4]);
        Assert.Equal(6, router.Pending);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        router.Flush();
        var received = new[] { region.ReceiveOne(TimeSpan.FromSeconds(3)), region.ReceiveOne(TimeSpan.FromSeconds(3)) };
        var batch = Assert.Single(received.OfType<DialogCommands.ShardBatch>());
        Assert.Equal(Extractor.ShardOf(a), batch.ShardId);
        Assert.Equal(commands, batch.Commands);
        // A shard with one command gets the command itself: no batch for nothing.
        var lone = Assert.Single(received.OfType<DialogCommands.RecordSipMessage>());
        Assert.Equal(other, lone.CallId);
        Assert.Equal(0, router.Pending);

        // The next window starts empty.
        router.Add(Sip(b, 10));
        router.Flush();
        Assert.Equal(10, region.ExpectMsg<DialogCommands.RecordSipMessage>().TimestampMicros);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Media_index_lookups_go_at_once_and_are_not_batched()
    {
        var region = CreateTestProbe();
        var router = new DialogBatchRouter(region, Shards);
        var resolve = new MediaIndexCommands.ResolveQos(3, "10.0.0.1:4001", null, Qos);
        router.Add(resolve);
        Assert.Same(resolve, region.ExpectMsg<MediaIndexCommands.ResolveQos>());
        Assert.Equal(0, router.Pending);
    }

    [Fact]
    public void The_region_routes_a_batch_to_the_host_of_its_shard()
    {
        var (a, _, _) = CallIds();
        var batch = new DialogCommands.ShardBatch(Extractor.ShardOf(a), [Sip(a, 1)]);
        Assert.Equal(Extractor.EntityId(Sip(a, 1)), Extractor.EntityId(batch));
        Assert.Equal(Extractor.ShardOf(a), Extractor.ShardId(Extractor.EntityId(batch)!, batch));
    }
}
