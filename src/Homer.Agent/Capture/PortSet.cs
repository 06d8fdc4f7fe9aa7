namespace Homer.Agent.Capture;

/// <summary>Ports and port ranges ("5060", "5060-5080", comma-separated), as a bitmap for a branch-free lookup.</summary>
public sealed class PortSet
{
    private readonly ulong[] _bits = new ulong[65_536 / 64];

    public static PortSet Parse(IEnumerable<string> specs)
    {
        var set = new PortSet();
        foreach (var spec in specs)
            foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var dash = part.IndexOf('-');
                var (low, high) = dash < 0 ? (ParsePort(part), ParsePort(part)) : (ParsePort(part[..dash]), ParsePort(part[(dash + 1)..]));
                if (low > high) throw new FormatException($"Port range '{part}' runs backwards.");
                for (var p = low; p <= high; p++) set.Add((ushort)p);
            }

        return set;
    }

    private static int ParsePort(string s) =>
        int.TryParse(s, out var p) && p is > 0 and <= 65_535 ? p : throw new FormatException($"'{s}' is not a port (1-65535).");

    public void Add(ushort port) => _bits[port >> 6] |= 1UL << (port & 63);

    public bool Contains(ushort port) => (_bits[port >> 6] & (1UL << (port & 63))) != 0;
}
