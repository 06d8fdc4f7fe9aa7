using System.Security.Cryptography;
using System.Text;
using Homer.Agent.Tests;

namespace Homer.Node.Tests;

/// <summary>
/// homer-agent's <c>--to tls:</c> output against a real node's HEP/TLS listener (self-signed certificate, auth key
/// required): the captured call is stored, and a wrong pin delivers nothing.
/// </summary>
public sealed class AgentTlsToNodeTests(SecuredNodeFixture node) : IClassFixture<SecuredNodeFixture>
{
    [Fact]
    public async Task A_call_captured_by_the_agent_and_sent_over_tls_with_a_pin_is_stored_and_a_wrong_pin_sends_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("homer-agent-tls-node").FullName;
        try
        {
            var callId = "agent-tls-" + Guid.NewGuid().ToString("N")[..8];
            var call = SipCalls.BasicCall(callId, "tls", "user", SipCalls.NowMicros().AddMinutes(-2));
            var pcap = Frames.WritePcap(Path.Combine(dir, "call.pcap"), call.Select(l => new Frames.Frame(l.Timestamp.ToUnixTimeMilliseconds() * 1000,
                Frames.Ethernet(Frames.Ipv4Udp(l.Source.ToString(), (ushort)l.SourcePort, l.Destination.ToString(), (ushort)l.DestinationPort,
                    Encoding.UTF8.GetBytes(l.Text))))));
            var target = $"tls:127.0.0.1:{node.HepTlsEndpoint!.Port}";

            var wrongPin = Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes("not the node's key")));
            var refused = await Run(["capture", "--pcap", pcap, "--to", target, "--tls-pin", wrongPin, "--auth-key", SecuredNodeFixture.AuthKey,
                "--drain-timeout", "1", "--summary", "none"]);
            Assert.Equal(Homer.Agent.ExitCodes.OutputError, refused.Code);
            Assert.Contains("pin mismatch", refused.Stderr);

            var pin = Convert.ToHexString(SHA256.HashData(node.Certificate.RawData));
            var sent = await Run(["capture", "--pcap", pcap, "--to", target, "--tls-pin", pin, "--auth-key", SecuredNodeFixture.AuthKey,
                "--summary", "none"]);
            Assert.True(sent.Code == 0, sent.Stderr);
            await node.Eventually(async () => await Count(callId) == call.Count, "every message of the call stored once");
            Assert.Equal(call.Count, await Count(callId));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task<(int Code, string Stderr)> Run(string[] args)
    {
        var stderr = new StringWriter();
        var code = await new Homer.Agent.Cli.AgentCli(new StringWriter(), stderr, TextReader.Null).RunAsync(args);
        return (code, stderr.ToString());
    }

    private async Task<long> Count(string callId) =>
        (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}, first: 0) { totalCount } }", new { c = callId }))
        .GetProperty("messages").GetProperty("totalCount").GetInt64();
}
