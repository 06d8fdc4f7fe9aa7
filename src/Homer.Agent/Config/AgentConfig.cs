using System.Text.Json;
using System.Text.Json.Serialization;

namespace Homer.Agent.Config;

/// <summary>The JSON configuration file (<c>homer-agent --config FILE</c>); syntax and examples in docs/agent.md.</summary>
public sealed class AgentConfig
{
    public HepConfig Hep { get; set; } = new();
    /// <summary>ADDRESS:PORT of the HTTP JSON API; none when absent.</summary>
    public string? Api { get; set; }
    public Dictionary<string, OutputConfig> Outputs { get; set; } = [];
    public List<InputConfig> Inputs { get; set; } = [];
    public Dictionary<string, List<RuleConfig>> Plans { get; set; } = [];
    /// <summary>The vq-rtcpxr PUBLISH listener (what <c>capture --vq-listen</c> starts); none when absent.</summary>
    public VqRtcpxrConfig? VqRtcpxr { get; set; }
    /// <summary>Relay mode (what <c>homer-agent relay</c> runs): HEP from remote agents forwarded to a hep output.</summary>
    public RelayConfig? Relay { get; set; }
    /// <summary>Fleet control: announce to a node and take changes from it (docs/agent.md); none when absent.</summary>
    public Fleet.FleetConfig? Fleet { get; set; }

    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static AgentConfig Load(string path)
    {
        AgentConfig? config;
        try
        {
            var text = File.ReadAllText(path);
            // YAML is read into the same model through JSON, so both formats obey the same rules (unknown keys refused).
            if (Path.GetExtension(path) is ".yaml" or ".yml")
                text = YamlToJson.Convert(text);
            config = JsonSerializer.Deserialize<AgentConfig>(text, Options);
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{path}: {e.Message}");
        }
        catch (IOException e)
        {
            throw new ConfigException($"{path}: {e.Message}");
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException(e.Start.Line > 0
                ? $"{path}: line {e.Start.Line}, column {e.Start.Column}: {e.Message}"
                : $"{path}: {e.Message}");
        }

        if (config is null) throw new ConfigException($"{path}: empty configuration.");
        config.Validate();
        return config;
    }

