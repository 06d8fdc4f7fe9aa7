using System.CommandLine;
using Homer.Agent.Config;

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
    /// <summary>PEM file of the CA that issued an https node's certificate (instead of the system's roots).</summary>
    public string? Ca { get; set; }
    /// <summary>SHA-256 pins of the node's public key or certificate, as <c>--tls-pin</c> takes them.</summary>
    public List<string> Pins { get; set; } = [];

    /// <summary>Null when no node is configured; throws <see cref="Config.ConfigException"/> on a bad value.</summary>
    public FleetSettings? Settings(string? hepNodeName)
    {
        if (Node is null) return null;
        var (settings, error) = FleetOptions.Build(Node, Token, Name, hepNodeName, IntervalSeconds, Ca, Pins, "fleet.");
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

    public Option<string?> Ca { get; } = new("--node-ca")
    {
        Description = "PEM file of the CA that issued the https node's certificate (a private CA), instead of the system's roots.",
    };

    public Option<string[]> Pins { get; } = new("--node-pin")
    {
        Description = "SHA-256 pin of the https node's public key or certificate (sha256//BASE64 or hex; repeatable); "
            + "alone it accepts a self-signed node, with --node-ca both must hold.",
        AllowMultipleArgumentsPerToken = false,
    };

    public FleetOptions()
    {
        Node.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } node && Build(node, "-", null, null, DefaultIntervalSeconds, null, [], "--").Error is { } e)
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
        command.Options.Add(Ca);
        command.Options.Add(Pins);
        // The CA file and pins are checked with the node's URL (they need https), so a mistake is a usage error at start.
        command.Validators.Add(r =>
        {
            if (r.GetValue(Node) is null && (r.GetValue(Ca) is not null || r.GetValue(Pins) is { Length: > 0 }))
                r.AddError("--node-ca and --node-pin check the node of --node; give --node as well.");
            else if (r.GetValue(Node) is { } node
                && Build(node, "-", null, null, DefaultIntervalSeconds, r.GetValue(Ca), r.GetValue(Pins) ?? [], "--").Error is { } e)
                r.AddError(e);
        });
    }

    /// <summary>Null when --node is not given.</summary>
    public FleetSettings? Settings(ParseResult r, string? hepNodeName) =>
        r.GetValue(Node) is { } node
            ? Build(node, r.GetValue(Token), r.GetValue(Name), hepNodeName, r.GetValue(Interval), r.GetValue(Ca), r.GetValue(Pins) ?? [], "--") switch
            {
                ({ } settings, null) => settings,
                (_, var error) => throw new ConfigException(error!),
            }
            : null;

    internal static (FleetSettings? Settings, string? Error) Build(string node, string? token, string? name, string? hepNodeName, double interval,
        string? ca, IReadOnlyList<string> pins, string prefix)
    {
        if (!Uri.TryCreate(node.EndsWith('/') ? node : node + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return (null, $"{prefix}node: '{node}' is not an http(s) URL such as https://homer:9080.");
        if (interval is < 1 or > 3600)
            return (null, $"{prefix}{(prefix == "--" ? "announce-interval" : "intervalSeconds")} must be 1 to 3600 seconds.");
        token ??= Environment.GetEnvironmentVariable(TokenVariable);
        name ??= hepNodeName ?? Environment.MachineName;
        Output.HepTlsSettings? tls = null;
        if (ca is not null || pins.Count > 0)
        {
            if (uri.Scheme != Uri.UriSchemeHttps)
                return (null, $"{prefix}{(prefix == "--" ? "node-ca/--node-pin" : "ca/pins")} check an https node's certificate; {uri} is http.");
            tls = new Output.HepTlsSettings { CaFile = ca, Pins = pins };
            try
            {
                tls.CreateValidator();
            }
            catch (Exception e) when (e is FileNotFoundException or FormatException or System.Security.Cryptography.CryptographicException)
            {
                return (null, $"{prefix}{(prefix == "--" ? "node-ca/--node-pin" : "ca/pins")}: {e.Message}");
            }
        }
        return (new FleetSettings(uri, string.IsNullOrEmpty(token) ? null : token, name, TimeSpan.FromSeconds(interval), tls), null);
    }
}
