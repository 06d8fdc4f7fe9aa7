using System.Net;
using System.Text.Json;

namespace Homer.Storage.Alarms;

/// <summary>The rule types (API enum names). Each type's thresholds are documented in docs/operations.md.</summary>
public static class AlarmRuleTypes
{
    public const string Scanner = "SCANNER";
    public const string AuthFailures = "AUTH_FAILURES";
    public const string ErrorRate = "ERROR_RATE";
    public const string LowAsr = "LOW_ASR";
    public const string LowMos = "LOW_MOS";
    public const string HighPacketLoss = "HIGH_PACKET_LOSS";
    public const string RegistrationStorm = "REGISTRATION_STORM";
    public const string HostUnreachable = "HOST_UNREACHABLE";
    public const string ShortCalls = "SHORT_CALLS";
    public const string Retransmissions = "RETRANSMISSIONS";
    /// <summary>A batch writer of a node (messages, dialogs) has had work waiting without progress for homer.storage.stall-after.</summary>
    public const string StorageStalled = "STORAGE_STALLED";

    public static readonly string[] All =
        [Scanner, AuthFailures, ErrorRate, LowAsr, LowMos, HighPacketLoss, RegistrationStorm, HostUnreachable, ShortCalls, Retransmissions,
            StorageStalled];
}

/// <summary>
/// A rule ready for evaluation: the stored row with its scope and parameters parsed. Scope syntax:
/// <c>ip:10.0.0.0/8</c> (client or server address), <c>node:name</c> (HEP node), <c>userAgent:pattern*</c>; null or
/// empty = everything.
/// </summary>
public sealed class AlarmRule
{
    public AlarmRuleRow Row { get; }
    public long Id => Row.Id;
    public string Type => Row.Type;
    public TimeSpan Window => TimeSpan.FromSeconds(Row.WindowSeconds);
    public TimeSpan Cooldown => TimeSpan.FromSeconds(Row.CooldownSeconds);
    public double Threshold { get; }
    public long MinCount { get; }

    /// <summary>SCANNER: substrings of User-Agent (case-insensitive).</summary>
    public IReadOnlyList<string> UserAgents { get; } = [];
    /// <summary>AUTH_FAILURES: statuses counted; ERROR_RATE: classes counted (4, 5, 6).</summary>
    public IReadOnlySet<int> Statuses { get; } = new HashSet<int>();
    public IReadOnlySet<int> Classes { get; } = new HashSet<int>();
    /// <summary>ERROR_RATE: "ratio" (percent of attempts, needs MinCount attempts) or "count".</summary>
    public bool RatioMode { get; }
    /// <summary>SHORT_CALLS: answered calls shorter than this count.</summary>
    public TimeSpan MaxDuration { get; }
    /// <summary>HIGH_PACKET_LOSS: jitter above this also counts (ms); null = loss only.</summary>
    public double? JitterMs { get; }
    /// <summary>LOW_ASR, ERROR_RATE, REGISTRATION_STORM: "client" or "server" keeps one alarm per address; null = one for the scope.</summary>
    public string? GroupBy { get; }

    private readonly (IPAddress Network, int Prefix)? _ipScope;
    private readonly string? _nodeScope;
    private readonly string? _userAgentScope;

    public AlarmRule(AlarmRuleRow row)
    {
        Row = row;
        var defaults = AlarmDefaults.Of(row.Type);
        Threshold = row.Threshold ?? defaults.Threshold ?? 1;
        MinCount = row.MinCount ?? defaults.MinCount ?? 1;
        using var json = JsonDocument.Parse(string.IsNullOrWhiteSpace(row.Parameters) ? "{}" : row.Parameters);
        var p = json.RootElement;
        if (p.ValueKind != JsonValueKind.Object)
            throw new FormatException("parameters must be a JSON object");
        UserAgents = Strings(p, "userAgents") ?? AlarmDefaults.ScannerUserAgents;
        Statuses = (Ints(p, "statuses") ?? [401, 403, 407]).ToHashSet();
        Classes = (Ints(p, "classes") ?? [4, 5, 6]).ToHashSet();
        RatioMode = !(p.TryGetProperty("mode", out var mode) && mode.GetString() == "count");
        MaxDuration = TimeSpan.FromSeconds(p.TryGetProperty("maxDurationSeconds", out var d) ? d.GetDouble() : 5);
        JitterMs = p.TryGetProperty("jitterMs", out var j) ? j.GetDouble() : null;
        GroupBy = p.TryGetProperty("groupBy", out var g) ? g.GetString() : null;
        if (GroupBy is not (null or "client" or "server"))
            throw new FormatException("groupBy must be \"client\" or \"server\"");

        var scope = row.Scope?.Trim();
        if (string.IsNullOrEmpty(scope))
            return;
        var colon = scope.IndexOf(':');
        var (kind, value) = colon < 0 ? ("", scope) : (scope[..colon], scope[(colon + 1)..]);
        switch (kind)
        {
            case "ip":
                var slash = value.IndexOf('/');
                var address = IPAddress.Parse(slash < 0 ? value : value[..slash]);
                var prefix = slash < 0 ? address.GetAddressBytes().Length * 8 : int.Parse(value[(slash + 1)..]);
                _ipScope = (address, prefix);
                break;
            case "node":
                _nodeScope = value;
                break;
            case "userAgent":
                _userAgentScope = value;
                break;
            default:
                throw new FormatException($"scope '{scope}' is not ip:<address or CIDR>, node:<name> or userAgent:<pattern>");
        }
    }

