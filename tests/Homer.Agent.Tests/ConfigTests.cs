using System.Text;
using System.Text.Json;

namespace Homer.Agent.Tests;

/// <summary>The JSON configuration: the examples of docs/agent.md, run against real sockets.</summary>
public sealed class ConfigTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const long T0 = 1_700_000_000_000_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-config").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Pcap()
    {
        Frames.Frame F(int i, string src, string method, string ua = "sipp") => new(T0 + i,
            Frames.Ethernet(Frames.Ipv4Udp(src, 5060, "192.0.2.1", 5060,
                Encoding.ASCII.GetBytes(Frames.Sip(method, $"cfg-{i}@test", 1).Replace("Max-Forwards: 70", $"Max-Forwards: 70\r\nUser-Agent: {ua}")))));
        Frames.Frame[] frames =
        [
            F(0, "10.1.0.5", "INVITE"),     // site A
            F(1, "10.1.0.6", "REGISTER"),   // site A
            F(2, "10.2.0.7", "INVITE"),     // site B
            F(3, "10.2.0.8", "OPTIONS"),    // site B
            F(4, "10.3.0.9", "OPTIONS", "friendly-scanner"), // dropped by header regex
            F(5, "10.3.0.10", "MESSAGE"),   // nobody's: default rule
        ];
        return Frames.WritePcap(Path.Combine(_dir, "in.pcap"), frames);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "agent.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public async Task Plan_routes_by_source_subnet_to_two_hep_servers_duplicates_invites_to_json_drops_and_tags()
    {
        await using var siteA = HepReceiver.Udp();
        await using var siteB = HepReceiver.Tcp();
        await using var fallback = HepReceiver.Udp();
        var jsonFile = Path.Combine(_dir, "invites.jsonl");
        var config = Write($$"""
        {
          // comments are allowed
          "hep": { "captureId": 77, "nodeName": "edge-7" },
          "outputs": {
            "site-a": { "to": ["{{siteA.Target}}"] },
            "site-b": { "to": ["{{siteB.Target}}"] },
            "rest": { "to": ["{{fallback.Target}}"] },
            "invites": { "type": "json", "file": "{{jsonFile}}" }
          },
          "inputs": [ { "name": "replay", "pcap": "{{Pcap()}}", "plan": "edge" } ],
          "plans": {
            "edge": [
              { "name": "scanners", "if": { "header": { "name": "User-Agent", "regex": "^friendly-scanner" } }, "then": ["drop"] },
              { "if": { "method": ["INVITE"] }, "then": ["send:invites", "tag:call"] },
              { "if": { "srcIp": ["10.1.0.0/16"] }, "then": ["send:site-a"], "stop": true },
              { "if": { "srcIp": ["10.2.0.0/16"] }, "then": ["send:site-b"], "stop": true },
              { "if": {}, "then": ["send:rest"] }
            ]
          }
        }
        """);
        var run = await AgentRun.RunAsync(["--config", config, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await siteA.WaitForAsync(2, Wait));
        Assert.True(await siteB.WaitForAsync(2, Wait));
        Assert.True(await fallback.WaitForAsync(1, Wait));
        await siteB.SettleAsync(TimeSpan.FromMilliseconds(150));

        Assert.Equal(["cfg-0@test", "cfg-1@test"], siteA.Messages.Select(m => SipRows.Of(m).CallId).Order());
        Assert.Equal(["cfg-2@test", "cfg-3@test"], siteB.Messages.Select(m => SipRows.Of(m).CallId).Order());
        Assert.Equal("cfg-5@test", SipRows.Of(Assert.Single(fallback.Messages)).CallId);
        Assert.Equal("call", siteA.Messages.Single(m => SipRows.Of(m).CallId == "cfg-0@test").TagValues);
        Assert.Null(siteA.Messages.Single(m => SipRows.Of(m).CallId == "cfg-1@test").TagValues);
        Assert.All(siteA.Messages, m => Assert.Equal(77u, m.CaptureId));
        Assert.All(siteB.Messages, m => Assert.Equal("edge-7", m.NodeName));

        var lines = File.ReadAllLines(jsonFile).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(["10.1.0.5", "10.2.0.7"], lines.Select(l => l.GetProperty("srcIp").GetString()).Order());
        Assert.All(lines, l => Assert.StartsWith("INVITE ", l.GetProperty("payload").GetString()));
        Assert.All(lines, l => Assert.Equal("call", l.GetProperty("tags")[0].GetString()));
        Assert.Equal(1, run.Summary.GetProperty("planDropped").GetInt64());
    }

    [Fact]
    public async Task Yaml_configuration_means_the_same_as_json()
    {
        await using var siteA = HepReceiver.Udp();
        await using var rest = HepReceiver.Udp();
        var path = Path.Combine(_dir, "agent.yaml");
        File.WriteAllText(path, $"""
            # The same model as agent.json, in YAML.
            hep:
              captureId: 78          # a number
              nodeName: '0042'       # quoted: stays a string
            outputs:
              site-a: {"{"} to: ["{siteA.Target}"] {"}"}
              rest:
                to:
                  - {rest.Target}
            inputs:
              - name: replay
                pcap: {Pcap()}
                plan: edge
            plans:
              edge:
                - name: scanners
                  if: {"{"} header: {"{"} name: User-Agent, regex: "^friendly-scanner" {"}"} {"}"}
                  then: [drop]
                - if: {"{"} srcIp: [10.1.0.0/16] {"}"}
                  then: ["send:site-a"]
                  stop: true
                - if: {"{"}{"}"}
                  then: ["send:rest"]
            """);
        var run = await AgentRun.RunAsync(["--config", path, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await siteA.WaitForAsync(2, Wait));
        Assert.True(await rest.WaitForAsync(3, Wait));
        Assert.Equal(["cfg-0@test", "cfg-1@test"], siteA.Messages.Select(m => SipRows.Of(m).CallId).Order());
        Assert.Equal(["cfg-2@test", "cfg-3@test", "cfg-5@test"], rest.Messages.Select(m => SipRows.Of(m).CallId).Order());
        Assert.All(siteA.Messages, m => Assert.Equal(78u, m.CaptureId));
        Assert.All(rest.Messages, m => Assert.Equal("0042", m.NodeName));
        Assert.Equal(1, run.Summary.GetProperty("planDropped").GetInt64());
    }

    [Fact]
    public async Task Json_output_to_an_http_endpoint_posts_ndjson_batches_and_retries()
    {
        using var listener = new System.Net.HttpListener();
        var port = Tools.FreeTcpPort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/ingest/");
        listener.Start();
        var bodies = new System.Collections.Concurrent.ConcurrentQueue<(int Status, string ContentType, string Body)>();
        var requests = 0;
        var serve = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                System.Net.HttpListenerContext context;
                try { context = await listener.GetContextAsync(); }
                catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                // The endpoint is briefly unavailable: the first batch must be sent again.
                var status = Interlocked.Increment(ref requests) == 1 ? 503 : 200;
                bodies.Enqueue((status, context.Request.ContentType ?? "", body));
                context.Response.StatusCode = status;
                context.Response.Close();
            }
        });
        await using var hep = HepReceiver.Udp();
        var config = Write($$"""
        {
          "outputs": {
            "hep": { "to": ["{{hep.Target}}"] },
            "collector": { "type": "json", "url": "http://127.0.0.1:{{port}}/ingest/" }
          },
          "inputs": [ { "pcap": "{{Pcap()}}", "plan": "p" } ],
          "plans": { "p": [ { "if": { "method": ["INVITE", "OPTIONS"] }, "then": ["send:collector"] }, { "if": {}, "then": ["send:hep"] } ] }
        }
        """);
        var run = await AgentRun.RunAsync(["--config", config, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        listener.Stop();
        await serve;

        var delivered = bodies.Where(b => b.Status == 200).ToArray();
        Assert.NotEmpty(delivered);
        Assert.All(delivered, b => Assert.Equal("application/x-ndjson", b.ContentType));
        var lines = delivered.SelectMany(b => b.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["cfg-0@test", "cfg-2@test", "cfg-3@test", "cfg-4@test"],
            lines.Select(l => l.GetProperty("payload").GetString()!.Split("\r\n").First(h => h.StartsWith("Call-ID:")).Substring(9)).Order());
        Assert.True(bodies.Count(b => b.Status == 503) == 1, "the refused batch was sent again");
    }

    [Fact]
    public async Task Broken_yaml_exits_2_and_says_where()
    {
        var path = Path.Combine(_dir, "bad.yml");
        File.WriteAllText(path, "outputs:\n  a: b: c\ninputs: []\n");
        var run = await AgentRun.RunAsync(["--config", path]);
        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("bad.yml: line 2", run.Stderr);

        File.WriteAllText(path, "outputs:\n  a: [unclosed\n");
        run = await AgentRun.RunAsync(["--config", path]);
        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("bad.yml: ", run.Stderr);
        Assert.DoesNotContain("Unhandled", run.Stderr);
    }

    [Theory]
    [InlineData("""{ "outputs": {}, "inputs": [] }""", "outputs")]
    [InlineData("""{ "outputs": { "a": { "to": ["udp:127.0.0.1:9"] } }, "inputs": [ { "pcap": "x", "plan": "nope" } ] }""", "plan 'nope'")]
    [InlineData("""{ "outputs": { "a": { "to": ["udp:127.0.0.1:9"] } }, "inputs": [ { "pcap": "x", "plan": "p" } ], "plans": { "p": [ { "if": {}, "then": ["send:b"] } ] } }""", "output 'b'")]
    [InlineData("""{ "outputs": { "a": { "to": ["udp:127.0.0.1:9"] } }, "inputs": [ { "pcap": "x", "plan": "p" } ], "plans": { "p": [ { "if": { "srcIp": ["10.0.0.0/40"] }, "then": ["drop"] } ] } }""", "rule 1")]
    [InlineData("""{ "outputs": { "a": { "to": ["udp:127.0.0.1:9"] } }, "inputs": [ { "pcap": "x" } ], "unknownKey": 1 }""", "unknownKey")]
    [InlineData("""{ "outputs": { "a": { "to": ["udp:127.0.0.1:9"] } }, "inputs": [ { "pcap": "x" } ], "fleet": { "node": "ftp://homer" } }""", "fleet.node")]
    [InlineData("""{ "outputs": { "a": { "to": ["udp:127.0.0.1:9"] } }, "inputs": [ { "pcap": "x" } ], "fleet": { "node": "http://homer:9080", "intervalSeconds": 0 } }""", "fleet.intervalSeconds")]
    public async Task Invalid_configuration_exits_2_and_says_where(string json, string mention)
    {
        var run = await AgentRun.RunAsync(["--config", Write(json)]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(mention, run.Stderr);
    }
}
