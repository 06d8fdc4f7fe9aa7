using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Homer.Agent.Capture;
using Homer.Agent.Cli;
using Homer.Agent.Config;

namespace Homer.Agent.Fleet;

/// <summary>Where and how the agent reports to the cluster (<c>--node</c>, <c>--agent-token</c>; <c>fleet</c> in the configuration file).</summary>
/// <param name="Tls">How an https node's certificate is checked when the system's roots are not the ones to ask
/// (<c>--node-ca</c>, <c>--node-pin</c>: a private CA, a self-signed node); null: the system's roots.</param>
public sealed record FleetSettings(Uri Node, string? Token, string Name, TimeSpan Interval, Output.HepTlsSettings? Tls = null);

/// <summary>
/// Fleet control, agent side: announces the agent to a node every <see cref="FleetSettings.Interval"/> (who it is, its
/// inputs, counters, the plan version it runs) and, when the node answers with another desired version, fetches that
/// version's filter and rules, applies them through the same live path as the agent's own HTTP API (LiveControl,
/// PlanSink.ReplacePlan), and announces again at once to confirm: the version tried and, if it failed, why.
/// A node that cannot be reached changes nothing: the agent keeps capturing with what it has.
/// </summary>
public sealed class FleetClient : IAsyncDisposable
{
    // "1.0.0+<40-hex commit>": the commit cut to 8 characters, enough to tell builds apart in a table.
    private static readonly string AgentVersion =
        typeof(FleetClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } v
            ? v.IndexOf('+') is var plus and >= 0 && v.Length > plus + 9 ? v[..(plus + 9)] : v
            : "unknown";

    private readonly FleetSettings _settings;
    private readonly IReadOnlyList<ApiServer.InputState> _inputs;
    private readonly Outputs _outputs;
    private readonly TextWriter _stderr;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly Dictionary<string, int> _fleetRules = [];
    private long _appliedVersion;
    private string? _applyError;
    private string? _lastFailure;
    private bool _announcedOnce;

    /// <summary>Announcements answered by the node (for tests and the summary).</summary>
    public long Announced;