    /// <summary>Validates a row as the API receives it; throws <see cref="FormatException"/> with what is wrong.</summary>
    public static void Validate(AlarmRuleRow row)
    {
        if (!AlarmRuleTypes.All.Contains(row.Type))
            throw new FormatException($"unknown rule type {row.Type}");
        try
        {
            _ = new AlarmRule(row);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new FormatException(e.Message, e);
        }
    }

    public string ScopeText => string.IsNullOrWhiteSpace(Row.Scope) ? "all traffic" : Row.Scope!;

    /// <summary>Whether an event with these attributes is in the rule's scope. Unknown attributes are out of a scope that asks for them.</summary>
    public bool InScope(string? clientIp, string? server, string? node, string? userAgent)
    {
        if (_ipScope is { } ip)
        {
            var serverIp = server is null ? null : HostOf(server);
            if (!Contains(ip, clientIp) && !Contains(ip, serverIp))
                return false;
        }
        if (_nodeScope is not null && !string.Equals(_nodeScope, node, StringComparison.Ordinal))
            return false;
        if (_userAgentScope is not null && (userAgent is null || !Wildcard(_userAgentScope, userAgent)))
            return false;
        return true;
    }

    public bool IsScanner(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent))
            return false;
        foreach (var s in UserAgents)
            if (userAgent.Contains(s, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    public static string HostOf(string endpoint)
    {
        // "ip:port", "[v6]:port" or a bare address.
        if (endpoint.StartsWith('['))
            return endpoint[1..endpoint.IndexOf(']')];
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && endpoint.IndexOf(':') == colon ? endpoint[..colon] : endpoint;
    }

    private static bool Contains((IPAddress Network, int Prefix) net, string? ip)
    {
        if (ip is null || !IPAddress.TryParse(ip, out var address))
            return false;
        var a = net.Network.GetAddressBytes();
        var b = address.GetAddressBytes();
        if (a.Length != b.Length)
            return false;
        var bits = net.Prefix;
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (b[i] & mask))
                return false;
        }
        return true;
    }

    private static bool Wildcard(string pattern, string text)
    {
        if (!pattern.Contains('*'))
            return string.Equals(pattern, text, StringComparison.OrdinalIgnoreCase);
        var parts = pattern.Split('*');
        var at = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0)
                continue;
            var found = text.IndexOf(parts[i], at, StringComparison.OrdinalIgnoreCase);
            if (found < 0 || (i == 0 && found != 0))
                return false;
            at = found + parts[i].Length;
        }
        return parts[^1].Length == 0 || text.EndsWith(parts[^1], StringComparison.OrdinalIgnoreCase);
    }

    private static string[]? Strings(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString()!).ToArray() : null;

    private static int[]? Ints(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetInt32()).ToArray() : null;
}

/// <summary>Built-in defaults per rule type: the thresholds a rule without its own gets, and the rules a new cluster starts with.</summary>
public static class AlarmDefaults
{
    public sealed record TypeDefaults(double? Threshold, long? MinCount, int WindowSeconds, int CooldownSeconds, string Severity, bool Enabled, string Parameters);

    public static readonly IReadOnlyList<string> ScannerUserAgents =
        ["friendly-scanner", "sipvicious", "sipcli", "VaxSIPUserAgent", "sundayddr", "iWar", "sip-scan", "SIPScan", "pplsip"];

    public static TypeDefaults Of(string type) => type switch
    {
        AlarmRuleTypes.Scanner => new(1, null, 300, 600, "WARNING", true, "{}"),
        AlarmRuleTypes.AuthFailures => new(20, null, 60, 600, "WARNING", false, """{"statuses":[401,403,407]}"""),
        AlarmRuleTypes.ErrorRate => new(50, 20, 300, 600, "WARNING", false, """{"classes":[5,6],"mode":"ratio"}"""),
        AlarmRuleTypes.LowAsr => new(30, 20, 600, 900, "WARNING", false, "{}"),
        AlarmRuleTypes.LowMos => new(3.0, 5, 600, 900, "WARNING", false, "{}"),
        AlarmRuleTypes.HighPacketLoss => new(5, 5, 600, 900, "WARNING", false, "{}"),
        AlarmRuleTypes.RegistrationStorm => new(1000, null, 60, 600, "WARNING", false, "{}"),
        AlarmRuleTypes.HostUnreachable => new(null, null, 60, 300, "CRITICAL", false, "{}"),
        AlarmRuleTypes.ShortCalls => new(20, null, 600, 900, "INFO", false, """{"maxDurationSeconds":5}"""),
        AlarmRuleTypes.Retransmissions => new(10, 200, 300, 600, "WARNING", false, "{}"),
        AlarmRuleTypes.StorageStalled => new(null, null, 30, 60, "CRITICAL", true, "{}"),
        _ => throw new FormatException($"unknown rule type {type}"),
    };
}
