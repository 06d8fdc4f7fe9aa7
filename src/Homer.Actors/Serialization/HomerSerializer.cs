using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Serialization;

/// <summary>
/// Compact binary serializer for every <see cref="IHomerSerializable"/> type: what crosses the wire between nodes
/// and what sits in the journal. Manifests are short and stable; a type's layout only ever grows at the end.
/// </summary>
public sealed class HomerSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4201;

    private const string RecordSipMessageManifest = "DR";
    private const string StopDialogManifest = "DS";
    private const string GetDialogManifest = "DQ";
    private const string DialogSnapshotManifest = "DN";
    private const string DialogProgressedManifest = "DP";

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        DialogCommands.RecordSipMessage => RecordSipMessageManifest,
        DialogCommands.StopDialog => StopDialogManifest,
        DialogQueries.GetDialog => GetDialogManifest,
        DialogQueries.DialogSnapshot => DialogSnapshotManifest,
        DialogEvents.DialogProgressed => DialogProgressedManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not serializable by {nameof(HomerSerializer)}", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream(64);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (obj)
            {
                case DialogCommands.RecordSipMessage m:
                    w.Write(m.CallId);
                    w.Write(m.TimestampMicros);
                    WriteOptional(w, m.Method);
                    w.Write(m.StatusCode);
                    w.Write(m.CSeqNumber);
                    WriteOptional(w, m.CSeqMethod);
                    WriteOptional(w, m.FromTag);
                    WriteOptional(w, m.ToTag);
                    break;
                case DialogCommands.StopDialog:
                    break;
                case DialogQueries.GetDialog q:
                    w.Write(q.CallId);
                    break;
                case DialogQueries.DialogSnapshot s:
                    w.Write(s.CallId);
                    w.Write(s.MessageCount);
                    w.Write(s.FirstSeenMicros);
                    w.Write(s.LastSeenMicros);
                    break;
                case DialogEvents.DialogProgressed e:
                    w.Write(e.MessageCount);
                    w.Write(e.FirstSeenMicros);
                    w.Write(e.LastSeenMicros);
                    break;
                default:
                    throw new ArgumentException($"{obj.GetType()} is not serializable by {nameof(HomerSerializer)}", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return manifest switch
        {
            RecordSipMessageManifest => new DialogCommands.RecordSipMessage(
                r.ReadString(), r.ReadInt64(), ReadOptional(r), r.ReadInt32(), r.ReadInt64(), ReadOptional(r),
                ReadOptional(r), ReadOptional(r)),
            StopDialogManifest => DialogCommands.StopDialog.Instance,
            GetDialogManifest => new DialogQueries.GetDialog(r.ReadString()),
            DialogSnapshotManifest => new DialogQueries.DialogSnapshot(r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
            DialogProgressedManifest => new DialogEvents.DialogProgressed(r.ReadInt64(), r.ReadInt64(), r.ReadInt64()),
            _ => throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}' for {nameof(HomerSerializer)}"),
        };
    }

    private static void WriteOptional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
            w.Write(value);
    }

    private static string? ReadOptional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;
}
