using System.Net;
using System.Text;
using System.Text.Json;
using Homer.Agent.Capture;
using Homer.Agent.Config;

namespace Homer.Agent.Cli;

/// <summary>
/// The agent's HTTP JSON API (HttpListener; the agent has no web stack otherwise): <c>GET /api/stats</c>,
/// <c>GET /api/config</c>, <c>PUT /api/inputs/{name}/filter</c> with <c>{"filter": "BPF"}</c> for live inputs.
/// Bind it to loopback or a management network: it has no authentication.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    public sealed record InputState(InputConfig Config, CapturePipeline Pipeline, PlanSink Sink, LiveControl? Control, string Plan);

    private readonly HttpListener _listener = new();
    private readonly IReadOnlyList<InputState> _inputs;
    private readonly Outputs _outputs;
    private readonly Task _loop;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    private readonly Relay.RelayStats? _relay;

    public ApiServer(string prefix, IReadOnlyList<InputState> inputs, Outputs outputs, Relay.RelayStats? relay = null)
    {
        _inputs = inputs;
        _outputs = outputs;
        _relay = relay;
        _listener.Prefixes.Add(prefix.EndsWith('/') ? prefix : prefix + "/");
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    /// <summary>"127.0.0.1:8090" or "http://127.0.0.1:8090/" → an HttpListener prefix.</summary>
    public static string Prefix(string address) => address.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? address : $"http://{address}/";

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url?.AbsolutePath.TrimEnd('/') ?? "";
        try
        {
            if (request.HttpMethod == "GET" && path == "/api/stats")
                await Reply(context, 200, Stats);
            else if (request.HttpMethod == "GET" && path == "/api/config")
                await Reply(context, 200, ConfigJson);
            else if (request.HttpMethod is "PUT" or "POST" && path.StartsWith("/api/inputs/", StringComparison.Ordinal) && path.EndsWith("/filter", StringComparison.Ordinal))
                await SetFilter(context, Uri.UnescapeDataString(path["/api/inputs/".Length..^"/filter".Length]));
            else if (request.HttpMethod is "PUT" or "POST" && path.StartsWith("/api/inputs/", StringComparison.Ordinal) && path.EndsWith("/plan", StringComparison.Ordinal))
                await SetPlan(context, Uri.UnescapeDataString(path["/api/inputs/".Length..^"/plan".Length]));
            else
                await Reply(context, 404, w => w.WriteString("error", $"no such endpoint: {request.HttpMethod} {path}"));
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Replaces an input's capture plan with the rules in the body (<c>{"rules": [...]}</c>, the syntax of the
    /// configuration file), compiled and checked first: a bad rule answers 400 and the running plan stays.
    /// </summary>
    private async Task SetPlan(HttpListenerContext context, string name)
    {
        var input = _inputs.FirstOrDefault(i => i.Config.Name == name);
        if (input is null)
        {
            await Reply(context, 404, w => w.WriteString("error", $"no input named '{name}'"));
            return;
        }

        CapturePlan plan;
        List<RuleConfig> rules;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.InputStream);
            if (!doc.RootElement.TryGetProperty("rules", out var r) || r.ValueKind != JsonValueKind.Array)
                throw new ConfigException("body must be {\"rules\": [ ... ]} with the rules of a capture plan");
            rules = r.Deserialize<List<RuleConfig>>(AgentConfig.Options) ?? [];
            var outputs = _outputs.Hep.Keys.Concat(_outputs.Json.Keys).Concat(_outputs.Csv.Keys).ToHashSet();
            plan = CapturePlan.Compile(input.Plan, rules, outputs);
        }
        catch (Exception e) when (e is JsonException or ConfigException)
        {
            await Reply(context, 400, w => w.WriteString("error", e.Message));
            return;
        }

        input.Sink.ReplacePlan(plan);
        lock (_planRules)
            _planRules[name] = rules.Count;
        await Reply(context, 200, w =>
        {
            w.WriteString("input", name);
            w.WriteString("plan", input.Plan);
            w.WriteNumber("rules", rules.Count);
        });
    }

    private readonly Dictionary<string, int> _planRules = [];

    private async Task SetFilter(HttpListenerContext context, string name)
    {
        var input = _inputs.FirstOrDefault(i => i.Config.Name == name);
        if (input is null)
        {
            await Reply(context, 404, w => w.WriteString("error", $"no input named '{name}'"));
            return;
        }

        if (input.Control is null)
        {
            await Reply(context, 409, w => w.WriteString("error", $"input '{name}' reads a file; only live inputs take a filter"));
            return;
        }

        string? filter;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.InputStream);
            filter = doc.RootElement.TryGetProperty("filter", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        }
        catch (JsonException)
        {
            filter = null;
        }

        if (filter is null)
        {
            await Reply(context, 400, w => w.WriteString("error", "body must be {\"filter\": \"BPF expression\"}"));
            return;
        }

        var result = await input.Control.SetFilterAsync(filter).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(t =>
            t.IsCompletedSuccessfully ? t.Result : "the capture did not pick the filter up in time");
        if (result is null)
            await Reply(context, 200, w =>
            {
                w.WriteString("input", name);
                w.WriteString("filter", filter);
            });
        else
            await Reply(context, 400, w => w.WriteString("error", result));
    }

    private void Stats(Utf8JsonWriter w)
    {
        w.WriteNumber("uptimeSeconds", Math.Round((DateTimeOffset.UtcNow - _started).TotalSeconds, 1));
        if (_relay is not null) Summary.WriteRelay(w, _relay, _outputs.Hep.Values);
        w.WriteStartArray("inputs");
        foreach (var i in _inputs)
        {
            var s = i.Pipeline.Stats;
            w.WriteStartObject();
            w.WriteString("name", i.Config.Name);
            s.WriteCounters(w);
            w.WriteNumber("planDropped", Interlocked.Read(ref i.Sink.PlanDropped));
            w.WriteNumber("unrouted", Interlocked.Read(ref i.Sink.Unrouted));
            s.WriteDrops(w);
            w.WriteStartObject("reassembly");
            w.WriteNumber("tcpFlows", i.Pipeline.Tcp.FlowCount);
            w.WriteNumber("tcpBufferedBytes", i.Pipeline.Tcp.BufferedBytes);
            w.WriteNumber("tcpDesyncs", i.Pipeline.Tcp.Desyncs);
            w.WriteNumber("tcpGapsAbandoned", i.Pipeline.Tcp.GapsAbandoned);
            w.WriteNumber("ipFragmentsPending", i.Pipeline.Decoder.Reassembler.PendingCount);
            w.WriteNumber("ipDatagramsReassembled", i.Pipeline.Decoder.Reassembler.Completed);
            w.WriteNumber("ipDatagramsExpired", i.Pipeline.Decoder.Reassembler.Expired);
            w.WriteNumber("mediaPorts", i.Pipeline.Media.Count);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("outputs");
        foreach (var g in _outputs.Hep.Values)
            foreach (var o in g.Outputs)
            {
                w.WriteStartObject();
                w.WriteString("output", g.Name);
                w.WriteString("server", o.Name);
                w.WriteBoolean("healthy", o.IsHealthy);
                w.WriteNumber("queued", Interlocked.Read(ref o.Stats.Queued));
                o.Stats.WriteCounters(w);
                w.WriteEndObject();
            }

        foreach (var j in _outputs.Json.Values)
        {
            w.WriteStartObject();
            w.WriteString("output", j.Name);
            w.WriteNumber("written", Interlocked.Read(ref j.Written));
            w.WriteNumber("dropped", Interlocked.Read(ref j.Dropped));
            w.WriteEndObject();
        }

        foreach (var c in _outputs.Csv.Values)
        {
            w.WriteStartObject();
            w.WriteString("output", c.Name);
            w.WriteNumber("written", Interlocked.Read(ref c.Written));
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private void ConfigJson(Utf8JsonWriter w)
    {
        w.WriteStartArray("inputs");
        foreach (var i in _inputs)
        {
            w.WriteStartObject();
            w.WriteString("name", i.Config.Name);
            if (i.Config.Pcap is not null) w.WriteString("pcap", i.Config.Pcap);
            if (i.Config.Interface is not null) w.WriteString("interface", i.Config.Interface);
            w.WriteString("filter", i.Control?.CurrentFilter ?? i.Config.Filter);
            w.WriteStartArray("sipPorts");
            foreach (var p in i.Config.SipPorts) w.WriteStringValue(p);
            w.WriteEndArray();
            w.WriteStartArray("wsPorts");
            foreach (var p in i.Config.WsPorts) w.WriteStringValue(p);
            w.WriteEndArray();
            w.WriteBoolean("sniff", i.Config.Sniff);
            w.WriteString("plan", i.Plan);
            lock (_planRules)
                if (_planRules.TryGetValue(i.Config.Name, out var count))
                    w.WriteNumber("planRulesReplaced", count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("outputs");
        foreach (var g in _outputs.Hep.Values)
        {
            w.WriteStartObject(g.Name);
            w.WriteString("type", "hep");
            w.WriteString("mode", g.Mode.ToString().ToLowerInvariant());
            w.WriteStartArray("to");
            foreach (var o in g.Outputs) w.WriteStringValue(o.Name);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        foreach (var j in _outputs.Json.Values)
        {
            w.WriteStartObject(j.Name);
            w.WriteString("type", "json");
            w.WriteEndObject();
        }

        foreach (var c in _outputs.Csv.Values)
        {
            w.WriteStartObject(c.Name);
            w.WriteString("type", "csv");
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static async Task Reply(HttpListenerContext context, int status, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength64 = stream.Length;
        await context.Response.OutputStream.WriteAsync(stream.ToArray());
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try { await _loop; } catch (Exception) { }
    }
}
