using Homer.Agent.Capture.Rtp;

namespace Homer.Agent.Tests;

/// <summary>The sequence cases the generated captures do not reach: SSRC changes, a sender restarting its numbers, a stray packet.</summary>
public sealed class RtpStreamStatsTests
{
    private static void Feed(RtpStreamStats s, uint ssrc, int firstSeq, int count, ref long micros, int skip = -1)
    {
        for (var i = 0; i < count; i++)
        {
            micros += 20_000;
            if (i == skip) continue;
            s.Add(unchecked((ushort)(firstSeq + i)), (uint)(i * 160), ssrc, 0, 8000, micros);
        }
    }

    [Fact]
    public void A_new_SSRC_closes_the_run_and_the_totals_span_both()
    {
        var s = new RtpStreamStats();
        long t = 0;
        Feed(s, 1, 100, 50, ref t, skip: 10);
        Feed(s, 2, 40_000, 30, ref t, skip: 29); // the last of the new source never comes: not expected either
        s.Finish();
        Assert.Equal((1, 2u), (s.SsrcChanges, s.Ssrc));
        Assert.Equal((50 + 29, 49 + 29, 1), (s.Expected, s.Received, s.Lost));
        Assert.Equal((1, 1, 1), (s.LossBursts, s.MaxBurst, s.BurstLost));
    }

    [Fact]
    public void A_sender_that_restarts_its_numbers_is_followed_after_two_packets_and_a_stray_is_ignored()
    {
        var s = new RtpStreamStats();
        long t = 0;
        Feed(s, 7, 1000, 20, ref t);
        s.Add(30_000, 0, 7, 0, 8000, t += 20_000); // a stray far away: on probation, not counted
        Feed(s, 7, 1020, 10, ref t);
        Assert.Equal((30, 30, 0L), (s.Expected, s.Received, s.Lost));
        s.Add(50_000, 0, 7, 0, 8000, t += 20_000); // a restart: the first packet is held back...
        Feed(s, 7, 50_001, 10, ref t); // ...and the next in sequence confirms it and starts a new run
        s.Finish();
        Assert.Equal((40, 40, 0L, 0), (s.Expected, s.Received, s.Lost, s.SsrcChanges));
        // As in RFC 3550 A.1, the packets on probation (the stray, the restart's first) are not counted.
        Assert.Equal(40, s.Packets);
    }
}