    public void Validate()
    {
        if (Outputs.Count == 0) throw new ConfigException("'outputs' must name at least one output.");
        foreach (var (name, o) in Outputs)
        {
            if (o.Type == OutputType.Hep && (o.To is null || o.To.Count == 0))
                throw new ConfigException($"output '{name}': a hep output needs 'to'.");
            if (o.Type == OutputType.Json && (o.File is null) == (o.Url is null))
                throw new ConfigException($"output '{name}': a json output needs 'file' or 'url' (one of them).");
            if (o.Type == OutputType.Csv && (o.File is null || o.Url is not null))
                throw new ConfigException($"output '{name}': a csv output needs 'file' (and no 'url').");
            if (o.Url is not null && !(Uri.TryCreate(o.Url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
                throw new ConfigException($"output '{name}': url '{o.Url}' is not an http(s) URL.");
            foreach (var t in o.To ?? [])
                if (!Output.HepTarget.TryParse(t, out _, out var error))
                    throw new ConfigException($"output '{name}': {error}");
            if (o.Tls is not null && !(o.To ?? []).Any(t => Output.HepTarget.TryParse(t, out var target, out _) && target!.Transport == Output.HepTransport.Tls))
                throw new ConfigException($"output '{name}': 'tls' applies to tls:HOST:PORT servers, and none of 'to' is tls: (a forgotten tls: would send in clear).");
            foreach (var pin in o.Tls?.Pins ?? [])
            {
                try
                {
                    Output.HepTlsSettings.ParsePin(pin);
                }
                catch (FormatException e)
                {
                    throw new ConfigException($"output '{name}': tls: {e.Message}");
                }
            }
        }

        if (Relay is { } relay)
        {
            try
            {
                Homer.Agent.Relay.HepRelay.ParseListen(relay.Listen);
            }
            catch (FormatException e)
            {
                throw new ConfigException($"relay: listen: {e.Message}");
            }

            var hep = Outputs.Where(o => o.Value.Type == OutputType.Hep).Select(o => o.Key).ToList();
            if (relay.Output is null && hep.Count != 1)
                throw new ConfigException("relay: without an 'output', there must be exactly one hep output.");
            if (relay.Output is not null && !hep.Contains(relay.Output))
                throw new ConfigException($"relay: output '{relay.Output}' is not a hep output defined in 'outputs'.");
        }

        if (Inputs.Count == 0 && Relay is null) throw new ConfigException("'inputs' must list at least one input (or configure a 'relay').");
        foreach (var i in Inputs)
        {
            if ((i.Pcap is null) == (i.Interface is null))
                throw new ConfigException($"input '{i.Name}': give exactly one of 'pcap' or 'interface'.");
            if (i.Plan is not null && !Plans.ContainsKey(i.Plan))
                throw new ConfigException($"input '{i.Name}': plan '{i.Plan}' is not defined in 'plans'.");
            try
            {
                Capture.PortSet.Parse(i.SipPorts);
            }
            catch (FormatException e)
            {
                throw new ConfigException($"input '{i.Name}': sipPorts: {e.Message}");
            }

            try
            {
                Capture.PortSet.Parse(i.WsPorts);
            }
            catch (FormatException e)
            {
                throw new ConfigException($"input '{i.Name}': wsPorts: {e.Message}");
            }

            if (i.RtpReportSeconds < 0)
                throw new ConfigException($"input '{i.Name}': rtpReportSeconds must be 0 (off) or more.");
            if (i.Plan is null && Outputs.Count != 1)
                throw new ConfigException($"input '{i.Name}': without a 'plan', there must be exactly one output.");
        }

        if (VqRtcpxr is { } vq)
        {
            if (!System.Net.IPEndPoint.TryParse(vq.Listen ?? "", out _))
                throw new ConfigException($"vqRtcpxr: listen '{vq.Listen}' is not ADDRESS:PORT.");
            var hepOutputs = Outputs.Where(o => o.Value.Type == OutputType.Hep).Select(o => o.Key).ToList();
            if (vq.Output is null && hepOutputs.Count != 1)
                throw new ConfigException("vqRtcpxr: without an 'output', there must be exactly one hep output.");
            if (vq.Output is not null && !hepOutputs.Contains(vq.Output))
                throw new ConfigException($"vqRtcpxr: output '{vq.Output}' is not a hep output defined in 'outputs'.");
        }

        if (Hep.Version is not (2 or 3)) throw new ConfigException("'hep.version' must be 3 or 2.");
        Fleet?.Settings(Hep.NodeName);
        foreach (var (name, rules) in Plans)
            CapturePlan.Compile(name, rules, Outputs.Keys.ToHashSet());
    }
}

public sealed class ConfigException(string message) : Exception(message);

public sealed class HepConfig
{
    public int Version { get; set; } = 3;
    public uint CaptureId { get; set; } = 2001;
    public string? NodeName { get; set; }
    public string? AuthKey { get; set; }
    public bool Compress { get; set; }
}

public enum OutputType { Hep, Json, Csv }

public sealed class OutputConfig
{
    public OutputType Type { get; set; } = OutputType.Hep;
    public List<string>? To { get; set; }
    public Output.OutputMode Mode { get; set; } = Output.OutputMode.Fanout;
    public string? DiskBuffer { get; set; }
    public long DiskBufferMb { get; set; } = 256;
    /// <summary>JSON output: file of JSON lines; CSV output: the CSV file.</summary>
    public string? File { get; set; }
    /// <summary>JSON output to an HTTP endpoint: lines POSTed in batches as application/x-ndjson.</summary>
    public string? Url { get; set; }
    /// <summary>How <c>tls:</c> servers of this output are checked; system roots when absent.</summary>
    public TlsConfig? Tls { get; set; }
}

/// <summary>The TLS options of a hep output (the same as <c>--tls-ca</c>, <c>--tls-pin</c>, ... on the command line).</summary>
public sealed class TlsConfig
{
    public string? Ca { get; set; }
    public List<string> Pins { get; set; } = [];
    public string? Cert { get; set; }
    public string? Key { get; set; }
    public string? ServerName { get; set; }

    public Output.HepTlsSettings ToSettings() => new()
    {
        CaFile = Ca,
        Pins = Pins,
        ClientCertificate = Cert,
        ClientKey = Key,
        ServerName = ServerName,
    };
}

public sealed class InputConfig
{
    public string Name { get; set; } = "input";
    public string? Pcap { get; set; }
    public Capture.ReplaySpeed Speed { get; set; } = Capture.ReplaySpeed.Max;
    public bool Loop { get; set; }
    public string? Interface { get; set; }
    public string? Filter { get; set; }
    public bool Promisc { get; set; }
    public List<string> SipPorts { get; set; } = ["5060-5061"];
    public bool Sniff { get; set; } = true;
    /// <summary>TCP ports (and ranges) carrying SIP over WebSocket (RFC 7118).</summary>
    public List<string> WsPorts { get; set; } = [];
    public string? Plan { get; set; }
    /// <summary>Seconds between the RTP stream reports of the RTP analysis; 0 turns it off.</summary>
    public int RtpReportSeconds { get; set; } = 10;
}

/// <summary>Where phones PUBLISH their RTCP-XR reports, and the HEP output the reports go to.</summary>
public sealed class VqRtcpxrConfig
{
    /// <summary>UDP ADDRESS:PORT, e.g. 0.0.0.0:5066.</summary>
    public string? Listen { get; set; }
    /// <summary>A hep output by name; may be left out when there is only one hep output.</summary>
    public string? Output { get; set; }

    public string OutputName(AgentConfig config) =>
        Output ?? config.Outputs.Single(o => o.Value.Type == OutputType.Hep).Key;
}

/// <summary>Where the relay listens and which hep output it forwards to.</summary>
public sealed class RelayConfig
{
    /// <summary>udp:ADDRESS:PORT and tcp:ADDRESS:PORT entries.</summary>
    public List<string> Listen { get; set; } = [];
    /// <summary>A hep output by name; may be left out when there is only one hep output.</summary>
    public string? Output { get; set; }

    public string OutputName(AgentConfig config) =>
        Output ?? config.Outputs.Single(o => o.Value.Type == OutputType.Hep).Key;
}

public sealed class RuleConfig
{
    public string? Name { get; set; }
    public MatchConfig If { get; set; } = new();
    public List<string> Then { get; set; } = [];
    /// <summary>Stop evaluating the plan's later rules once this one matched.</summary>
    public bool Stop { get; set; }
}

public sealed class MatchConfig
{
    public List<string>? SrcIp { get; set; }
    public List<string>? DstIp { get; set; }
    /// <summary>Source or destination.</summary>
    public List<string>? Ip { get; set; }
    public List<string>? SrcPort { get; set; }
    public List<string>? DstPort { get; set; }
    public List<string>? Port { get; set; }
    public List<string>? Method { get; set; }
    public HeaderMatchConfig? Header { get; set; }
    public int? MinSize { get; set; }
    public int? MaxSize { get; set; }
}

public sealed class HeaderMatchConfig
{
    public string Name { get; set; } = "";
    [JsonPropertyName("equals")]
    public string? EqualTo { get; set; }
    public string? Contains { get; set; }
    public string? Regex { get; set; }
}
