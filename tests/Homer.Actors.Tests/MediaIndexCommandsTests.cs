using Homer.Actors.Dialogs;

namespace Homer.Actors.Tests;

public sealed class MediaIndexCommandsTests
{
    [Fact]
    public void A_stream_s_RTP_and_RTCP_ports_are_announced_and_withdrawn_as_one_command()
    {
        string[] endpoints = ["192.0.2.10:20000", "192.0.2.10:20001", "2001:db8::7:30000", "2001:db8::7:30001"];

        var announced = MediaIndexCommands.AnnouncementsFor("call-1", endpoints);
        var withdrawn = MediaIndexCommands.WithdrawalsFor("call-1", endpoints);

        Assert.InRange(announced.Count, 1, 2);
        Assert.Equal(MediaIndexCommands.BucketOf("192.0.2.10:20000"), MediaIndexCommands.BucketOf("192.0.2.10:20001"));
        Assert.Equal(MediaIndexCommands.BucketOf("2001:db8::7:30000"), MediaIndexCommands.BucketOf("2001:db8::7:30001"));
        Assert.Equal(announced.Select(a => a.Bucket), withdrawn.Select(w => w.Bucket));
        Assert.Equal(endpoints.Order(), announced.SelectMany(a => a.Endpoints).Order());
        // A QoS report names one end: it must find the bucket its endpoint was announced in.
        foreach (var a in announced)
            foreach (var e in a.Endpoints)
                Assert.Equal(a.Bucket, MediaIndexCommands.BucketOf(e));
    }

    [Fact]
    public void One_media_address_with_many_ports_spreads_over_the_buckets()
    {
        // An SBC anchors every call's media on one address: its streams must not all land in one bucket (one actor).
        var used = Enumerable.Range(0, 2000).Select(i => MediaIndexCommands.BucketOf($"203.0.113.5:{10000 + 2 * i}")).Distinct().Count();
        Assert.True(used >= MediaIndexCommands.Buckets * 3 / 4, $"{used} of {MediaIndexCommands.Buckets} buckets used");
        Assert.InRange(MediaIndexCommands.BucketOf("not an endpoint"), 0, MediaIndexCommands.Buckets - 1);
    }
}
