namespace Homer.Agent.Tests;

/// <summary>The generated calls of the RTP analysis tests (also replayed to a node by Homer.Node.Tests).</summary>
public static class RtpAnalysisTestsCalls
{
    /// <summary>
    /// Call 1 (PCMU): caller→callee 1 500 packets from sequence 65 000 (wraps), 2 % single losses, jitter up to 8 ms;
    /// callee→caller three bursts of 5 lost, 10 late packets, 5 duplicates, jitter up to 20 ms, a switch to DTMF events.
    /// </summary>
    public static RtpPcap CallOne(string callId = "rtp-call-1@test", long startMicros = 1_700_000_000L * 1_000_000) => new()
    {
        CallId = callId,
        StartMicros = startMicros,
        Streams =
        [
            new("10.1.0.1", 40_000, "10.2.0.2", 50_000, 0x11111111, 0, 8000, 1500, FirstSeq: 65_000, JitterMs: 8, Seed: 1)
            {
                Lost = [.. Enumerable.Range(1, 1498).Where(i => i % 50 == 7)],
            },
            new("10.2.0.2", 50_000, "10.1.0.1", 40_000, 0x22222222, 0, 8000, 1500, FirstSeq: 10, JitterMs: 20, Seed: 2)
            {
                Lost = [.. Enumerable.Range(200, 5), .. Enumerable.Range(700, 5), .. Enumerable.Range(1200, 5)],
                Late = [.. Enumerable.Range(0, 10).Select(i => 100 + i * 97)],
                Duplicated = [.. Enumerable.Range(0, 5).Select(i => 150 + i * 211)],
                SwitchPayload = (1490, 101),
            },
        ],
    };

    /// <summary>Call 2 (opus, 48 kHz from the SDP rtpmap): 10 % loss, 40 ms of jitter, a 3-second pause.</summary>
    public static RtpPcap CallTwo() => new()
    {
        CallId = "rtp-call-2@test",
        CallerIp = "10.1.0.3",
        CallerRtpPort = 41_000,
        CalleeIp = "10.2.0.4",
        CalleeRtpPort = 51_000,
        RtpMaps = ["111 opus/48000/2"],
        Streams =
        [
            new("10.1.0.3", 41_000, "10.2.0.4", 51_000, 0x33333333, 111, 48_000, 1000, FirstSeq: 5, JitterMs: 40, Seed: 3)
            {
                Lost = [.. Enumerable.Range(1, 998).Where(i => i % 10 == 3)],
                Pause = (500, 3000),
            },
        ],
    };
}
