using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using GraphQL;
using GraphQL.Types;
using Homer.Api.Agents;
using Homer.Api.Auth;
using Homer.Storage.Agents;
using Homer.Storage.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

/// <summary><c>agents</c>, <c>agent(name)</c> (admin); merged into <c>Query</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class AgentQueryFields : ObjectGraphType
{
    public AgentQueryFields()
    {
        Name = "AgentQueryFields";

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AgentType>>>>("agents")
            .Description("Every capture agent that announced itself to the cluster (homer-agent --node), by name (admin).")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<AgentStore>().ListAsync(c.CancellationToken));

        Field<AgentType>("agent")
            .Description("One capture agent by name (admin); null when no agent of that name announced itself.")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<AgentStore>().GetAsync(c.GetArgument<string>("name"), c.CancellationToken));
    }
}

/// <summary>Agent steering and agent tokens (admin); merged into <c>Mutation</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class AgentMutationFields : ObjectGraphType
{
    public AgentMutationFields()
    {
        Name = "AgentMutationFields";

        Field<NonNullGraphType<AgentType>>("setAgentFilter")
            .Description("Asks an agent to capture with this BPF filter (admin), under a new desiredVersion. The agent learns it at its next announcement (every few seconds), applies it to its live inputs and confirms: planVersion becomes desiredVersion, or applyError says why libpcap refused it (the old filter stays).")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .Argument<NonNullGraphType<StringGraphType>>("bpf", "A libpcap filter expression, e.g. \"udp port 5060\".")
            .Argument<StringGraphType>("input", "Only this input of the agent; default every live input.")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var bpf = c.GetArgument<string>("bpf").Trim();
                if (bpf.Length > 4096 || bpf.Any(char.IsControl))
                    throw new ExecutionError("bpf must be one line of at most 4096 characters.") { Code = "BAD_ARGUMENT" };
                return await SetAsync(c, bpf, null);
            });

        Field<NonNullGraphType<AgentType>>("setAgentPlan")
            .Description("Replaces an agent's capture-plan rules (admin), under a new desiredVersion: plan is JSON, the rules of a plan as in the agent's configuration file ([{\"if\": {...}, \"then\": [\"send:OUTPUT\"]}, ...] or {\"rules\": [...]}). The agent compiles them against its own outputs and confirms, or reports the error in applyError and keeps its plan.")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .Argument<NonNullGraphType<StringGraphType>>("plan")
            .Argument<StringGraphType>("input", "Only this input of the agent; default every input.")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c => await SetAsync(c, null, RulesJson(c.GetArgument<string>("plan"))));

        Field<NonNullGraphType<CreatedAgentTokenType>>("createAgentToken")
            .Description("A token for one capture agent (admin): homer-agent --node URL --agent-token TOKEN. It may only announce that agent and fetch its plan; every other API call refuses it.")
            .Argument<NonNullGraphType<StringGraphType>>("name", "The agent's name, as it announces itself (homer-agent --agent-name, default --node-name or the host name).")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c =>
            {
                var name = c.GetArgument<string>("name");
                if (AgentEndpoints.NameProblem(name) is { } problem)
                    throw new ExecutionError(problem + ".") { Code = "BAD_ARGUMENT" };
                var token = AgentEndpoints.TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
                await c.RequestServices!.GetRequiredService<AgentStore>().CreateTokenAsync(name, TokenService.HashApiToken(token), c.Caller().Username, c.CancellationToken);
                return new CreatedAgentToken(name, token);
            });

        Field<NonNullGraphType<IntGraphType>>("revokeAgentTokens")
            .Description("Revokes every token of an agent (admin); returns how many were live. Its next announcement is refused.")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<AgentStore>().RevokeTokensAsync(c.GetArgument<string>("name"), c.CancellationToken));

        Field<NonNullGraphType<BooleanGraphType>>("removeAgent")
            .Description("Forgets a decommissioned agent (admin); false when there was none. It reappears if it announces again: revoke its tokens first.")
            .Argument<NonNullGraphType<StringGraphType>>("name")
            .RequireRole(HomerRole.Admin)
            .ResolveAsync(async c => await c.RequestServices!.GetRequiredService<AgentStore>().DeleteAsync(c.GetArgument<string>("name"), c.CancellationToken));
    }

    private static async Task<AgentRow> SetAsync(IResolveFieldContext c, string? filter, string? rules)
    {
        var name = c.GetArgument<string>("name");
        var input = c.GetArgument<string?>("input");
        return await c.RequestServices!.GetRequiredService<AgentStore>().SetDesiredAsync(name, filter, rules, input, setInput: true, c.Caller().Username, c.CancellationToken)
            ?? throw new ExecutionError($"No agent named '{name}' has announced itself.") { Code = "NOT_FOUND" };
    }

    /// <summary>The rules as a JSON array, checked for shape only: the agent compiles them against its own outputs.</summary>
    internal static string RulesJson(string plan)
    {
        try
        {
            using var doc = JsonDocument.Parse(plan);
            var rules = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("rules", out var r) ? r : doc.RootElement;
            if (rules.ValueKind != JsonValueKind.Array || rules.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Object))
                throw new ExecutionError("plan must be a JSON array of rule objects, or {\"rules\": [...]}.") { Code = "BAD_ARGUMENT" };
            if (rules.GetArrayLength() == 0)
                throw new ExecutionError("plan has no rules: an agent with an empty plan would send nothing.") { Code = "BAD_ARGUMENT" };
            var text = rules.GetRawText();
            return text.Contains("\\u0000", StringComparison.Ordinal)
                ? throw new ExecutionError("plan holds a NUL character.") { Code = "BAD_ARGUMENT" }
                : text;
        }
        catch (JsonException e)
        {
            throw new ExecutionError("plan is not JSON: " + e.Message) { Code = "BAD_ARGUMENT" };
        }
    }
}