    public FleetClient(FleetSettings settings, IReadOnlyList<ApiServer.InputState> inputs, Outputs outputs, TextWriter stderr)
    {
        _settings = settings;
        _inputs = inputs;
        _outputs = outputs;
        _stderr = stderr;
        _http = new HttpClient(Handler(settings)) { BaseAddress = settings.Node, Timeout = TimeSpan.FromSeconds(10) };
        if (settings.Token is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        _loop = Task.Run(Loop);
    }

    private async Task Loop()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var again = false;
            try
            {
                var desired = await AnnounceAsync(token);
                Interlocked.Increment(ref Announced);
                Recovered();
                if (desired != _appliedVersion)
                {
                    await ApplyAsync(token);
                    // Confirm at once rather than an interval later: the admin is watching for it.
                    again = true;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException e) when (_certificateRefusal is { } refusal)
            {
                Failed($"{e.Message} ({refusal})");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or FleetException)
            {
                Failed(e.Message);
            }

            if (again) continue;
            try
            {
                await Task.Delay(_settings.Interval, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Why the last https handshake refused the node: HttpClient's own exception only says the handshake failed.
    private volatile string? _certificateRefusal;

    private SocketsHttpHandler Handler(FleetSettings settings)
    {
        var handler = new SocketsHttpHandler();
        if (settings.Tls is { } tls && settings.Node.Scheme == Uri.UriSchemeHttps)
        {
            // The same checks as the HEP TLS output (a CA file, pins), made once here so a bad file stops the agent at start.
            var validator = tls.CreateValidator();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                _certificateRefusal = validator.Check(certificate, chain, errors);
                return _certificateRefusal is null;
            };
        }
        return handler;
    }

    private async Task<long> AnnounceAsync(CancellationToken token)
    {
        using var content = new ByteArrayContent(Announcement());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync("api/agent/announce", content, token);
        var body = await response.Content.ReadAsStringAsync(token);
        if (!response.IsSuccessStatusCode)
            throw new FleetException($"the node refused the announcement ({(int)response.StatusCode}): {ErrorOf(body)}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("desiredVersion").GetInt64();
    }

    /// <summary>Fetches the desired version and applies it; what went wrong becomes the error the next announcement reports.</summary>
    private async Task ApplyAsync(CancellationToken token)
    {
        // The name matters only to a node with authentication off; otherwise the token says who is asking.
        using var response = await _http.GetAsync("api/agent/plan?name=" + Uri.EscapeDataString(_settings.Name), token);
        var body = await response.Content.ReadAsStringAsync(token);
        if (!response.IsSuccessStatusCode)
            throw new FleetException($"the node refused the plan request ({(int)response.StatusCode}): {ErrorOf(body)}");
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var version = root.GetProperty("version").GetInt64();
        var filter = root.TryGetProperty("filter", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        var input = root.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        var rules = root.TryGetProperty("rules", out var r) && r.ValueKind == JsonValueKind.Array ? r : (JsonElement?)null;
        var error = await ApplyAsync(filter, rules, input);
        _appliedVersion = version;
        _applyError = error;
        lock (_stderr)
            _stderr.WriteLine(error is null
                ? $"homer-agent: fleet: applied version {version} from {_settings.Node}"
                : $"homer-agent: fleet: version {version} from {_settings.Node} not applied: {error}");
    }

    /// <summary>Rules are compiled first (no effect until all compile), then the filter is set, then the plans replaced.</summary>
    private async Task<string?> ApplyAsync(string? filter, JsonElement? rules, string? input)
    {
        var targets = _inputs.Where(x => input is null || x.Config.Name == input).ToList();
        if (targets.Count == 0)
            return $"no input named '{input}'";
        var plans = new List<(ApiServer.InputState Input, CapturePlan Plan, int Rules)>();
        if (rules is { } json)
        {
            List<RuleConfig> list;
            try
            {
                list = json.Deserialize<List<RuleConfig>>(AgentConfig.Options) ?? [];
                var outputs = _outputs.Hep.Keys.Concat(_outputs.Json.Keys).ToHashSet();
                foreach (var t in targets)
                    plans.Add((t, CapturePlan.Compile(t.Plan, list, outputs), list.Count));
            }
            catch (Exception e) when (e is JsonException or ConfigException)
            {
                return "plan: " + e.Message;
            }
        }

        if (filter is not null)
        {
            var live = targets.Where(t => t.Control is not null).ToList();
            if (live.Count == 0)
                return "filter: no live input (files take no filter)";
            var changed = new List<(LiveControl Control, string? Old)>();
            foreach (var t in live)
            {
                var control = t.Control!;
                var old = control.CurrentFilter ?? t.Config.Filter;
                if (old == filter) continue;
                var result = await SetFilterAsync(control, filter);
                if (result is not null)
                {
                    // All or nothing: the inputs already changed go back to what they had, so the agent runs as before.
                    foreach (var (c, previous) in changed)
                        await SetFilterAsync(c, previous ?? "");
                    return $"filter on {t.Config.Name}: {result}";
                }
                changed.Add((control, old));
            }
        }

        foreach (var (t, plan, count) in plans)
        {
            t.Sink.ReplacePlan(plan);
            lock (_fleetRules) _fleetRules[t.Config.Name] = count;
        }

        return null;
    }

    private static Task<string?> SetFilterAsync(LiveControl control, string filter) =>
        control.SetFilterAsync(filter).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(x =>
            x.IsCompletedSuccessfully ? x.Result : "the capture did not pick the filter up in time");

    private byte[] Announcement()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("name", _settings.Name);
            w.WriteString("version", AgentVersion);
            w.WriteString("host", Environment.MachineName);
            w.WriteNumber("intervalSeconds", Math.Max(1, (int)_settings.Interval.TotalSeconds));
            w.WriteNumber("appliedVersion", _appliedVersion);
            if (_applyError is null) w.WriteNull("applyError"); else w.WriteString("applyError", _applyError);
            long packets = 0, sip = 0, dropped = 0;
            w.WriteStartArray("inputs");
            foreach (var i in _inputs)
            {
                var s = i.Pipeline.Stats;
                var p = Interlocked.Read(ref s.Frames);
                var m = Interlocked.Read(ref s.SipUdp) + Interlocked.Read(ref s.SipTcp) + Interlocked.Read(ref s.SipWs);
                var d = s.DropsByReason().Sum(x => x.Value);
                packets += p;
                sip += m;
                dropped += d;
                w.WriteStartObject();
                w.WriteString("name", i.Config.Name);
                w.WriteString("kind", i.Config.Interface is null ? "pcap" : "interface");
                w.WriteString("source", i.Config.Interface ?? i.Config.Pcap);
                var filter = i.Control?.CurrentFilter ?? i.Config.Filter;
                if (filter is null) w.WriteNull("filter"); else w.WriteString("filter", filter);
                int rules;
                lock (_fleetRules) _fleetRules.TryGetValue(i.Config.Name, out rules);
                w.WriteString("plan", rules > 0 ? $"{i.Plan} ({rules} rules from the cluster)" : i.Plan);
                w.WriteNumber("packets", p);
                w.WriteNumber("sipMessages", m);
                w.WriteNumber("dropped", d);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            long sent = 0, queued = 0;
            var problems = new List<string>();
            foreach (var g in _outputs.Hep.Values)
                foreach (var o in g.Outputs)
                {
                    sent += Interlocked.Read(ref o.Stats.Sent);
                    queued += Interlocked.Read(ref o.Stats.Queued);
                    dropped += Interlocked.Read(ref o.Stats.Dropped);
                    if (!o.IsHealthy) problems.Add($"output {g.Name}: {o.Name} is down");
                }

            foreach (var j in _outputs.Json.Values)
                dropped += Interlocked.Read(ref j.Dropped);
            w.WriteStartObject("counters");
            w.WriteNumber("packets", packets);
            w.WriteNumber("sipMessages", sip);
            w.WriteNumber("hepSent", sent);
            w.WriteNumber("dropped", dropped);
            w.WriteNumber("buffered", queued);
            w.WriteNumber("uptimeSeconds", (long)(DateTimeOffset.UtcNow - _started).TotalSeconds);
            w.WriteEndObject();
            w.WriteStartArray("problems");
            foreach (var p in problems) w.WriteStringValue(p);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>Says so once when the node cannot be reached, and once when it can again, not at every interval.</summary>
    private void Failed(string message)
    {
        if (_lastFailure == message) return;
        _lastFailure = message;
        lock (_stderr) _stderr.WriteLine($"homer-agent: fleet: {_settings.Node}: {message}; capturing on, retrying every {_settings.Interval.TotalSeconds:0.#} s");
    }

    /// <summary>Says so at the first announcement and at the first one after a failure.</summary>
    private void Recovered()
    {
        if (_announcedOnce && _lastFailure is null) return;
        _announcedOnce = true;
        _lastFailure = null;
        lock (_stderr) _stderr.WriteLine($"homer-agent: fleet: announced as '{_settings.Name}' to {_settings.Node}");
    }

    private static string ErrorOf(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    private int _disposed;

    /// <summary>Stops announcing; safe to call twice (the runner stops it before draining, and again on the way out).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        try { await _loop; } catch (OperationCanceledException) { }
        _http.Dispose();
        _stop.Dispose();
    }

    private sealed class FleetException(string message) : Exception(message);
}
