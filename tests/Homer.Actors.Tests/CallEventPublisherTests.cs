using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit.Xunit2;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Tests;

/// <summary>The node's publisher of call events and its outbox, with a probe for the DistributedPubSub mediator.</summary>
public sealed class CallEventPublisherTests() : TestKit("akka.loglevel = WARNING")
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static CallEvents.ICallEvent Started(string callId, long at) => new CallEvents.DialogStarted(callId, at, DialogKinds.Call, "a", "b", "b");

    private static CallEvents.ICallEvent Ended(string callId, long at) =>
        new CallEvents.DialogEnded(callId, at, DialogKinds.Call, DialogStatus.Completed, 200, 1_000, false);

    private static CallEvents.Batch ExpectBatch(Akka.TestKit.TestProbe mediator)
    {
        var publish = mediator.ExpectMsg<Publish>(Wait);
        Assert.Equal(CallEvents.Topic, publish.Topic);
        return Assert.IsType<CallEvents.Batch>(publish.Message);
    }

    [Fact]
    public void Events_added_within_a_window_are_published_once_on_the_call_events_topic_in_their_order()
    {
        var mediator = CreateTestProbe();
        var outbox = new CallEventOutbox();
        Sys.ActorOf(CallEventPublisher.Props(mediator, new CallEventSettings(TimeSpan.FromMilliseconds(300), 256), outbox));
        CallEvents.ICallEvent[] added = [Started("c1", 1), Started("c2", 2), Ended("c1", 3), Ended("c2", 4)];
        foreach (var e in added)
            outbox.Add(e);

        Assert.Equal(added, ExpectBatch(mediator).Events);
        Assert.Equal(0, outbox.Count);
        // Nothing more until more is added; the next event opens the next window.
        mediator.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        outbox.Add(Started("c3", 5));
        Assert.Equal([Started("c3", 5)], ExpectBatch(mediator).Events);
    }

    [Fact]
    public void Events_added_before_the_publisher_runs_are_published_too()
    {
        var mediator = CreateTestProbe();
        var outbox = new CallEventOutbox();
        outbox.Add(Started("early", 1));
        Sys.ActorOf(CallEventPublisher.Props(mediator, new CallEventSettings(TimeSpan.FromMilliseconds(50), 256), outbox));
        Assert.Equal(["early"], ExpectBatch(mediator).Events.Select(e => e.CallId));
    }

    [Fact]
    public void An_outbox_that_is_full_drops_new_events_counts_them_and_the_publisher_says_so()
    {
        var mediator = CreateTestProbe();
        var outbox = new CallEventOutbox(maxWaiting: 3);
        var droppedBefore = CallEventOutbox.Dropped.Value;
        for (var i = 0; i < 5; i++)
            outbox.Add(Started("c" + i, i));
        Assert.Equal(3, outbox.Count);
        Assert.Equal(2, CallEventOutbox.Dropped.Value - droppedBefore);

        EventFilter.Warning(contains: "Dropped 2 call events").ExpectOne(Wait, () =>
            Sys.ActorOf(CallEventPublisher.Props(mediator, new CallEventSettings(TimeSpan.FromMilliseconds(50), 256, 3), outbox)));
        // The oldest are kept; once published there is room again.
        Assert.Equal(["c0", "c1", "c2"], ExpectBatch(mediator).Events.Select(e => e.CallId));
        outbox.Add(Started("c5", 5));
        Assert.Equal(["c5"], ExpectBatch(mediator).Events.Select(e => e.CallId));
    }

    [Fact]
    public void A_window_of_more_than_max_events_goes_out_as_several_batches_in_order()
    {
        var mediator = CreateTestProbe();
        var outbox = new CallEventOutbox();
        Sys.ActorOf(CallEventPublisher.Props(mediator, new CallEventSettings(TimeSpan.FromMilliseconds(200), 3), outbox));
        for (var i = 0; i < 7; i++)
            outbox.Add(Started("c" + i, i));

        Assert.Equal(["c0", "c1", "c2"], ExpectBatch(mediator).Events.Select(e => e.CallId));
        Assert.Equal(["c3", "c4", "c5"], ExpectBatch(mediator).Events.Select(e => e.CallId));
        Assert.Equal(["c6"], ExpectBatch(mediator).Events.Select(e => e.CallId));
        mediator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_stopping_publisher_publishes_what_is_waiting()
    {
        var mediator = CreateTestProbe();
        var outbox = new CallEventOutbox();
        var publisher = Sys.ActorOf(CallEventPublisher.Props(mediator, new CallEventSettings(TimeSpan.FromMinutes(1), 256), outbox));
        outbox.Add(Ended("last", 1));
        mediator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Sys.Stop(publisher);
        Assert.Equal(["last"], ExpectBatch(mediator).Events.Select(e => e.CallId));
    }

    [Fact]
    public void Events_added_from_many_threads_are_each_published_once_and_each_threads_in_its_order()
    {
        var mediator = CreateTestProbe();
        var outbox = new CallEventOutbox();
        Sys.ActorOf(CallEventPublisher.Props(mediator, new CallEventSettings(TimeSpan.FromMilliseconds(5), 64), outbox));
        const int threads = 4, each = 2_000;
        Parallel.For(0, threads, t =>
        {
            for (var i = 0; i < each; i++)
                outbox.Add(Started("t" + t, i));
        });

        var seen = new List<CallEvents.ICallEvent>();
        while (seen.Count < threads * each)
            seen.AddRange(ExpectBatch(mediator).Events);
        Assert.Equal(threads * each, seen.Count);
        for (var t = 0; t < threads; t++)
            Assert.Equal(Enumerable.Range(0, each).Select(i => (long)i), seen.Where(e => e.CallId == "t" + t).Select(e => e.TimestampMicros));
        mediator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
