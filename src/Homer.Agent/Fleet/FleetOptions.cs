using System.CommandLine;

namespace Homer.Agent.Fleet;

/// <summary>The <c>fleet</c> section of the configuration file: the same settings as the command line's options below.</summary>
public sealed class FleetConfig
{
    /// <summary>The node's API, e.g. https://homer.example.net:9080.</summary>
    public string? Node { get; set; }
    /// <summary>The agent token (createAgentToken / homerctl agents token); HOMER_AGENT_TOKEN when absent.</summary>
    public string? Token { get; set; }
    /// <summary>The name the agent announces; default the HEP node name, else the host name.</summary>
    public string? Name { get; set; }
    public double IntervalSeconds { get; set; } = FleetOptions.DefaultIntervalSeconds;

    /// <summary>Null when no node is configured; throws <see cref="Config.ConfigException"/> on a bad value.</summary>
    public FleetSettings? Settings(string? hepNodeName)
    {
        if (Node is null) return null;
        var (settings, error) = FleetOptions.Build(Node, Token, Name, hepNodeName, IntervalSeconds, "fleet.");
        return error is null ? settings : throw new Config.ConfigException(error);
    }
}

/// <summary><c>--node</c>, <c>--agent-token</c>, <c>--agent-name</c>, <c>--announce-interval</c> of <c>capture</c>.</summary>
public sealed class FleetOptions
{
    public const double DefaultIntervalSeconds = 5;
    public const string TokenVariable = "HOMER_AGENT_TOKEN";

    public Option<string?> Node { get; } = new("--node")
    {
        Description = "Announce this agent to a Homer node's API (e.g. https://homer:9080) every --announce-interval and take "
            + "filter and capture-plan changes from the cluster (homerctl agents, dashboard). Needs --agent-token.",
    };

    public Option<string?> Token { get; } = new("--agent-token")
    {
        Description = "The agent token an admin created (homerctl agents token NAME); default $" + TokenVariable + ".",
    };

    public Option<string?> Name { get; } = new("--agent-name")
    {
        Description = "The name this agent announces (the token is bound to it); default --node-name, else the host name.",
    };

    public Option<double> Interval { get; } = new("--announce-interval")
    {
        Description = "Seconds between announcements (default 5); a change from the cluster arrives within about this long.",
        DefaultValueFactory = _ => DefaultIntervalSeconds,
    };

    public FleetOptions()
    {
        Node.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } node && Build(node, "-", null, null, DefaultIntervalSeconds, "--").Error is { } e)
                r.AddError(e);
        });
        Interval.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 1 or > 3600) r.AddError("--announce-interval must be 1 to 3600 seconds.");
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Node);
        command.Options.Add(Token);
        command.Options.Add(Name);
        command.Options.Add(Interval);
    }

    /// <summary>Null when --node is not given.</summary>
    public FleetSettings? Settings(ParseResult r, string? hepNodeName) =>
        r.GetValue(Node) is { } node ? Build(node, r.GetValue(Token), r.GetValue(Name), hepNodeName, r.GetValue(Interval), "--").Settings : null;

    internal static (FleetSettings? Settings, string? Error) Build(string node, string? token, string? name, string? hepNodeName, double interval, string prefix)
    {
        if (!Uri.TryCreate(node.EndsWith('/') ? node : node + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return (null, $"{prefix}node: '{node}' is not an http(s) URL such as https://homer:9080.");
        if (interval is < 1 or > 3600)
            return (null, $"{prefix}{(prefix == "--" ? "announce-interval" : "intervalSeconds")} must be 1 to 3600 seconds.");
        token ??= Environment.GetEnvironmentVariable(TokenVariable);
        name ??= hepNodeName ?? Environment.MachineName;
        return (new FleetSettings(uri, string.IsNullOrEmpty(token) ? null : token, name, TimeSpan.FromSeconds(interval)), null);
    }
}