public sealed record CreatedAgentToken(string Name, string Token);

public sealed class CreatedAgentTokenType : ObjectGraphType<CreatedAgentToken>
{
    public CreatedAgentTokenType()
    {
        Name = "CreatedAgentToken";
        Field(x => x.Name).Description("The agent it is for.");
        Field(x => x.Token).Description("The secret: shown this once, stored only as a hash.");
    }
}

public sealed class AgentType : ObjectGraphType<AgentRow>
{
    public AgentType()
    {
        Name = "Agent";
        Description = "A capture agent as it last announced itself, and what an admin asked it to run.";
        Field(x => x.Name);
        Field(x => x.Version, nullable: true).Description("homer-agent's version.");
        Field(x => x.Host, nullable: true).Description("The host name the agent runs on.");
        Field<StringGraphType>("address").Resolve(c => c.Source.Address?.ToString()).Description("The address its announcements come from.");
        Field<NonNullGraphType<StringGraphType>>("health").Resolve(c => c.Source.Health)
            .Description("ok; stale: not heard for 3 announce intervals; error: the last change failed (applyError) or the agent reports problems.");
        Field<NonNullGraphType<DateTimeScalar>>("firstSeen").Resolve(c => c.Source.FirstSeen);
        Field<NonNullGraphType<DateTimeScalar>>("lastSeen").Resolve(c => c.Source.LastSeen);
        Field(x => x.IntervalSeconds).Description("Seconds between its announcements.");
        Field<NonNullGraphType<LongGraphType>>("planVersion").Resolve(c => c.Source.AppliedVersion)
            .Description("The desired version the agent last tried (applied unless applyError is set); 0 before any change from the cluster.");
        Field<NonNullGraphType<LongGraphType>>("desiredVersion").Resolve(c => c.Source.Desired.Version)
            .Description("Raised by every setAgentFilter / setAgentPlan.");
        Field<NonNullGraphType<BooleanGraphType>>("confirmed").Resolve(c => c.Source.Confirmed)
            .Description("The agent confirmed it runs the desired version.");
        Field(x => x.ApplyError, nullable: true).Description("Why the agent could not apply planVersion (e.g. the filter does not compile).");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("problems").Resolve(c => c.Source.Problems)
            .Description("What the agent itself reports wrong (an output down).");
        Field<StringGraphType>("desiredFilter").Resolve(c => c.Source.Desired.Filter);
        Field<StringGraphType>("desiredPlan").Resolve(c => c.Source.Desired.Rules).Description("The rules asked for, as JSON.");
        Field<StringGraphType>("desiredInput").Resolve(c => c.Source.Desired.Input).Description("The input the change is for; null for all.");
        Field<StringGraphType>("desiredBy").Resolve(c => c.Source.Desired.By);
        Field<DateTimeScalar>("desiredAt").Resolve(c => c.Source.Desired.At);
        Field<NonNullGraphType<AgentCountersType>>("counters").Resolve(c => JsonDocument.Parse(c.Source.Counters).RootElement.Clone());
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AgentInputType>>>>("inputs")
            .Resolve(c => JsonDocument.Parse(c.Source.Inputs).RootElement.Clone().EnumerateArray().ToList());
    }

