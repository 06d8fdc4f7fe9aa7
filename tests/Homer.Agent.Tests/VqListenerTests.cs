using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Homer.Agent.Tests;

/// <summary>The vq-rtcpxr PUBLISH listener: a phone's report is answered 200 and forwarded as SIP over HEP.</summary>
public sealed class VqListenerTests
{
    private const string Report = "VQSessionReport: CallTerm\r\nCallID: call-42@pbx\r\nLocalID: a\r\nRemoteID: b\r\n"
        + "QualityEst: MOSLQ=2.9 MOSCQ=3.1\r\nPacketLoss: NLR=7.5 JDR=0.0\r\n";

    private static string Publish(string @event, string method = "PUBLISH") =>
        $"{method} sip:collector@127.0.0.1 SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKvq1\r\n"
        + "From: <sip:phone@example.com>;tag=ph1\r\n"
        + "To: <sip:collector@example.com>\r\n"
        + "Call-ID: vq-publish-1\r\n"
        + $"CSeq: 1 {method}\r\n"
        + $"Event: {@event}\r\n"
        + "Content-Type: application/vq-rtcpxr\r\n"
        + $"Content-Length: {Report.Length}\r\n\r\n{Report}";

    [Fact]
    public async Task A_vq_rtcpxr_publish_gets_200_and_reaches_the_hep_server_other_requests_get_errors()
    {
        Assert.True(Tools.IsRoot, "needs root: the listener runs beside a live capture on lo, as CI runs");
        await using var receiver = HepReceiver.Udp();
        var vqPort = Tools.FreeUdpPort();
        var quietPort = Tools.FreeUdpPort();
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var agent = new Cli.AgentCli(new StringWriter(), TextWriter.Synchronized(stderr), TextReader.Null).RunAsync(
            ["capture", "--interface", "lo", "--filter", $"udp port {quietPort}", "--to", receiver.Target, "--vq-listen", $"127.0.0.1:{vqPort}",
                "--summary", "none", "--node-name", "vq"], stop.Token);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!stderr.ToString().Contains("accepting vq-rtcpxr") && DateTime.UtcNow < deadline && !agent.IsCompleted)
                await Task.Delay(50);
            Assert.True(stderr.ToString().Contains("accepting vq-rtcpxr"), stderr.ToString());

            using var phone = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            async Task<string> Send(string request)
            {
                await phone.SendAsync(Encoding.UTF8.GetBytes(request), new IPEndPoint(IPAddress.Loopback, vqPort));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                return Encoding.UTF8.GetString((await phone.ReceiveAsync(cts.Token)).Buffer);
            }

            var ok = await Send(Publish("vq-rtcpxr"));
            Assert.StartsWith("SIP/2.0 200 OK\r\n", ok);
            Assert.Contains("Call-ID: vq-publish-1\r\n", ok);
            Assert.Contains("CSeq: 1 PUBLISH\r\n", ok);
            Assert.Contains("To: <sip:collector@example.com>;tag=", ok);
            Assert.Contains("Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKvq1\r\n", ok);

            Assert.StartsWith("SIP/2.0 489 Bad Event\r\n", await Send(Publish("presence")));
            Assert.StartsWith("SIP/2.0 405 Method Not Allowed\r\n", await Send(Publish("vq-rtcpxr", "MESSAGE")));

