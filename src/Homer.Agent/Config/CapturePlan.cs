using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Homer.Agent.Capture;
using Homer.Sip;

namespace Homer.Agent.Config;

/// <summary>What a plan decided for one message.</summary>
public sealed class PlanDecision
{
    public readonly List<string> Outputs = [];
    public readonly List<string> Tags = [];
    public bool Dropped;

    public void Clear()
    {
        Outputs.Clear();
        Tags.Clear();
        Dropped = false;
    }
}

/// <summary>
/// An ordered list of rules. Every rule whose conditions all hold applies its actions: <c>send:OUTPUT</c> adds an output,
/// <c>tag:TEXT</c> adds a tag, <c>drop</c> discards the message (nothing is sent, later rules are not looked at).
/// <c>stop</c> ends evaluation after a matching rule. A message no rule sends anywhere is not sent.
/// </summary>
public sealed class CapturePlan
{
    private readonly Rule[] _rules;
    public string Name { get; }
    public bool NeedsSip { get; }

    private CapturePlan(string name, Rule[] rules)
    {
        Name = name;
        _rules = rules;
        NeedsSip = rules.Any(r => r.Methods is not null || r.Header is not null);
    }

    /// <summary>A plan that sends everything to one output (what <c>capture --to</c> does).</summary>
    public static CapturePlan SendAll(params string[] outputs) =>
        new("all", [new Rule(null, null, null, null, null, null, null, null, null, null, [.. outputs], [], false, false)]);

