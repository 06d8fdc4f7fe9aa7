using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Homer.Agent.Tests;

/// <summary>The HTTP JSON API on a live capture of lo (root): statistics, configuration, and a filter changed at run time.</summary>
public sealed class ApiTests
{
    [Fact]
    public async Task Stats_and_config_are_served_and_a_new_bpf_filter_takes_effect_at_run_time()
    {
        Assert.True(Tools.IsRoot, "live capture needs root");
        var first = Tools.FreeUdpPort();
        var second = Tools.FreeUdpPort();
        var apiPort = Tools.FreeTcpPort();
        await using var receiver = HepReceiver.Udp();
        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();
        var agent = new Cli.AgentCli(new StringWriter(), TextWriter.Synchronized(stderr), TextReader.Null).RunAsync(
            ["capture", "--interface", "lo", "--filter", $"udp dst port {first}", "--sip-port", $"{first},{second}",
                "--to", receiver.Target, "--api", $"127.0.0.1:{apiPort}", "--summary", "none"], stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/") };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!stderr.ToString().Contains("capturing on lo") && DateTime.UtcNow < deadline && !agent.IsCompleted) await Task.Delay(50);

        using var udp = new UdpClient(AddressFamily.InterNetwork);
        async Task Send(int port, string callId) =>
            await udp.SendAsync(Encoding.ASCII.GetBytes(Frames.Sip("OPTIONS", callId, 1)), new IPEndPoint(IPAddress.Loopback, port));

        await Send(first, "api-1@test");
        await Send(second, "api-2@test"); // filtered out
        Assert.True(await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10)));

        var stats = JsonDocument.Parse(await http.GetStringAsync("api/stats")).RootElement;
        var input = stats.GetProperty("inputs")[0];
        Assert.Equal("capture", input.GetProperty("name").GetString());
        Assert.Equal(1, input.GetProperty("sipUdp").GetInt64());
        Assert.True(input.GetProperty("reassembly").TryGetProperty("tcpFlows", out _));
        Assert.Equal(1, stats.GetProperty("outputs")[0].GetProperty("sent").GetInt64());

        var bad = await http.PutAsJsonAsync("api/inputs/capture/filter", new { filter = "udp port banana" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var ok = await http.PutAsJsonAsync("api/inputs/capture/filter", new { filter = $"udp dst port {second}" });
        Assert.True(ok.IsSuccessStatusCode, await ok.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.PutAsJsonAsync("api/inputs/nope/filter", new { filter = "udp" })).StatusCode);

        await Send(first, "api-3@test"); // now filtered out
        await Send(second, "api-4@test");
        Assert.True(await receiver.WaitForAsync(2, TimeSpan.FromSeconds(10)));
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(["api-1@test", "api-4@test"], receiver.Messages.Select(m => SipRows.Of(m).CallId).Order());

        var config = JsonDocument.Parse(await http.GetStringAsync("api/config")).RootElement;
        Assert.Equal($"udp dst port {second}", config.GetProperty("inputs")[0].GetProperty("filter").GetString());

        await stop.CancelAsync();
        Assert.Equal(0, await agent);
    }

    [Fact]
    public async Task A_capture_plan_replaced_at_run_time_routes_the_next_packets_and_a_bad_one_is_refused()
    {
        Assert.True(Tools.IsRoot, "live capture needs root");
        var port = Tools.FreeUdpPort();
        var apiPort = Tools.FreeTcpPort();
        await using var receiver = HepReceiver.Udp();
        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();
        var agent = new Cli.AgentCli(new StringWriter(), TextWriter.Synchronized(stderr), TextReader.Null).RunAsync(
            ["capture", "--interface", "lo", "--filter", $"udp dst port {port}", "--sip-port", $"{port}",
                "--to", receiver.Target, "--api", $"127.0.0.1:{apiPort}", "--summary", "none"], stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/") };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!stderr.ToString().Contains("capturing on lo") && DateTime.UtcNow < deadline && !agent.IsCompleted) await Task.Delay(50);

        using var udp = new UdpClient(AddressFamily.InterNetwork);
        async Task Send(string method, string callId) =>
            await udp.SendAsync(Encoding.ASCII.GetBytes(Frames.Sip(method, callId, 1)), new IPEndPoint(IPAddress.Loopback, port));

        await Send("OPTIONS", "plan-1@test");
        Assert.True(await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10)));

        // The capture command's plan has one output, "default": now OPTIONS are dropped and the rest goes on, tagged.
        var rules = new object[]
        {
            new Dictionary<string, object> { ["name"] = "no-probes", ["if"] = new { method = new[] { "OPTIONS" } }, ["then"] = new[] { "drop" } },
            new Dictionary<string, object> { ["if"] = new { }, ["then"] = new[] { "send:default", "tag:runtime" } },
        };
        var bad = await http.PutAsJsonAsync("api/inputs/capture/plan", new { rules = new object[] { new Dictionary<string, object> { ["if"] = new { }, ["then"] = new[] { "send:nowhere" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("nowhere", await bad.Content.ReadAsStringAsync());
        var ok = await http.PutAsJsonAsync("api/inputs/capture/plan", new { rules });
        Assert.True(ok.IsSuccessStatusCode, await ok.Content.ReadAsStringAsync());

        await Send("OPTIONS", "plan-2@test");
        await Send("INVITE", "plan-3@test");
        Assert.True(await receiver.WaitForAsync(2, TimeSpan.FromSeconds(10)));
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(["plan-1@test", "plan-3@test"], receiver.Messages.Select(m => SipRows.Of(m).CallId).Order());
        Assert.Equal("runtime", receiver.Messages.Single(m => SipRows.Of(m).CallId == "plan-3@test").TagValues);
        var config = JsonDocument.Parse(await http.GetStringAsync("api/config")).RootElement;
        Assert.Equal(2, config.GetProperty("inputs")[0].GetProperty("planRulesReplaced").GetInt32());

        await stop.CancelAsync();
        Assert.Equal(0, await agent);
    }
}
