using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Homer.Hep;
using Xunit.Abstractions;

namespace Homer.Agent.Tests;

/// <summary>
/// The RTP analysis against a known truth (<see cref="RtpPcap"/> writes calls with chosen loss, bursts, reordering,
/// duplicates and jitter) and against tshark's own RTP stream analysis of the same file.
/// </summary>
public sealed class RtpAnalysisTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-rtp-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private sealed record Report(HepMessage Hep, JsonElement Json)
    {
        public JsonElement Total => Json.GetProperty("total");
        public bool Final => Json.GetProperty("report").GetString() == "final";
        public uint Ssrc => Json.GetProperty("ssrc").GetUInt32();
    }

    private async Task<(List<Report> Reports, AgentRun Run)> Analyse(string pcap, int interval = 10)
    {
        await using var receiver = HepReceiver.Tcp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--summary", "json",
            "--rtp-report-interval", interval.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(run.ExitCode == 0, run.ToString());
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(200));
        var reports = receiver.Messages.Where(m => m.ProtocolType == HepProtocolType.QosJson)
            .Select(m => new Report(m, JsonDocument.Parse(m.Payload).RootElement.Clone())).ToList();
        return (reports, run);
    }

    private static int Bursts(RtpPcap.StreamPlan s)
    {
        var bursts = 0;
        for (var i = 0; i < s.Packets; i++)
            if (s.Lost.Contains(i) && !s.Lost.Contains(i - 1)) bursts++;
        return bursts;
    }

    [Fact]
    public async Task Final_reports_match_the_truth_of_the_generated_capture()
    {
        var one = RtpAnalysisTestsCalls.CallOne();
        var pcap = Path.Combine(_dir, "one.pcap");
        var truth = one.Write(pcap);
        var (reports, run) = await Analyse(pcap);
        Assert.Equal(truth.Sum(t => t.Packets), run.Summary.GetProperty("rtp").GetInt64());

        foreach (var t in truth)
        {
            var mine = reports.Where(r => r.Ssrc == t.Stream.Ssrc).ToList();
            var final = Assert.Single(mine, r => r.Final);
            var total = final.Total;
            // The HEP packet carries the stream's own addresses and the call's Call-ID as correlation id.
            Assert.Equal(one.CallId, final.Hep.CorrelationId);
            Assert.Equal(t.Stream.SrcIp, final.Hep.SourceAddress.ToString());
            Assert.Equal(t.Stream.DstPort, final.Hep.DestinationPort);
            Assert.Equal(t.Packets, total.GetProperty("packets").GetInt64());
            Assert.Equal(t.Expected, total.GetProperty("expected").GetInt64());
            Assert.Equal(t.Received, total.GetProperty("received").GetInt64());
            Assert.Equal(t.Lost, total.GetProperty("lost").GetInt64());
            Assert.Equal(t.Lost, final.Json.GetProperty("packetsLost").GetInt64());
            Assert.Equal(t.Duplicates, total.GetProperty("duplicates").GetInt64());
            Assert.Equal(t.Late, total.GetProperty("outOfOrder").GetInt64());
            Assert.Equal(Bursts(t.Stream), total.GetProperty("lossBursts").GetInt64());
            Assert.Equal(t.PayloadTypeChanges, total.GetProperty("payloadTypeChanges").GetInt32());
            Assert.Equal(0, total.GetProperty("ssrcChanges").GetInt32());
            Assert.Equal(t.MaxDeltaMs, total.GetProperty("maxDeltaMs").GetDouble(), 0.001);
            Assert.Equal(t.JitterMs, total.GetProperty("jitterMs").GetDouble(), 0.001);
            Assert.Equal(t.MaxJitterMs, total.GetProperty("maxJitterMs").GetDouble(), 0.001);
            Assert.Equal(t.MeanJitterMs, total.GetProperty("meanJitterMs").GetDouble(), 0.001);
            Assert.Equal(8000, final.Json.GetProperty("clockRate").GetInt32());
            // 30 s of media with a report every 10 s: two interim reports, then the final one at the BYE.
            Assert.Equal(2, mine.Count(r => !r.Final));
            // The interval figures of all reports add up to the stream's totals.
            Assert.Equal(t.Expected, mine.Sum(r => r.Json.GetProperty("interval").GetProperty("expected").GetInt64()));
        }

        // Loss lowers the estimated MOS below a clean G.711 stream's 4.4 ceiling.
        var clean = EModelMos(0, 0, 0);
        Assert.InRange(clean, 4.39, 4.41);
        var lossy = reports.Single(r => r.Final && r.Ssrc == 0x11111111).Total.GetProperty("mos").GetDouble();
        Assert.InRange(lossy, 4.0, clean - 0.1); // 2 % random loss on G.711 with concealment: R ≈ 86
    }

    private static double EModelMos(double loss, double burst, double jitter) =>
        Homer.Agent.Capture.Rtp.EModel.Mos(Homer.Agent.Capture.Rtp.EModel.RFactor(loss, burst, jitter, "PCMU"));

    [Fact]
    public async Task The_clock_rate_comes_from_the_sdp_rtpmap()
    {
        var two = RtpAnalysisTestsCalls.CallTwo();
        var pcap = Path.Combine(_dir, "two.pcap");
        var t = Assert.Single(two.Write(pcap));
        var (reports, _) = await Analyse(pcap);
        var final = Assert.Single(reports, r => r.Final);
        Assert.Equal(48_000, final.Json.GetProperty("clockRate").GetInt32());
        Assert.Equal("opus", final.Json.GetProperty("codec").GetString());
        Assert.Equal(two.CallId, final.Hep.CorrelationId);
        Assert.Equal(t.Lost, final.Total.GetProperty("lost").GetInt64());
        Assert.Equal(t.JitterMs, final.Total.GetProperty("jitterMs").GetDouble(), 0.001);
        Assert.Equal(t.MaxDeltaMs, final.Total.GetProperty("maxDeltaMs").GetDouble(), 0.001);
        Assert.InRange(t.MaxDeltaMs, 3000, 3100);
    }

    /// <summary>
    /// Both calls in one capture, read by tshark's RTP analysis (which finds the streams from the same SDP) and by
    /// ours: packets and loss agree exactly (tshark counts duplicates as received, so its loss is our expected minus
    /// every packet), the largest gap within 0.01 ms (tshark prints three decimals), mean and max jitter within
    /// 0.05 ms or 2 %.
    /// </summary>
    [Fact]
    public async Task Agrees_with_tshark_rtp_streams()
    {
        if (!Tools.Has("tshark"))
            Assert.Fail("tshark is missing (scripts/setup.sh installs it)");
        var one = RtpAnalysisTestsCalls.CallOne();
        var two = RtpAnalysisTestsCalls.CallTwo();
        var first = Path.Combine(_dir, "a.pcap");
        var second = Path.Combine(_dir, "b.pcap");
        one.Write(first);
        two.Write(second);
        var both = Path.Combine(_dir, "both.pcap");
        var merge = await Tools.RunAsync("mergecap", $"-F pcap -w {both} {first} {second}", TimeSpan.FromSeconds(30));
        Assert.True(merge.Code == 0, merge.Stderr);
        var tshark = await TsharkStreams(both);
        var (reports, _) = await Analyse(both);
        var finals = reports.Where(r => r.Final).ToList();
        Assert.Equal(3, tshark.Count);
        Assert.Equal(3, finals.Count);
        output.WriteLine("| stream | SSRC | packets ours / tshark | lost ours (tshark's rule) / tshark | max delta ms ours / tshark | mean jitter ms ours / tshark | max jitter ms ours / tshark |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var t in tshark)
        {
            var total = finals.Single(r => r.Ssrc == t.Ssrc).Total;
            var packets = total.GetProperty("packets").GetInt64();
            var lostTsharkRule = total.GetProperty("expected").GetInt64() - packets;
            var maxDelta = total.GetProperty("maxDeltaMs").GetDouble();
            var meanJitter = total.GetProperty("meanJitterMs").GetDouble();
            var maxJitter = total.GetProperty("maxJitterMs").GetDouble();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {t.Src}:{t.SrcPort} → {t.Dst}:{t.DstPort} | 0x{t.Ssrc:X8} | {packets} / {t.Packets} | {lostTsharkRule} ({total.GetProperty("lost").GetInt64()} distinct) / {t.Lost} | {maxDelta:0.000} / {t.MaxDeltaMs:0.000} | {meanJitter:0.000} / {t.MeanJitterMs:0.000} | {maxJitter:0.000} / {t.MaxJitterMs:0.000} |"));
            Assert.Equal(t.Packets, packets);
            Assert.Equal(t.Lost, lostTsharkRule);
            Assert.Equal(t.MaxDeltaMs, maxDelta, 0.01);
            Assert.Equal(t.MeanJitterMs, meanJitter, Math.Max(0.05, t.MeanJitterMs * 0.02));
            Assert.Equal(t.MaxJitterMs, maxJitter, Math.Max(0.05, t.MaxJitterMs * 0.02));
        }
    }

    /// <summary>
    /// A real call: sipp's uac_pcap scenario plays the G.711 a-law recording Debian ships with sipp (8 s) to a sipp uas
    /// that echoes it (-rtp_echo), captured by tshark on lo; the agent's final reports of both directions agree with
    /// tshark's RTP analysis of the same capture, within the tolerance above.
    /// </summary>
    [Fact]
    public async Task A_real_sipp_call_with_rtp_agrees_with_tshark()
    {
        Assert.True(Tools.IsRoot && Tools.Has("sipp") && Tools.Has("tshark") && File.Exists("/usr/share/sip-tester/g711a.pcap"),
            "needs root (capture on lo), sipp with /usr/share/sip-tester/g711a.pcap (Debian's sip-tester) and tshark, as scripts/setup.sh installs");
        var (scenarioCode, scenario, _) = await Tools.RunAsync("sipp", "-sd uac_pcap", TimeSpan.FromSeconds(10));
        Assert.True(scenario.Contains("play_pcap_audio", StringComparison.Ordinal), $"sipp -sd uac_pcap gave {scenarioCode}");
        // The recording only (no DTMF afterwards), from where Debian puts it.
        var start = scenario.IndexOf("<nop>", scenario.IndexOf("g711a.pcap", StringComparison.Ordinal) + 1, StringComparison.Ordinal);
        var end = scenario.IndexOf("<pause milliseconds=\"1000\"/>", StringComparison.Ordinal) + "<pause milliseconds=\"1000\"/>".Length;
        scenario = scenario[..start] + scenario[end..];
        var xml = Path.Combine(_dir, "uac_pcap.xml");
        await File.WriteAllTextAsync(xml, scenario.Replace("pcap/g711a.pcap", "/usr/share/sip-tester/g711a.pcap", StringComparison.Ordinal));

        int[] ports = [Tools.FreeUdpPort(), Tools.FreeUdpPort(), Tools.FreeUdpPort() & ~1, Tools.FreeUdpPort() & ~1];
        var pcap = Path.Combine(_dir, "sipp-rtp.pcap");
        await Tools.CaptureAsync(pcap, string.Join(" or ", ports.Select(p => $"udp port {p}")), async () =>
        {
            using var uas = Tools.Start("sipp", $"-sn uas -i 127.0.0.1 -p {ports[0]} -mp {ports[2]} -rtp_echo -nostdin -m 1");
            try
            {
                await Task.Delay(500);
                var uac = await Tools.RunAsync("sipp", $"127.0.0.1:{ports[0]} -sf {xml} -i 127.0.0.1 -p {ports[1]} -mp {ports[3]} -nostdin -m 1",
                    TimeSpan.FromSeconds(60));
                Assert.True(uac.Code == 0, $"sipp uac failed ({uac.Code}): {uac.Stderr}");
            }
            finally
            {
                if (!uas.HasExited) uas.Kill();
            }
        });

        var tshark = await TsharkStreams(pcap);
        var (reports, _) = await Analyse(pcap);
        var finals = reports.Where(r => r.Final).ToList();
        Assert.Equal(2, tshark.Count);
        Assert.Equal(2, finals.Count);
        foreach (var t in tshark)
        {
            var total = finals.Single(r => r.Hep.SourcePort == t.SrcPort && r.Hep.DestinationPort == t.DstPort).Total;
            var packets = total.GetProperty("packets").GetInt64();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| sipp {t.SrcPort} → {t.DstPort} | 0x{t.Ssrc:X8} | {packets} / {t.Packets} | {total.GetProperty("expected").GetInt64() - packets} / {t.Lost} | {total.GetProperty("maxDeltaMs").GetDouble():0.000} / {t.MaxDeltaMs:0.000} | {total.GetProperty("meanJitterMs").GetDouble():0.000} / {t.MeanJitterMs:0.000} | {total.GetProperty("maxJitterMs").GetDouble():0.000} / {t.MaxJitterMs:0.000} |"));
            Assert.Equal(t.Packets, packets);
            Assert.Equal(t.Lost, total.GetProperty("expected").GetInt64() - packets);
            Assert.Equal(t.MaxDeltaMs, total.GetProperty("maxDeltaMs").GetDouble(), 0.01);
            Assert.Equal(t.MeanJitterMs, total.GetProperty("meanJitterMs").GetDouble(), Math.Max(0.05, t.MeanJitterMs * 0.02));
            Assert.Equal(t.MaxJitterMs, total.GetProperty("maxJitterMs").GetDouble(), Math.Max(0.05, t.MaxJitterMs * 0.02));
            // Loopback loses nothing: the estimate is a clean G.711 stream's.
            Assert.InRange(total.GetProperty("mos").GetDouble(), 4.3, 4.41);
        }
    }

    /// <summary>
    /// Without a BYE a stream ends after 15 s of capture time without packets (the other stream's packets move time on),
    /// and the rest at the end of the input; reports leave in capture-time order; a silent stream sends no interim
    /// reports between its last packet and its end.
    /// </summary>
    [Fact]
    public async Task Streams_end_when_they_go_quiet_and_at_the_end_of_the_input()
    {
        var call = new RtpPcap
        {
            CallId = "quiet@test",
            Bye = false,
            Streams =
            [
                new("10.1.0.1", 40_000, "10.2.0.2", 50_000, 0xAAAA0001, 0, 8000, 1500, Seed: 5),
                new("10.2.0.2", 50_000, "10.1.0.1", 40_000, 0xAAAA0002, 0, 8000, 150, Seed: 6), // 3 s, then silence
            ],
        };
        var pcap = Path.Combine(_dir, "quiet.pcap");
        var truth = call.Write(pcap);
        var (reports, _) = await Analyse(pcap);
        Assert.Equal(
            [(0xAAAA0001u, "interim"), (0xAAAA0002u, "interim"), (0xAAAA0002u, "final"), (0xAAAA0001u, "interim"), (0xAAAA0001u, "final")],
            reports.Select(r => (r.Ssrc, r.Json.GetProperty("report").GetString()!)).ToList());
        var quiet = reports[2];
        // Nothing arrived since its interim report: the final one's interval has counts but no quality figures.
        var interval = quiet.Json.GetProperty("interval");
        Assert.Equal((0, false), (interval.GetProperty("expected").GetInt64(), interval.TryGetProperty("mos", out _)));
        // Its final report is stamped with its last packet, and covers the whole stream.
        Assert.Equal(quiet.Json.GetProperty("lastMicros").GetInt64(), quiet.Json.GetProperty("reportMicros").GetInt64());
        Assert.Equal(truth[1].Expected, quiet.Total.GetProperty("expected").GetInt64());
        Assert.Equal(2, quiet.Json.GetProperty("seq").GetInt32());
    }

    /// <summary>
    /// The answer lists PCMU only, yet the caller switches to DTMF events (payload type 101, announced in the offer): the
    /// clock and name come from the other side's SDP of the same call.
    /// </summary>
    [Fact]
    public async Task A_payload_type_the_receiver_did_not_announce_takes_the_senders_rtpmap()
    {
        var call = new RtpPcap
        {
            CallId = "dtmf@test",
            CalleeRtpMaps = ["0 PCMU/8000"],
            Streams = [new("10.1.0.1", 40_000, "10.2.0.2", 50_000, 0xBBBB0001, 0, 8000, 200, Seed: 7) { SwitchPayload = (150, 101) }],
        };
        var pcap = Path.Combine(_dir, "dtmf.pcap");
        var t = Assert.Single(call.Write(pcap));
        var (reports, _) = await Analyse(pcap);
        var final = Assert.Single(reports, r => r.Final);
        Assert.Equal((101, "telephone-event", 8000), (final.Json.GetProperty("payloadType").GetInt32(),
            final.Json.GetProperty("codec").GetString(), final.Json.GetProperty("clockRate").GetInt32()));
        Assert.Equal(1, final.Total.GetProperty("payloadTypeChanges").GetInt32());
        Assert.Equal(t.MaxJitterMs, final.Total.GetProperty("maxJitterMs").GetDouble(), 0.001);
    }

    public sealed record TsharkStream(string Src, int SrcPort, string Dst, int DstPort, uint Ssrc, long Packets, long Lost,
        double MaxDeltaMs, double MaxJitterMs, double MeanJitterMs);

    /// <summary>tshark -z rtp,streams, one row per stream (tshark 4.0's columns).</summary>
    public static async Task<List<TsharkStream>> TsharkStreams(string pcap)
    {
        var (code, stdout, stderr) = await Tools.RunAsync("tshark", $"-r {pcap} -q -z rtp,streams", TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stderr);
        var rows = new List<TsharkStream>();
        var row = new Regex(@"^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+0x([0-9A-Fa-f]+)\s+.*?\s(\d+)\s+(-?\d+)\s+\([-\d.]+%\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)");
        foreach (var line in stdout.Split('\n'))
        {
            var m = row.Match(line);
            if (!m.Success) continue;
            double D(int g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            rows.Add(new TsharkStream(m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value,
                int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), uint.Parse(m.Groups[5].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                long.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[7].Value, CultureInfo.InvariantCulture),
                D(10), D(13), D(12)));
        }

        return rows;
    }
}