    internal static long Long(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;

    internal static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

public sealed class AgentCountersType : ObjectGraphType<JsonElement>
{
    public AgentCountersType()
    {
        Name = "AgentCounters";
        Description = "The agent's totals since it started.";
        Field<NonNullGraphType<LongGraphType>>("packets").Resolve(c => AgentType.Long(c.Source, "packets")).Description("Frames captured.");
        Field<NonNullGraphType<LongGraphType>>("sipMessages").Resolve(c => AgentType.Long(c.Source, "sipMessages")).Description("SIP messages found (UDP, TCP, WebSocket).");
        Field<NonNullGraphType<LongGraphType>>("hepSent").Resolve(c => AgentType.Long(c.Source, "hepSent")).Description("HEP packets sent to servers.");
        Field<NonNullGraphType<LongGraphType>>("dropped").Resolve(c => AgentType.Long(c.Source, "dropped")).Description("Frames and packets dropped, every reason.");
        Field<NonNullGraphType<LongGraphType>>("buffered").Resolve(c => AgentType.Long(c.Source, "buffered")).Description("HEP packets queued for sending now.");
        Field<NonNullGraphType<FloatGraphType>>("uptimeSeconds").Resolve(c => (double)AgentType.Long(c.Source, "uptimeSeconds"));
    }
}

public sealed class AgentInputType : ObjectGraphType<JsonElement>
{
    public AgentInputType()
    {
        Name = "AgentInput";
        Field<NonNullGraphType<StringGraphType>>("name").Resolve(c => AgentType.Text(c.Source, "name") ?? "");
        Field<NonNullGraphType<StringGraphType>>("kind").Resolve(c => AgentType.Text(c.Source, "kind") ?? "").Description("interface or pcap.");
        Field<NonNullGraphType<StringGraphType>>("source").Resolve(c => AgentType.Text(c.Source, "source") ?? "").Description("The interface or file.");
        Field<StringGraphType>("filter").Resolve(c => AgentType.Text(c.Source, "filter")).Description("The BPF filter it captures with now.");
        Field<StringGraphType>("plan").Resolve(c => AgentType.Text(c.Source, "plan")).Description("The capture plan's name.");
        Field<NonNullGraphType<LongGraphType>>("packets").Resolve(c => AgentType.Long(c.Source, "packets"));
        Field<NonNullGraphType<LongGraphType>>("sipMessages").Resolve(c => AgentType.Long(c.Source, "sipMessages"));
        Field<NonNullGraphType<LongGraphType>>("dropped").Resolve(c => AgentType.Long(c.Source, "dropped"));
    }
}
