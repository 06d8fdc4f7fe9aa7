using Homer.Actors.Dialogs;

namespace Homer.Actors.Tests;

/// <summary>The host's timer queue on a clock of its own (milliseconds): never early, at most coalesced late.</summary>
public sealed class DialogTimersTests
{
    private static HostedDialog.Due Due(HostedDialog.DueKind kind = HostedDialog.DueKind.Idle) => new(null!, kind);

    private static List<HostedDialog.Due> Fired(DialogTimers timers, long now) =>
        timers.TakeDue(now).Where(t => timers.Fire(t.Due, t.At)).Select(t => t.Due).ToList();

    [Fact]
    public void Timers_fire_at_their_deadline_in_order_and_a_restart_or_cancel_replaces_the_earlier_setting()
    {
        var timers = new DialogTimers();
        var (a, b, c, d) = (Due(), Due(), Due(), Due());

        Assert.Equal(TimeSpan.FromMilliseconds(1000), timers.Start(a, TimeSpan.FromSeconds(1), 0));
        Assert.Equal(TimeSpan.FromMilliseconds(500), timers.Start(b, TimeSpan.FromMilliseconds(500), 0)); // earlier: wake earlier
        Assert.Null(timers.Start(c, TimeSpan.FromMilliseconds(505), 0)); // within the coalescing of the wake already set
        timers.Start(d, TimeSpan.FromMilliseconds(700), 0);
        timers.Start(d, TimeSpan.FromMilliseconds(2000), 100); // restarted: the 700 ms setting is gone
        timers.Cancel(c);

        Assert.Empty(Fired(timers, 499));
        Assert.Equal([b], Fired(timers, 500));
        Assert.Equal(TimeSpan.FromMilliseconds(500), timers.WakeIn(500)); // a at 1000
        Assert.Empty(Fired(timers, 999));
        Assert.Equal([a], Fired(timers, 1000));
        Assert.Equal(TimeSpan.FromMilliseconds(1100), timers.WakeIn(1000)); // d at 2100
        Assert.Equal([d], Fired(timers, 5000));
        Assert.Null(timers.WakeIn(5000));
        Assert.Equal(0, timers.Count);
    }

    [Fact]
    public void A_timer_cancelled_or_restarted_by_an_earlier_one_of_the_same_wake_up_does_not_fire()
    {
        var timers = new DialogTimers();
        var (first, second, third) = (Due(HostedDialog.DueKind.Checkpoint), Due(), Due());
        timers.Start(first, TimeSpan.FromMilliseconds(10), 0);
        timers.Start(second, TimeSpan.FromMilliseconds(20), 0);
        timers.Start(third, TimeSpan.FromMilliseconds(30), 0);

        var taken = timers.TakeDue(100);
        Assert.Equal([first, second, third], taken.Select(t => t.Due));
        Assert.True(timers.Fire(taken[0].Due, taken[0].At));
        // Running the first one cancels the second and restarts the third.
        timers.Cancel(second);
        // The wake-up is under way, so no Akka timer is set: the restart sets it.
        Assert.Equal(TimeSpan.FromMilliseconds(50), timers.Start(third, TimeSpan.FromMilliseconds(50), 100));
        Assert.False(timers.Fire(taken[1].Due, taken[1].At));
        Assert.False(timers.Fire(taken[2].Due, taken[2].At));
        Assert.Null(timers.WakeIn(100));
        Assert.Equal([third], Fired(timers, 150));
    }

    [Fact]
    public void A_busy_host_wakes_at_most_once_per_coalescing_interval_and_restarts_do_not_grow_the_queue_without_bound()
    {
        var timers = new DialogTimers();
        var dues = Enumerable.Range(0, 100).Select(_ => Due()).ToArray();
        for (var i = 0; i < dues.Length; i++)
            timers.Start(dues[i], TimeSpan.FromMilliseconds(1000 + i), 0);
        Assert.Equal(dues.Take(1), Fired(timers, 1000));
        // The next deadline is 1 ms away, but the host does not wake again sooner than the coalescing interval.
        Assert.Equal(DialogTimers.Coalesce, timers.WakeIn(1000));
        Assert.Equal(dues.Skip(1).Take(10), Fired(timers, 1010));

        // A registration refreshed every minute restarts its idle timer each time: the stale settings are dropped.
        var idle = Due();
        for (var i = 0; i < 100_000; i++)
            timers.Start(idle, TimeSpan.FromHours(1), 2000 + i);
        Assert.Equal(90, timers.Count);
        Assert.InRange(timers.Queued, 90, 4 * 90 + 65);
        Assert.Equal(dues.Skip(11), Fired(timers, 2000 + 100_000));
        Assert.Empty(Fired(timers, 2000 + 99_999 + 3_599_999));
        Assert.Equal([idle], Fired(timers, 2000 + 99_999 + 3_600_000));
    }
}
