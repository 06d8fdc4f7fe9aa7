using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Homer.Api.Export;
using Homer.Hep;
using Homer.Storage;

namespace Homer.Node.Tests;

/// <summary>A node whose import limit is 1 MB, so the size check can be tested with a small upload.</summary>
public sealed class SmallImportFixture : NodeFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() => [new("IMPORT_MAX_MB", "1")];
}

/// <summary>
/// <c>POST /api/import/pcap</c> against a real node and PostgreSQL over loopback HTTP: SIP over UDP and TCP and HEP
/// inside a capture are stored with the chosen capture id and their capture times, searched and correlated like live
/// traffic. The captures are written by our PCAP export and converted by Wireshark's editcap (pcapng, nanoseconds).
/// </summary>
public sealed class PcapImportTests(SmallImportFixture node) : IClassFixture<SmallImportFixture>
{
    private static readonly IPAddress Sbc = IPAddress.Parse("203.0.113.50");
    private static readonly IPAddress Agent = IPAddress.Parse("10.9.9.9");
    private static readonly IPAddress Collector = IPAddress.Parse("10.9.9.1");

    private sealed record Capture(byte[] Bytes, List<SipCalls.Leg> UdpCall, List<SipCalls.Leg> TcpCall, SipCalls.Leg HepLeg);

