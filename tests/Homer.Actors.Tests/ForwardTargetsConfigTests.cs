using Akka.Configuration;
using Homer.Actors.Hosting;
using Homer.Actors.Ingest;

namespace Homer.Actors.Tests;

/// <summary>How <c>homer.forward.targets</c> is read: what a good target becomes, and what a bad one says at start.</summary>
public sealed class ForwardTargetsConfigTests
{
    private static IReadOnlyList<HepForwardTarget> Read(string targets) =>
        ForwardHostingExtensions.TargetsFrom(ConfigurationFactory.ParseString($"homer.forward.targets = [ {targets} ]"));

    [Fact]
    public void A_target_is_read_with_its_filters()
    {
        var target = Assert.Single(Read("""{ name = "t", to = "tls:collector.example.net:9061", capture-ids = [2001], payload-types = [1, 5], source-subnets = ["10.1.0.0/16", "192.0.2.7"], methods = ["invite"], queue = 50 }"""));
        Assert.Equal((HepForwardTransport.Tls, "collector.example.net", 9061), (target.Transport, target.Host, target.Port));
        Assert.Equal([2001L], target.CaptureIds);
        Assert.Equal([1, 5], target.PayloadTypes.Order());
        Assert.Equal(["10.1.0.0/16", "192.0.2.7/32"], target.SourceSubnets.Select(n => n.ToString()));
        Assert.Equal(["INVITE"], target.Methods);
        Assert.Equal(50, target.QueueCapacity);
    }

    [Theory]
    [InlineData("""{ name = "bad-to", to = "sctp:10.0.0.1:9060" }""", "bad-to", "unknown transport")]
    [InlineData("""{ name = "bad-port", to = "udp:10.0.0.1:99999" }""", "bad-port", "udp:host:port")]
    [InlineData("""{ name = "bad-id", to = "udp:10.0.0.1:9060", capture-ids = ["x"] }""", "bad-id", "")]
    [InlineData("""{ name = "bad-subnet", to = "udp:10.0.0.1:9060", source-subnets = ["10.0.0.0/99"] }""", "bad-subnet", "")]
    [InlineData("""{ name = "bad-queue", to = "udp:10.0.0.1:9060", queue = 0 }""", "bad-queue", "queue must be at least 1")]
    [InlineData("""{ name = "no-to" }""", "no-to", "'to' is required")]
    public void A_bad_target_stops_the_start_with_its_name_and_the_reason(string target, string name, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Read(target));
        Assert.Contains($"({name})", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Two_targets_may_not_share_a_name()
    {
        var error = Assert.Throws<FormatException>(() => Read("""{ name = "a", to = "udp:10.0.0.1:9060" }, { name = "a", to = "udp:10.0.0.2:9060" }"""));
        Assert.Contains("'a' is used twice", error.Message);
    }

    [Fact]
    public void No_targets_means_no_forwarder()
    {
        Assert.Empty(ForwardHostingExtensions.TargetsFrom(ConfigurationFactory.ParseString("homer.forward.targets = []")));
        Assert.Empty(ForwardHostingExtensions.TargetsFrom(ConfigurationFactory.Empty));
    }
}
