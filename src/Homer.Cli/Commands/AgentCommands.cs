using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using static Homer.Cli.Commands.Render;

namespace Homer.Cli.Commands;

/// <summary>
/// <c>homerctl agents list|show|set-plan|set-filter|token|remove</c>: the capture agents that announce themselves to the
/// cluster (homer-agent --node), their counters and health, and steering them.
/// </summary>
internal static class AgentCommands
{
    private const string AgentFields = """
        name version host address health firstSeen lastSeen intervalSeconds planVersion desiredVersion confirmed applyError problems
        desiredFilter desiredPlan desiredInput desiredBy desiredAt
        counters { packets sipMessages hepSent dropped buffered uptimeSeconds }
        inputs { name kind source filter plan packets sipMessages dropped }
        """;

    public static Command Agents(HomerCtl cli)
    {
        var list = new Command("list", "Every agent: health (ok, stale: not heard for 3 intervals, error), last seen, plan version, counters.");
        cli.Action(list, async (r, client, ct) =>
        {
            var agents = (await client.QueryAsync($"{{ agents {{ {AgentFields} }} }}", null, ct))["agents"];
            if (cli.Json(r))
                return await cli.PrintJson(agents);
            var table = Table("NAME", "HEALTH", "LAST SEEN", "VERSION", "HOST", "PLAN", "PACKETS", "SIP", "HEP SENT", "DROPPED", "BUFFERED", "FILTER");
            foreach (var a in Items(agents))
                table.Row(S(a["name"]), S(a["health"]), Ago(S(a["lastSeen"])), S(a["version"]), S(a["host"]), Plan(a),
                    N(L(a["counters"]?["packets"])), N(L(a["counters"]?["sipMessages"])), N(L(a["counters"]?["hepSent"])),
                    N(L(a["counters"]?["dropped"])), N(L(a["counters"]?["buffered"])),
                    string.Join("; ", Items(a["inputs"]).Select(i => S(i["filter"])).Where(f => f.Length > 0).Distinct()));
            cli.Console().Write(table);
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "The agent's name, as 'agents list' prints it." };
        var show = new Command("show", "One agent: inputs with their filter and plan, counters, what was asked of it and whether it confirmed.") { name };
        cli.Action(show, async (r, client, ct) =>
        {
            var agent = await Get(client, r.GetValue(name)!, ct);
            if (cli.Json(r))
                return await cli.PrintJson(agent);
            await Print(cli, agent);
            return ExitCodes.Ok;
        });

        var input = new Option<string?>("--input") { Description = "Only this input of the agent (default: every input)." };
        var wait = new Option<double>("--wait")
        {
            Description = "Seconds to wait for the agent to confirm (default 30; 0: do not wait). Exit 6 if it reports an error, 3 if it does not answer in time.",
            DefaultValueFactory = _ => 30,
        };

        var bpf = new Argument<string>("bpf") { Description = "A libpcap filter, e.g. \"udp port 5060 or tcp port 5060\" (quote it)." };
        var setFilter = new Command("set-filter", "Change the BPF filter of an agent's live capture; the agent applies it within one announce interval and confirms.")
            { name, bpf, input, wait };
        cli.Action(setFilter, async (r, client, ct) =>
        {
            var agent = (await client.QueryAsync($"mutation ($n: String!, $b: String!, $i: String) {{ setAgentFilter(name: $n, bpf: $b, input: $i) {{ {AgentFields} }} }}",
                new { n = r.GetValue(name), b = r.GetValue(bpf), i = r.GetValue(input) }, ct))["setAgentFilter"];
            return await AwaitConfirmation(cli, r, client, agent, r.GetValue(wait), ct);
        });

        var file = new Argument<FileInfo>("file") { Description = "JSON file with the plan's rules: [{\"if\": {...}, \"then\": [\"send:OUTPUT\"]}, ...] or {\"rules\": [...]}." };
        var setPlan = new Command("set-plan", "Replace the capture-plan rules of an agent (the syntax of its configuration file); it compiles them against its outputs and confirms.")
            { name, file, input, wait };
        cli.Action(setPlan, async (r, client, ct) =>
        {
            var path = r.GetValue(file)!;
            string plan;
            try
            {
                plan = await File.ReadAllTextAsync(path.FullName, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.Usage, $"Cannot read {path}: {e.Message}");
            }
            var agent = (await client.QueryAsync($"mutation ($n: String!, $p: String!, $i: String) {{ setAgentPlan(name: $n, plan: $p, input: $i) {{ {AgentFields} }} }}",
                new { n = r.GetValue(name), p = plan, i = r.GetValue(input) }, ct))["setAgentPlan"];
            return await AwaitConfirmation(cli, r, client, agent, r.GetValue(wait), ct);
        });

        var token = new Command("token", "Create a token for an agent (printed once): homer-agent capture ... --node URL --agent-token TOKEN. It can only announce that agent.") { name };
        cli.Action(token, async (r, client, ct) =>
        {
            var created = (await client.QueryAsync("mutation ($n: String!) { createAgentToken(name: $n) { name token } }", new { n = r.GetValue(name) }, ct))["createAgentToken"];
            if (cli.Json(r))
                return await cli.PrintJson(created);
            await cli.Out.WriteLineAsync(S(created?["token"]));
            return ExitCodes.Ok;
        });

        var revoke = new Command("revoke-tokens", "Revoke every token of an agent; its next announcement is refused.") { name };
        cli.Action(revoke, async (r, client, ct) =>
        {
            var count = (await client.QueryAsync("mutation ($n: String!) { revokeAgentTokens(name: $n) }", new { n = r.GetValue(name) }, ct))["revokeAgentTokens"];
            await cli.Out.WriteLineAsync($"Revoked {L(count)} token(s) of {r.GetValue(name)}.");
            return ExitCodes.Ok;
        });

        var remove = new Command("remove", "Forget a decommissioned agent (it reappears if it announces again: revoke its tokens first).") { name };
        cli.Action(remove, async (r, client, ct) =>
        {
            var removed = B((await client.QueryAsync("mutation ($n: String!) { removeAgent(name: $n) }", new { n = r.GetValue(name) }, ct))["removeAgent"]);
            if (!removed)
                throw new CliException(ExitCodes.NotFound, $"No agent named '{r.GetValue(name)}'.");
            await cli.Out.WriteLineAsync($"Removed agent {r.GetValue(name)}.");
            return ExitCodes.Ok;
        });

        return cli.Group("agents", "Capture agents announced to the cluster: list, show, set-filter, set-plan, token, revoke-tokens, remove.",
            list, show, setFilter, setPlan, token, revoke, remove);
    }

    private static async Task<JsonNode> Get(NodeClient client, string name, CancellationToken ct) =>
        (await client.QueryAsync($"query ($n: String!) {{ agent(name: $n) {{ {AgentFields} }} }}", new { n = name }, ct))["agent"]
        ?? throw new CliException(ExitCodes.NotFound, $"No agent named '{name}' has announced itself.");

    /// <summary>Polls the agent's row until it confirms the version just asked for, reports an error, or the wait ends.</summary>
    private static async Task<int> AwaitConfirmation(HomerCtl cli, ParseResult r, NodeClient client, JsonNode? agent, double seconds, CancellationToken ct)
    {
        var name = S(agent?["name"]);
        var version = L(agent?["desiredVersion"]);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var interval = TimeSpan.FromMilliseconds(Math.Clamp(L(agent?["intervalSeconds"]) * 200, 200, 2000));
        while (seconds > 0 && L(agent?["planVersion"]) < version && DateTime.UtcNow < deadline)
        {
            await Task.Delay(interval, ct);
            agent = await Get(client, name, ct);
        }
        if (cli.Json(r))
            await cli.PrintJson(agent);
        if (seconds <= 0)
        {
            if (!cli.Json(r))
                await cli.Out.WriteLineAsync($"Asked {name} for version {version}; it applies it at its next announcement ('homerctl agents show {name}').");
            return ExitCodes.Ok;
        }
        if (L(agent?["planVersion"]) < version)
        {
            await cli.Error.WriteLineAsync($"homerctl: {name} did not confirm version {version} within {seconds:0.#} s (last seen {S(agent?["lastSeen"])}, health {S(agent?["health"])}).");
            return ExitCodes.Unreachable;
        }
        if (S(agent?["applyError"]) is { Length: > 0 } error)
        {
            await cli.Error.WriteLineAsync($"homerctl: {name} could not apply version {version}: {error}");
            return ExitCodes.Rejected;
        }
        if (!cli.Json(r))
            await cli.Out.WriteLineAsync($"{name} confirmed version {version}.");
        return ExitCodes.Ok;
    }

    private static async Task Print(HomerCtl cli, JsonNode agent)
    {
        var o = cli.Out;
        await o.WriteLineAsync($"Agent      {S(agent["name"])} ({S(agent["version"])}) on {S(agent["host"])} {S(agent["address"])}");
        await o.WriteLineAsync($"Health     {S(agent["health"])}{(S(agent["applyError"]) is { Length: > 0 } e ? " — " + e : "")}");
        foreach (var p in Items(agent["problems"]))
            await o.WriteLineAsync($"Problem    {S(p)}");
        await o.WriteLineAsync($"Last seen  {S(agent["lastSeen"])} ({Ago(S(agent["lastSeen"]))}), every {S(agent["intervalSeconds"])} s; first seen {S(agent["firstSeen"])}");
        await o.WriteLineAsync($"Plan       {Plan(agent)}");
        if (L(agent["desiredVersion"]) > 0)
        {
            await o.WriteLineAsync($"Asked      by {S(agent["desiredBy"])} at {S(agent["desiredAt"])}{(S(agent["desiredInput"]) is { Length: > 0 } i ? " for input " + i : "")}");
            if (S(agent["desiredFilter"]) is { Length: > 0 } f)
                await o.WriteLineAsync($"  filter   {f}");
            if (S(agent["desiredPlan"]) is { Length: > 0 } p)
                await o.WriteLineAsync($"  rules    {p}");
        }
        var c = agent["counters"];
        await o.WriteLineAsync($"Counters   packets {N(L(c?["packets"]))}, SIP {N(L(c?["sipMessages"]))}, HEP sent {N(L(c?["hepSent"]))}, dropped {N(L(c?["dropped"]))}, buffered {N(L(c?["buffered"]))}");
        var table = Table("INPUT", "KIND", "SOURCE", "FILTER", "PLAN", "PACKETS", "SIP", "DROPPED");
        foreach (var i in Items(agent["inputs"]))
            table.Row(S(i["name"]), S(i["kind"]), S(i["source"]), S(i["filter"]), S(i["plan"]), N(L(i["packets"])), N(L(i["sipMessages"])), N(L(i["dropped"])));
        cli.Console().Write(table);
    }

    /// <summary>"3 (confirmed)", "3 (asked 4)", "4 (error)".</summary>
    private static string Plan(JsonNode? a)
    {
        var applied = L(a?["planVersion"]);
        var desired = L(a?["desiredVersion"]);
        return S(a?["applyError"]).Length > 0 ? $"{applied} (error)"
            : applied == desired ? (desired == 0 ? "0 (own)" : $"{applied} (confirmed)")
            : $"{applied} (asked {desired})";
    }

    private static string Ago(string time)
    {
        if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            return time;
        var ago = DateTimeOffset.UtcNow - t;
        return ago.TotalSeconds < 1 ? "now" : ago.TotalMinutes < 2 ? $"{ago.TotalSeconds:0} s ago" : ago.TotalHours < 2 ? $"{ago.TotalMinutes:0} min ago" : $"{ago.TotalHours:0} h ago";
    }
}