    /// <summary>A UDP call, a TCP call whose stream splits and joins messages across segments, a HEP packet and an RTP packet.</summary>
    private static async Task<Capture> BuildCapture(string tag, DateTimeOffset start)
    {
        var udp = SipCalls.BasicCall($"imp-udp-{tag}@example.com", "alice" + tag, "bob", start).ToList();
        // The stored transport is the Via's: a call over TCP says so there.
        var tcp = SipCalls.BasicCall($"imp-tcp-{tag}@example.com", "carol" + tag, "dave", start.AddSeconds(1))
            .Select(l => l with { Text = l.Text.Replace("SIP/2.0/UDP", "SIP/2.0/TCP", StringComparison.Ordinal) }).ToList();
        var hepLeg = SipCalls.BasicCall($"imp-hep-{tag}@example.com", "erin" + tag, "frank", start.AddSeconds(2))[0];
        var frames = new List<ExportedMessage>();
        ExportedMessage Frame(SipCalls.Leg l, byte proto, byte[] payload, DateTimeOffset? at = null) =>
            new(at ?? l.Timestamp, proto, l.Source, l.SourcePort, l.Destination, l.DestinationPort, 1, null, null, null, null, payload);
        frames.AddRange(udp.Select(l => Frame(l, 17, Encoding.UTF8.GetBytes(l.Text))));

        // TCP: the INVITE split in two segments, then the rest two messages per segment (each pair in one direction).
        var invite = Encoding.UTF8.GetBytes(tcp[0].Text);
        frames.Add(Frame(tcp[0], 6, invite[..40], tcp[0].Timestamp.AddTicks(-10)));
        frames.Add(Frame(tcp[0], 6, invite[40..]));
        for (var i = 1; i < tcp.Count; i++)
        {
            var sameWay = i + 1 < tcp.Count && tcp[i + 1].Source.Equals(tcp[i].Source);
            var bytes = Encoding.UTF8.GetBytes(tcp[i].Text + (sameWay ? tcp[i + 1].Text : ""));
            frames.Add(Frame(tcp[i], 6, bytes, sameWay ? tcp[i + 1].Timestamp : null));
            if (sameWay)
                i++;
        }

        // What an agent sent to its collector: a HEP3 packet inside UDP, with its own capture id and node name.
        var hep = HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3, IpFamily = 2, IpProtocol = 17,
            SourceAddress = hepLeg.Source, DestinationAddress = hepLeg.Destination,
            SourcePort = (ushort)hepLeg.SourcePort, DestinationPort = (ushort)hepLeg.DestinationPort,
            Timestamp = hepLeg.Timestamp, ProtocolType = 1, CaptureId = 9, NodeName = "agent-x", Payload = Encoding.UTF8.GetBytes(hepLeg.Text),
        });
        frames.Add(new ExportedMessage(start.AddSeconds(3), 17, Agent, 40000, Collector, 9060, 1, null, null, null, null, hep));
        // RTP between the media ports: skipped, and counted as such.
        frames.Add(new ExportedMessage(start.AddSeconds(4), 17, Sbc, 40000, SipCalls.Caller, 40000, 1, null, null, null, null,
            [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 1, 2, 3, 4, 0xd5, 0xd5, 0xd5, 0xd5]));

        var stream = new MemoryStream();
        var writer = new PcapWriter(stream);
        await writer.WriteHeaderAsync(CancellationToken.None);
        foreach (var f in frames.OrderBy(f => f.Timestamp))
            await writer.WriteAsync(f, CancellationToken.None);
        return new Capture(stream.ToArray(), udp, tcp, hepLeg);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Import(byte[] file, string query, HttpClient? client = null)
    {
        using var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.tcpdump.pcap");
        using var response = await (client ?? node.Http).PostAsync("/api/import/pcap?" + query, content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<List<JsonElement>> Messages(object filter) =>
        (await node.GraphQL("query ($f: MessageFilter!) { messages(filter: $f, first: 100) { nodes { timestamp callId captureId node srcIp srcPort dstIp dstPort transport method statusCode } } }",
            new { f = filter })).GetProperty("messages").GetProperty("nodes").EnumerateArray().ToList();

    [Theory]
    [InlineData("pcap")]
    [InlineData("pcapng")]
    [InlineData("nsecpcap")]
    public async Task Sip_over_udp_and_tcp_and_hep_in_a_capture_are_stored_searched_and_correlated_like_live(string format)
    {
        var tag = format + Guid.NewGuid().ToString("N")[..6];
        var start = SipCalls.NowMicros().AddMinutes(-20);
        var capture = await BuildCapture(tag, start);
        var file = format == "pcap" ? capture.Bytes : await Editcap(capture.Bytes, format);

        var (status, summary) = await Import(file, "captureId=4242&node=lab-trace");
        Assert.True(status == HttpStatusCode.OK, summary.ToString());
        Assert.Equal(format == "pcapng" ? "pcapng" : "pcap", summary.GetProperty("format").GetString());
        Assert.Equal(capture.UdpCall.Count + capture.TcpCall.Count, summary.GetProperty("sipMessages").GetInt64());
        Assert.Equal(1, summary.GetProperty("hepPackets").GetInt64());
        Assert.Equal(1, summary.GetProperty("skipped").GetProperty("UDP, not SIP or HEP").GetInt64());
        Assert.Equal(4242, summary.GetProperty("captureId").GetInt64());

        // Stored with the capture id asked for and each message's capture time, searchable by it.
        var udpId = $"imp-udp-{tag}@example.com";
        var tcpId = $"imp-tcp-{tag}@example.com";
        List<JsonElement> udp = [], tcp = [];
        await node.Eventually(async () =>
        {
            udp = await Messages(new { callId = udpId, captureId = 4242 });
            tcp = await Messages(new { callId = tcpId });
            return udp.Count == capture.UdpCall.Count && tcp.Count == capture.TcpCall.Count;
        }, "the imported calls to be stored");
        Assert.Equal(capture.UdpCall.Select(l => l.Timestamp), udp.Select(m => DateTimeOffset.Parse(m.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture)));
        Assert.All(udp, m => Assert.Equal(("lab-trace", "UDP"), (m.GetProperty("node").GetString(), m.GetProperty("transport").GetString())));
        Assert.All(tcp, m => Assert.Equal("TCP", m.GetProperty("transport").GetString()));
        Assert.Equal(capture.TcpCall.Select(l => l.Method ?? l.Status?.ToString(CultureInfo.InvariantCulture)),
            tcp.Select(m => m.GetProperty("method").GetString() ?? m.GetProperty("statusCode").GetInt32().ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(capture.UdpCall[0].Source.ToString(), udp[0].GetProperty("srcIp").GetString());

        // The HEP packet keeps the addresses and time the agent captured, not the capture file's frame.
        var hep = Assert.Single(await Messages(new { callId = $"imp-hep-{tag}@example.com" }));
        Assert.Equal((4242L, capture.HepLeg.Source.ToString(), capture.HepLeg.SourcePort), (hep.GetProperty("captureId").GetInt64(),
            hep.GetProperty("srcIp").GetString(), hep.GetProperty("srcPort").GetInt32()));
        Assert.Equal(capture.HepLeg.Timestamp, DateTimeOffset.Parse(hep.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture));

        // Correlated like live calls: the dialogs track them to the end.
        foreach (var callId in new[] { udpId, tcpId })
            await node.Eventually(async () =>
            {
                var d = (await node.GraphQL("query ($id: String!) { dialog(callId: $id) { state messageCount } }", new { id = callId })).GetProperty("dialog");
                return d.ValueKind == JsonValueKind.Object && d.GetProperty("state").GetString() == "COMPLETED" && d.GetProperty("messageCount").GetInt64() == 7;
            }, "the dialog of " + callId + " to complete");
    }

    [Fact]
    public async Task A_SIP_message_in_IP_fragments_is_imported_whole_and_a_datagram_missing_a_fragment_is_counted()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var start = SipCalls.NowMicros().AddMinutes(-25);
        // An INVITE whose SDP makes it larger than one Ethernet frame, as video or SRTP offers often are.
        var sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
            + string.Concat(Enumerable.Range(0, 60).Select(i => $"a=x-pad:{i:D4} {new string('p', 40)}\r\n"));
        string Request(string method, string callId) =>
            $"{method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{tag}\r\n" +
            $"From: <sip:alice@example.com>;tag=a{tag}\r\nTo: <sip:bob@example.com>\r\nCall-ID: {callId}\r\nCSeq: 1 {method}\r\n" +
            $"Content-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}";
        var v4Id = $"imp-frag4-{tag}@example.com";
        var v6Id = $"imp-frag6-{tag}@example.com";
        var v4 = PcapReaderTests.Fragments(false, Encoding.ASCII.GetBytes(Request("INVITE", v4Id)), 4711, 1480, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2"));
        var v6 = PcapReaderTests.Fragments(true, Encoding.ASCII.GetBytes(Request("OPTIONS", v6Id)), 4712, 1232, IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2"));
        // The first fragment of a third datagram whose rest was never captured.
        var orphan = PcapReaderTests.Fragments(false, Encoding.ASCII.GetBytes(Request("INVITE", "never-whole")), 4713, 1480, IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2"))[0];
        Assert.True(v4.Count >= 2 && v6.Count >= 3);
        // Out of order, and the two datagrams interleaved.
        List<byte[]> frames = [v4[^1], v6[1], orphan, .. v4[..^1], v6[0], .. v6[2..]];

        var pcap = new MemoryStream();
        void U32(uint v) => pcap.Write(BitConverter.GetBytes(v));
        U32(0xa1b2c3d4);
        pcap.Write([2, 0, 4, 0]);
        U32(0);
        U32(0);
        U32(65535);
        U32(101); // LINKTYPE_RAW: each frame is an IP packet
        var at = start;
        foreach (var frame in frames)
        {
            at = at.AddMilliseconds(1);
            var micros = (at - DateTimeOffset.UnixEpoch).Ticks / 10;
            U32((uint)(micros / 1_000_000));
            U32((uint)(micros % 1_000_000));
            U32((uint)frame.Length);
            U32((uint)frame.Length);
            pcap.Write(frame);
        }

        var (status, summary) = await Import(pcap.ToArray(), "captureId=4343");
        Assert.True(status == HttpStatusCode.OK, summary.ToString());
        Assert.Equal(2, summary.GetProperty("ipDatagramsReassembled").GetInt64());
        Assert.Equal(2, summary.GetProperty("sipMessages").GetInt64());
        Assert.Equal(1, summary.GetProperty("skipped").GetProperty("IP datagram with fragments missing").GetInt64());

        foreach (var (callId, method) in new[] { (v4Id, "INVITE"), (v6Id, "OPTIONS") })
        {
            JsonElement stored = default;
            await node.Eventually(async () =>
            {
                var nodes = (await node.GraphQL("query ($f: MessageFilter!) { messages(filter: $f, first: 10) { nodes { method payload srcIp } } }",
                    new { f = new { callId } })).GetProperty("messages").GetProperty("nodes");
                stored = nodes.ValueKind == JsonValueKind.Array && nodes.GetArrayLength() == 1 ? nodes[0] : default;
                return stored.ValueKind == JsonValueKind.Object;
            }, "the reassembled " + method + " to be stored");
            Assert.Equal(method, stored.GetProperty("method").GetString());
            Assert.Equal(Request(method, callId), stored.GetProperty("payload").GetString());
        }
    }

    [Fact]
    public async Task Files_that_are_not_captures_damaged_ones_and_large_ones_are_refused_with_the_reason()
    {
        var (status, body) = await Import(Encoding.UTF8.GetBytes("INVITE sip:bob@example.com SIP/2.0\r\n\r\n"), "captureId=1");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("The file is not a PCAP or pcapng capture: it starts with 49 4e 56 49 (text). Save the capture as pcap or pcapng (Wireshark: File › Save As; tcpdump -w).",
            body.GetProperty("error").GetString());
        (status, body) = await Import([0x1f, 0x8b, 8, 0, 0, 0], "captureId=1");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("gzip-compressed: gunzip it first", body.GetProperty("error").GetString());
        (status, body) = await Import([], "captureId=1");
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "The file is empty."), (status, body.GetProperty("error").GetString()));

        var capture = await BuildCapture("cut" + Guid.NewGuid().ToString("N")[..6], SipCalls.NowMicros().AddMinutes(-30));
        (status, body) = await Import(capture.Bytes[..^30], "captureId=1");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("The capture ends in the middle of packet ", body.GetProperty("error").GetString());

        (status, body) = await Import(capture.Bytes, "captureId=many");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("captureId is required", body.GetProperty("error").GetString());

        // 1 MB limit on this node: refused from Content-Length before anything is read.
        var large = new byte[(1 << 20) + 100];
        capture.Bytes.CopyTo(large, 0);
        (status, body) = await Import(large, "captureId=1");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.StartsWith("The file is larger than the import limit of 1 MB (HOMER_IMPORT_MAX_MB)", body.GetProperty("error").GetString());

        var name = "import-viewer-" + Guid.NewGuid().ToString("N")[..6];
        await node.GraphQL("mutation ($u: String!) { createUser(username: $u, password: \"viewer-pass\", role: VIEWER) { id } }", new { u = name });
        using var viewer = node.Client(await node.Login(name, "viewer-pass"));
        (status, _) = await Import(capture.Bytes, "captureId=1", viewer);
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    /// <summary>Wireshark's editcap rewrites our capture in another format: pcapng, or pcap with nanosecond timestamps.</summary>
    private static async Task<byte[]> Editcap(byte[] pcap, string format)
    {
        var input = Path.GetTempFileName();
        var output = input + "." + format;
        await File.WriteAllBytesAsync(input, pcap);
        try
        {
            var start = new ProcessStartInfo("editcap") { RedirectStandardError = true };
            foreach (var a in new[] { "-F", format, input, output })
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, "editcap: " + error);
            return await File.ReadAllBytesAsync(output);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }
}
