using System.Globalization;
using System.Net;
using System.Text;
using Homer.Hep;

namespace Homer.Node.Tests;

/// <summary>Reloads IP aliases every second, so a test sees a new alias counted without waiting the default 30 s.</summary>
public sealed class SipMetricsNodeFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() =>
    [
        new("METRICS_ALIAS_REFRESH_SECONDS", "1"),
    ];
}

/// <summary>SIP sent over HEP/UDP on loopback, then /metrics scraped as Prometheus would.</summary>
public sealed class SipMetricsTests(SipMetricsNodeFixture node) : IClassFixture<SipMetricsNodeFixture>
{
    [Fact]
    public async Task Methods_responses_and_nodes_are_counted_with_unknown_methods_folded_into_OTHER()
    {
        // A capture node name of this test's own: the Prometheus registry is shared by every node in the test process.
        var captureNode = "sbc-" + Guid.NewGuid().ToString("N")[..8];
        var call = SipCalls.BasicCall(Guid.NewGuid().ToString("N") + "@metrics", "alice", "bob", SipCalls.NowMicros().AddMinutes(-1));
        var odd = SipCalls.BasicCall(Guid.NewGuid().ToString("N") + "@metrics", "carol", "dave", SipCalls.NowMicros().AddMinutes(-1))[0] with { };
        var busy = Response(call[0], 486, "Busy Here");
        var weird = Replace(odd, "INVITE", "FROBNICATE");
        await node.SendHep([.. call.Select(l => Hep(l, captureNode)), Hep(weird, captureNode), Hep(busy, captureNode)]);

        await node.Eventually(async () => Value(await Scrape(), Series("INVITE", "request", captureNode)) == 1
            && Value(await Scrape(), Series("OTHER", "request", captureNode)) == 1
            && Value(await Scrape(), Series("INVITE", "486", captureNode)) == 1, "SIP counted by method and response");

        var text = await Scrape();
        Assert.Equal(1, Value(text, Series("INVITE", "100", captureNode)));
        Assert.Equal(1, Value(text, Series("INVITE", "180", captureNode)));
        Assert.Equal(1, Value(text, Series("INVITE", "200", captureNode)));
        Assert.Equal(1, Value(text, Series("ACK", "request", captureNode)));
        Assert.Equal(1, Value(text, Series("BYE", "request", captureNode)));
        // The BYE's 200 is counted under its CSeq method.
        Assert.Equal(1, Value(text, Series("BYE", "200", captureNode)));
        Assert.DoesNotContain("FROBNICATE", text);
        Assert.Contains("# TYPE homer_sip_method_response_total counter", text);
    }

    [Fact]
    public async Task Traffic_of_an_aliased_address_is_counted_per_alias_and_direction()
    {
        // From the benchmarking range no other test sends from, so only this test moves the alias's series.
        var ip = $"198.18.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";
        var alias = "pbx-" + Guid.NewGuid().ToString("N")[..6];
        await node.GraphQL("mutation ($input: AliasInput!) { createAlias(input: $input) { id } }",
            new { input = new { ip, port = 0, name = alias } });
        var address = IPAddress.Parse(ip);
        List<SipCalls.Leg> Aliased(string callId) => SipCalls.BasicCall(callId, "erin", "frank", SipCalls.NowMicros())
            .Select(l => l.Source.Equals(SipCalls.Caller) ? l with { Source = address } : l with { Destination = address }).ToList();

        // The alias reaches the ingest node within its refresh interval (1 s here): another call's INVITE, resent until
        // it is counted under the alias, shows it is live. The call measured below is sent once, after that, so none of
        // its messages can fall before the alias (resending the measured call itself left its counts uneven).
        var probe = Aliased(Guid.NewGuid().ToString("N") + "@alias-probe")[0];
        await node.Eventually(async () =>
        {
            await node.SendHep([Hep(probe, "alias-node")]);
            await Task.Delay(300);
            return Value(await Scrape(), AliasSeries(alias, "src", "INVITE", "request")) >= 1;
        }, "aliased traffic counted");

        // The caller sends INVITE, ACK and BYE; it receives 100, 180, 200 and the BYE's 200 (a class per response).
        (string Series, double Count)[] expected =
        [
            (AliasSeries(alias, "src", "INVITE", "request"), 1),
            (AliasSeries(alias, "src", "ACK", "request"), 1),
            (AliasSeries(alias, "src", "BYE", "request"), 1),
            (AliasSeries(alias, "dst", "INVITE", "1xx"), 2),
            (AliasSeries(alias, "dst", "INVITE", "2xx"), 1),
            (AliasSeries(alias, "dst", "BYE", "2xx"), 1),
        ];
        // A probe of an earlier try may still be on its way: the counts to compare with are taken once they hold still.
        var before = await Scrape();
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(300);
            var again = await Scrape();
            var settled = expected.All(e => Value(again, e.Series) == Value(before, e.Series));
            before = again;
            if (settled)
                break;
        }
        await node.SendHep([.. Aliased(Guid.NewGuid().ToString("N") + "@alias").Select(l => Hep(l, "alias-node"))]);
        string? counted = null;
        await node.Eventually(async () =>
        {
            counted = await Scrape();
            return expected.All(e => (Value(counted, e.Series) ?? 0) - (Value(before, e.Series) ?? 0) >= e.Count);
        }, "the call counted under its alias");
        // Nothing counted twice, and no series the call does not touch moved.
        foreach (var (series, count) in expected)
            Assert.Equal(count, (Value(counted!, series) ?? 0) - (Value(before, series) ?? 0));
        Assert.Equal(Value(before, AliasSeries(alias, "dst", "INVITE", "request")), Value(counted!, AliasSeries(alias, "dst", "INVITE", "request")));

