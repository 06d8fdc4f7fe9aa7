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
}
