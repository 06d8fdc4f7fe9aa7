using Homer.Actors.Contracts;

namespace Homer.Actors.Serialization;

/// <summary>
/// The <see cref="NodeAdmin"/> messages' part of <see cref="HomerSerializer"/>: manifests starting with 'N'. Kept in
/// its own file because these are admin queries with their own life, not dialog traffic.
/// </summary>
internal static class NodeAdminWire
{
    public static bool Owns(string manifest) => manifest.Length == 2 && manifest[0] == 'N';

    public static string? ManifestOf(object o) => o switch
    {
        NodeAdmin.GetNodeStatus => "Ns",
        NodeAdmin.NodeStatus => "NS",
        NodeAdmin.GetNodeConfig => "Nc",
        NodeAdmin.NodeConfig => "NC",
        NodeAdmin.ConfigEntry => "NE",
        NodeAdmin.Count => "Nn",
        _ => null,
    };

    public static bool TryWrite(BinaryWriter w, object o)
    {
        switch (o)
        {
            case NodeAdmin.GetNodeStatus or NodeAdmin.GetNodeConfig:
                return true;
            case NodeAdmin.NodeStatus s:
                w.Write(s.Address); w.Write(s.NodeName); WriteStrings(w, s.Roles); w.Write(s.Ingests);
                WriteCounts(w, s.Counters); WriteCounts(w, s.Drops);
                w.Write(s.ReceivedPerSecond); w.Write(s.StoredPerSecond); w.Write(s.DroppedPerSecond); w.Write(s.RateWindowSeconds);
                w.Write(s.SpoolBytes); w.Write(s.SpoolBatches); w.Write(s.UptimeSeconds);
                return true;
            case NodeAdmin.NodeConfig c:
                w.Write(c.Address); w.Write(c.NodeName);
                w.Write(c.Entries.Count);
                foreach (var e in c.Entries)
                    WriteEntry(w, e);
                return true;
            case NodeAdmin.ConfigEntry e:
                WriteEntry(w, e);
                return true;
            case NodeAdmin.Count c:
                w.Write(c.Name); w.Write(c.Value);
                return true;
            default:
                return false;
        }
    }

    public static object Read(BinaryReader r, string manifest) => manifest switch
    {
        "Ns" => NodeAdmin.GetNodeStatus.Instance,
        "Nc" => NodeAdmin.GetNodeConfig.Instance,
        "NS" => new NodeAdmin.NodeStatus(r.ReadString(), r.ReadString(), ReadStrings(r), r.ReadBoolean(), ReadCounts(r), ReadCounts(r),
            r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), r.ReadInt64()),
        "NC" => new NodeAdmin.NodeConfig(r.ReadString(), r.ReadString(), ReadMany(r, ReadEntry)),
        "NE" => ReadEntry(r),
        "Nn" => new NodeAdmin.Count(r.ReadString(), r.ReadInt64()),
        _ => throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}' for {nameof(HomerSerializer)}"),
    };

    private static void WriteEntry(BinaryWriter w, NodeAdmin.ConfigEntry e)
    {
        w.Write(e.Key); w.Write(e.Value); w.Write(e.Source);
    }

    private static NodeAdmin.ConfigEntry ReadEntry(BinaryReader r) => new(r.ReadString(), r.ReadString(), r.ReadString());

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> values)
    {
        w.Write(values.Count);
        foreach (var v in values)
            w.Write(v);
    }

    private static IReadOnlyList<string> ReadStrings(BinaryReader r) => ReadMany(r, x => x.ReadString());

    private static void WriteCounts(BinaryWriter w, IReadOnlyList<NodeAdmin.Count> values)
    {
        w.Write(values.Count);
        foreach (var v in values)
        {
            w.Write(v.Name); w.Write(v.Value);
        }
    }

    private static IReadOnlyList<NodeAdmin.Count> ReadCounts(BinaryReader r) => ReadMany(r, x => new NodeAdmin.Count(x.ReadString(), x.ReadInt64()));

    private static IReadOnlyList<T> ReadMany<T>(BinaryReader r, Func<BinaryReader, T> read)
    {
        var count = r.ReadInt32();
        var result = new T[count];
        for (var i = 0; i < count; i++)
            result[i] = read(r);
        return result;
    }
}