        // The call also ended, so by now every metric the Grafana dashboard in docs/ queries has a series.
        await node.Eventually(async () => Value(await Scrape(), "homer_kpi_attempts{node=\"alias-node\"}") >= 1, "the aliased call counted in the KPIs");
        var scraped = await Scrape();
        var dashboard = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "grafana-sip-dashboard.json"));
        var queried = System.Text.RegularExpressions.Regex.Matches(dashboard, "homer_[a-z_]+").Select(m => m.Value).Distinct().ToList();
        Assert.Contains("homer_sip_method_response_total", queried);
        // The call carried no QoS report, so it has no MOS series (a node without a sample has none, by design).
        foreach (var metric in queried.Where(m => m != "homer_kpi_mos"))
            Assert.True(scraped.Contains("\n" + metric + "{", StringComparison.Ordinal) || scraped.Contains("\n" + metric + " ", StringComparison.Ordinal),
                $"the dashboard queries {metric}, which /metrics does not serve");
    }

    [Fact]
    public async Task Call_KPIs_are_gauges_per_capture_node()
    {
        var captureNode = "kpi-" + Guid.NewGuid().ToString("N")[..8];
        var answered = SipCalls.BasicCall(Guid.NewGuid().ToString("N") + "@kpi", "gina", "hank", SipCalls.NowMicros().AddMinutes(-2));
        var rejected = SipCalls.BasicCall(Guid.NewGuid().ToString("N") + "@kpi", "ivan", "judy", SipCalls.NowMicros().AddMinutes(-2));
        // The second call: INVITE, 100, then 486 Busy Here and its ACK — a user-effective failure (counts for NER, not ASR).
        var busy = Response(rejected[0], 486, "Busy Here", ";tag=busy1");
        var ack = Replace(rejected[4], "tag=callee9", "tag=busy1") with { Timestamp = busy.Timestamp.AddMilliseconds(5) };
        await node.SendHep([.. answered.Select(l => Hep(l, captureNode)), Hep(rejected[0], captureNode), Hep(rejected[1], captureNode),
            Hep(busy, captureNode), Hep(ack, captureNode)]);

        await node.Eventually(async () => Value(await Scrape(), $"homer_kpi_attempts{{node=\"{captureNode}\"}}") == 2, "both calls ended and counted");
        var text = await Scrape();
        Assert.Equal(0.5, Value(text, $"homer_kpi_asr_ratio{{node=\"{captureNode}\"}}"));
        Assert.Equal(1.0, Value(text, $"homer_kpi_ner_ratio{{node=\"{captureNode}\"}}"));
        // The answered call lasted from its 200 (3 s) to its BYE (30 s).
        Assert.InRange(Value(text, $"homer_kpi_acd_seconds{{node=\"{captureNode}\"}}")!.Value, 26.9, 27.1);
        Assert.True(Value(text, $"homer_kpi_pdd_seconds{{node=\"{captureNode}\"}}") > 0);
        // The gauges' window: the last node started in this process sets it, so only its presence is asserted here.
        Assert.NotNull(Value(text, "homer_kpi_window_seconds"));

        // The answered call's QoS report (agent JSON, HEP type 34) arrives after its BYE, as it does in the field.
        await node.SendHep(SipMix.QosReport(SipCallId(answered[0]), answered[^1].Timestamp.AddSeconds(2), 4.3));
        await node.Eventually(async () => Value(await Scrape(), $"homer_kpi_mos{{node=\"{captureNode}\"}}") is { } mos && Math.Abs(mos - 4.3) < 1e-9,
            "the call's MOS in the gauge");
    }

    private static string SipCallId(SipCalls.Leg leg) =>
        leg.Text.Split("\r\n").First(h => h.StartsWith("Call-ID: ", StringComparison.Ordinal))["Call-ID: ".Length..];

    private static string Series(string method, string response, string captureNode) =>
        $"homer_sip_method_response_total{{method=\"{method}\",response=\"{response}\",node=\"{captureNode}\"}}";

    private static string AliasSeries(string alias, string direction, string method, string response) =>
        $"homer_sip_alias_method_response_total{{alias=\"{alias}\",direction=\"{direction}\",method=\"{method}\",response=\"{response}\"}}";

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private async Task<string> Scrape() => await node.Http.GetStringAsync("/metrics");

    private static double? Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        }
        return null;
    }

    private static SipCalls.Leg Replace(SipCalls.Leg leg, string from, string to) => leg with { Text = leg.Text.Replace(from, to, StringComparison.Ordinal) };

    /// <summary>A final response to <paramref name="request"/> (an INVITE), from its destination, 2 s after it.</summary>
    private static SipCalls.Leg Response(SipCalls.Leg request, int status, string reason, string toTag = "")
    {
        var headers = request.Text[..request.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        var keep = headers.Where(h => h.StartsWith("Via:", StringComparison.Ordinal) || h.StartsWith("From:", StringComparison.Ordinal)
            || h.StartsWith("Call-ID:", StringComparison.Ordinal) || h.StartsWith("CSeq:", StringComparison.Ordinal))
            .Concat(headers.Where(h => h.StartsWith("To:", StringComparison.Ordinal)).Select(h => h + toTag));
        var text = $"SIP/2.0 {status} {reason}\r\n" + string.Join("\r\n", keep) + "\r\nContent-Length: 0\r\n\r\n";
        return new SipCalls.Leg(text, request.Destination, request.DestinationPort, request.Source, request.SourcePort, request.Timestamp.AddSeconds(2));
    }

    private static byte[] Hep(SipCalls.Leg leg, string captureNode) =>
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
            NodeName = captureNode,
            Payload = Encoding.UTF8.GetBytes(leg.Text),
        });
}