    public static CapturePlan Compile(string name, IReadOnlyList<RuleConfig> rules, IReadOnlySet<string> outputs)
    {
        var compiled = new List<Rule>();
        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            var where = $"plan '{name}' rule {i + 1}{(r.Name is null ? "" : $" ('{r.Name}')")}";
            try
            {
                var send = new List<string>();
                var tags = new List<string>();
                var drop = false;
                foreach (var action in r.Then)
                {
                    if (action == "drop") drop = true;
                    else if (action.StartsWith("send:", StringComparison.Ordinal))
                    {
                        var output = action[5..];
                        if (!outputs.Contains(output)) throw new ConfigException($"output '{output}' is not defined in 'outputs'");
                        send.Add(output);
                    }
                    else if (action.StartsWith("tag:", StringComparison.Ordinal)) tags.Add(action[4..]);
                    else throw new ConfigException($"unknown action '{action}' (send:OUTPUT, tag:TEXT or drop)");
                }

                if (r.Then.Count == 0) throw new ConfigException("'then' lists no action");
                var m = r.If;
                HeaderMatch? header = null;
                if (m.Header is { } h)
                {
                    if (string.IsNullOrWhiteSpace(h.Name)) throw new ConfigException("header match needs 'name'");
                    if ((h.EqualTo is null ? 0 : 1) + (h.Contains is null ? 0 : 1) + (h.Regex is null ? 0 : 1) != 1)
                        throw new ConfigException("header match needs exactly one of 'equals', 'contains', 'regex'");
                    header = new HeaderMatch(Encoding.ASCII.GetBytes(h.Name), h.EqualTo, h.Contains,
                        h.Regex is null ? null : new Regex(h.Regex, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50)));
                }

                compiled.Add(new Rule(Subnets(m.SrcIp), Subnets(m.DstIp), Subnets(m.Ip), Ports(m.SrcPort), Ports(m.DstPort),
                    Ports(m.Port), m.Method?.Select(x => Encoding.ASCII.GetBytes(x.ToUpperInvariant())).ToArray(), header,
                    m.MinSize, m.MaxSize, send.ToArray(), tags.ToArray(), drop, r.Stop));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or ConfigException)
            {
                throw new ConfigException($"{where}: {e.Message}");
            }
        }

        return new CapturePlan(name, compiled.ToArray());
    }

    private static Subnet[]? Subnets(List<string>? specs) => specs?.Select(Subnet.Parse).ToArray();

    private static PortSet? Ports(List<string>? specs) => specs is null ? null : PortSet.Parse(specs);

    public void Evaluate(ref L4Packet packet, PlanDecision decision, bool isSip = true)
    {
        if (NeedsSip && isSip)
        {
            EvaluateParsed(ref packet, decision);
            return;
        }

        // A plan without method or header conditions never reads the SIP message: no parse, and no SipMessage (a few
        // hundred bytes) to clear for every packet.
        Apply(ref packet, decision, false, ref s_notParsed);
    }

    private static SipMessage s_notParsed;

    private void EvaluateParsed(ref L4Packet packet, PlanDecision decision)
    {
        var parsed = SipParser.TryParse(packet.Payload, out var sip, out _);
        Apply(ref packet, decision, parsed, ref sip);
    }

    private void Apply(ref L4Packet packet, PlanDecision decision, bool parsed, ref SipMessage sip)
    {
        decision.Clear();
        foreach (var rule in _rules)
        {
            if (!rule.Matches(ref packet, parsed, ref sip)) continue;
            if (rule.Drop)
            {
                decision.Dropped = true;
                decision.Outputs.Clear();
                return;
            }

            foreach (var o in rule.Send)
                if (!decision.Outputs.Contains(o))
                    decision.Outputs.Add(o);
            decision.Tags.AddRange(rule.Tags);
            if (rule.Stop) return;
        }
    }

    private sealed record HeaderMatch(byte[] Name, string? EqualTo, string? Contains, Regex? Regex);

    private sealed record Rule(Subnet[]? Src, Subnet[]? Dst, Subnet[]? Either, PortSet? SrcPort, PortSet? DstPort, PortSet? Port,
        byte[][]? Methods, HeaderMatch? Header, int? MinSize, int? MaxSize, string[] Send, string[] Tags, bool Drop, bool Stop)
    {
        public bool Matches(ref L4Packet p, bool parsed, ref SipMessage sip)
        {
            if (Src is not null && !Any(Src, p.Source)) return false;
            if (Dst is not null && !Any(Dst, p.Destination)) return false;
            if (Either is not null && !Any(Either, p.Source) && !Any(Either, p.Destination)) return false;
            if (SrcPort is not null && !SrcPort.Contains(p.SourcePort)) return false;
            if (DstPort is not null && !DstPort.Contains(p.DestinationPort)) return false;
            if (Port is not null && !Port.Contains(p.SourcePort) && !Port.Contains(p.DestinationPort)) return false;
            if (MinSize is { } min && p.Payload.Length < min) return false;
            if (MaxSize is { } max && p.Payload.Length > max) return false;
            if (Methods is not null)
            {
                if (!parsed) return false;
                // Responses carry their request's method in CSeq, so a rule on INVITE keeps the whole transaction.
                var method = sip.IsRequest ? sip.Method.Of(p.Payload) : sip.CSeqMethod.Of(p.Payload);
                var hit = false;
                foreach (var m in Methods)
                    if (method.SequenceEqual(m)) { hit = true; break; }
                if (!hit) return false;
            }

            if (Header is not null)
            {
                if (!parsed) return false;
                if (!HeaderMatches(p.Payload, Header)) return false;
            }

            return true;
        }

        private static bool Any(Subnet[] subnets, ReadOnlySpan<byte> address)
        {
            foreach (var s in subnets)
                if (s.Contains(address)) return true;
            return false;
        }

        private static bool HeaderMatches(ReadOnlySpan<byte> payload, HeaderMatch h)
        {
            var rest = payload;
            var first = true;
            while (!rest.IsEmpty)
            {
                var nl = rest.IndexOf((byte)'\n');
                var line = (nl < 0 ? rest : rest[..nl]).TrimEnd((byte)'\r');
                rest = nl < 0 ? default : rest[(nl + 1)..];
                if (first) { first = false; continue; }
                if (line.IsEmpty) return false; // end of headers
                var colon = line.IndexOf((byte)':');
                if (colon <= 0 || !Ascii.EqualsIgnoreCase(line[..colon].TrimEnd(" \t"u8), h.Name)) continue;
                var value = Encoding.UTF8.GetString(line[(colon + 1)..].Trim(" \t"u8));
                if (h.EqualTo is not null && string.Equals(value, h.EqualTo, StringComparison.OrdinalIgnoreCase)) return true;
                if (h.Contains is not null && value.Contains(h.Contains, StringComparison.OrdinalIgnoreCase)) return true;
                if (h.Regex is not null && h.Regex.IsMatch(value)) return true;
            }

            return false;
        }
    }
}

/// <summary>An address or CIDR subnet ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7").</summary>
public readonly struct Subnet
{
    private readonly byte[] _prefix;
    private readonly int _bits;

    private Subnet(byte[] prefix, int bits)
    {
        _prefix = prefix;
        _bits = bits;
    }

    public static Subnet Parse(string text)
    {
        var slash = text.IndexOf('/');
        var address = IPAddress.Parse(slash < 0 ? text : text[..slash]);
        var bytes = address.GetAddressBytes();
        var bits = slash < 0 ? bytes.Length * 8 : int.Parse(text[(slash + 1)..]);
        if (bits < 0 || bits > bytes.Length * 8) throw new FormatException($"'{text}': prefix length out of range.");
        _ = address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? 0 : throw new FormatException($"'{text}' is not an IP address.");
        return new Subnet(bytes, bits);
    }

    public bool Contains(ReadOnlySpan<byte> address)
    {
        if (address.Length != _prefix.Length) return false;
        var full = _bits / 8;
        if (!address[..full].SequenceEqual(_prefix.AsSpan(0, full))) return false;
        var rem = _bits % 8;
        if (rem == 0) return true;
        var mask = (byte)(0xff << (8 - rem));
        return (address[full] & mask) == (_prefix[full] & mask);
    }
}
