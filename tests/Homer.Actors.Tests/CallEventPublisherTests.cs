using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit.Xunit2;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Tests;

/// <summary>The node's publisher of call events, with a probe for the DistributedPubSub mediator.</summary>
public sealed class CallEventPublisherTests() : TestKit("akka.loglevel = WARNING")
{
    private static CallEvents.ICallEvent Started(string callId, long at) => new CallEvents.DialogStarted(callId, at, DialogKinds.Call, "a", "b", "b");

    private static CallEvents.ICallEvent Ended(string callId, long at) =>
        new CallEvents.DialogEnded(callId, at, DialogKinds.Call, DialogStatus.Completed, 200, 1_000, false);

    [Fact]
    public void Events_told_within_a_window_are_published_once_on_the_call_events_topic_in_their_order()
    {
        var mediator = CreateTestProbe();
        var publisher = Sys.ActorOf(CallEventPublisher.Props(mediator, new CallEventSettings(TimeSpan.FromMilliseconds(300), 256)));
        CallEvents.ICallEvent[] told = [Started("c1", 1), Started("c2", 2), Ended("c1", 3), Ended("c2", 4)];
        foreach (var e in told)
            publisher.Tell(e);

        var publish = mediator.ExpectMsg<Publish>(TimeSpan.FromSeconds(5));
        Assert.Equal(CallEvents.Topic, publish.Topic);
        Assert.Equal(told, Assert.IsType<CallEvents.Batch>(publish.Message).Events);
        // Nothing more until more is told; the next event opens the next window.
        mediator.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        publisher.Tell(Started("c3", 5));
        var next = mediator.ExpectMsg<Publish>(TimeSpan.FromSeconds(5));
        Assert.Equal([Started("c3", 5)], ((CallEvents.Batch)next.Message).Events);
    }

    [Fact]
    public void A_full_batch_goes_out_at_once_without_waiting_for_its_window()
    {
        var mediator = CreateTestProbe();
        var publisher = Sys.ActorOf(CallEventPublisher.Props(mediator, new CallEventSettings(TimeSpan.FromMinutes(1), 3)));
        for (var i = 0; i < 7; i++)
            publisher.Tell(Started("c" + i, i));

        var first = (CallEvents.Batch)mediator.ExpectMsg<Publish>(TimeSpan.FromSeconds(5)).Message;
        var second = (CallEvents.Batch)mediator.ExpectMsg<Publish>(TimeSpan.FromSeconds(5)).Message;
        Assert.Equal(["c0", "c1", "c2"], first.Events.Select(e => e.CallId));
        Assert.Equal(["c3", "c4", "c5"], second.Events.Select(e => e.CallId));
        // The seventh waits for its (minute-long) window, or for the publisher to stop, which publishes what it holds.
        mediator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Sys.Stop(publisher);
        var last = (CallEvents.Batch)mediator.ExpectMsg<Publish>(TimeSpan.FromSeconds(5)).Message;
        Assert.Equal(["c6"], last.Events.Select(e => e.CallId));
    }
}