            Assert.True(await receiver.WaitForAsync(1, TimeSpan.FromSeconds(5)));
            await Task.Delay(300);
            var forwarded = Assert.Single(receiver.Messages);
            Assert.Equal(1, forwarded.ProtocolType);
            Assert.Equal("vq", forwarded.NodeName);
            Assert.Equal(vqPort, forwarded.DestinationPort);
            Assert.Equal(((IPEndPoint)phone.Client.LocalEndPoint!).Port, forwarded.SourcePort);
            var payload = Encoding.UTF8.GetString(forwarded.Payload.Span);
            Assert.StartsWith("PUBLISH sip:collector@127.0.0.1 SIP/2.0", payload);
            Assert.Contains("QualityEst: MOSLQ=2.9", payload);
        }
        finally
        {
            await stop.CancelAsync();
            await agent.WaitAsync(TimeSpan.FromSeconds(15));
        }
    }

    [Fact]
    public async Task The_configuration_file_starts_the_listener_and_sends_reports_to_the_named_output()
    {
        Assert.True(Tools.IsRoot, "needs root: the listener runs beside a live capture on lo, as CI runs");
        await using var qos = HepReceiver.Udp();
        await using var other = HepReceiver.Udp();
        var vqPort = Tools.FreeUdpPort();
        var quietPort = Tools.FreeUdpPort();
        var dir = Directory.CreateTempSubdirectory("homer-agent-vq").FullName;
        var path = Path.Combine(dir, "agent.yaml");
        await File.WriteAllTextAsync(path, $$"""
            hep:
              nodeName: vq-config
            outputs:
              sip:
                to: ["{{other.Target}}"]
              qos:
                to: ["{{qos.Target}}"]
            inputs:
              - name: lo
                interface: lo
                filter: udp port {{quietPort}}
                plan: all
            plans:
              all:
                - if: {}
                  then: ["send:sip"]
            vqRtcpxr:
              listen: 127.0.0.1:{{vqPort}}
              output: qos
            """);
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var agent = new Cli.AgentCli(new StringWriter(), TextWriter.Synchronized(stderr), TextReader.Null).RunAsync(
            ["--config", path, "--summary", "none"], stop.Token);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!stderr.ToString().Contains("accepting vq-rtcpxr") && DateTime.UtcNow < deadline && !agent.IsCompleted)
                await Task.Delay(50);
            Assert.True(stderr.ToString().Contains("accepting vq-rtcpxr"), stderr.ToString());

            using var phone = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            await phone.SendAsync(Encoding.UTF8.GetBytes(Publish("vq-rtcpxr")), new IPEndPoint(IPAddress.Loopback, vqPort));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            Assert.StartsWith("SIP/2.0 200 OK\r\n", Encoding.UTF8.GetString((await phone.ReceiveAsync(cts.Token)).Buffer));

            Assert.True(await qos.WaitForAsync(1, TimeSpan.FromSeconds(5)));
            var forwarded = Assert.Single(qos.Messages);
            Assert.Equal("vq-config", forwarded.NodeName);
            Assert.Equal(vqPort, forwarded.DestinationPort);
            Assert.Contains("QualityEst: MOSLQ=2.9", Encoding.UTF8.GetString(forwarded.Payload.Span));
            Assert.Empty(other.Messages);
        }
        finally
        {
            await stop.CancelAsync();
            await agent.WaitAsync(TimeSpan.FromSeconds(15));
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("\"vqRtcpxr\": { \"listen\": \"nowhere\" }", "listen 'nowhere'")]
    [InlineData("\"vqRtcpxr\": { \"listen\": \"127.0.0.1:5066\", \"output\": \"nope\" }", "output 'nope'")]
    [InlineData("\"vqRtcpxr\": { \"listen\": \"127.0.0.1:5066\" }", "exactly one hep output")]
    public async Task A_bad_vq_rtcpxr_section_exits_2_and_says_why(string section, string mention)
    {
        var path = Path.Combine(Path.GetTempPath(), $"homer-agent-vq-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, "{ \"outputs\": { \"a\": { \"to\": [\"udp:127.0.0.1:9\"] }, \"b\": { \"to\": [\"udp:127.0.0.1:9\"] } }, "
            + "\"inputs\": [ { \"pcap\": \"x\", \"plan\": \"p\" } ], \"plans\": { \"p\": [] }, " + section + " }");
        try
        {
            var run = await AgentRun.RunAsync(["--config", path]);
            Assert.Equal(ExitCodes.Usage, run.ExitCode);
            Assert.Contains(mention, run.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
