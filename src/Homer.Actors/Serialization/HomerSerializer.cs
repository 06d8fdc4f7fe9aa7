using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Homer.Actors.Contracts;

namespace Homer.Actors.Serialization;

/// <summary>
/// Compact binary serializer for every <see cref="IHomerSerializable"/> type: what crosses the wire between nodes
/// and what sits in the journal. Manifests are short and stable; a type's layout only ever grows at the end. Each
/// aggregate's manifests and layouts are in a file of their own (<see cref="DialogWire"/>, <see cref="CallEventWire"/>,
/// <see cref="AlarmWire"/>, <see cref="LedgerWire"/> with <see cref="DialogStateWire"/>, <see cref="MediaIndexWire"/>,
/// <see cref="NodeAdminWire"/>); fields are encoded by <see cref="Homer.Storage.BinaryFields"/>, as the disk spool's are.
/// </summary>
public sealed class HomerSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4201;

    public override int Identifier => Id;

    public override string Manifest(object o) => ManifestOf(o);

    private static string ManifestOf(object o) => o switch
    {
        DialogCommands.ShardBatch => "DB",
        _ => DialogWire.ManifestOf(o) ?? CallEventWire.ManifestOf(o) ?? AlarmWire.ManifestOf(o) ?? LedgerWire.ManifestOf(o)
            ?? MediaIndexWire.ManifestOf(o) ?? NodeAdminWire.ManifestOf(o)
            ?? throw new ArgumentException($"{o.GetType()} is not serializable by {nameof(HomerSerializer)}", nameof(o)),
    };

    // A writer per thread, kept between calls: a fresh 128-byte stream doubled its way up to every ledger batch (tens
    // of KB, a copy per doubling), 4 % of the node's allocations at 15 000 messages/s. One that grew past
    // RetainedBytes (a big ledger snapshot) is let go rather than held by the thread.
    [ThreadStatic] private static BinaryWriter? t_writer;
    private const int RetainedBytes = 1 << 20;

    public override byte[] ToBinary(object obj)
    {
        // Taken off the thread while in use, so a serialization nested in another (there is none today) gets its own.
        var w = t_writer ?? new BinaryWriter(new MemoryStream(4096), Encoding.UTF8);
        t_writer = null;
        var stream = (MemoryStream)w.BaseStream;
        stream.SetLength(0);
        try
        {
            Write(w, obj);
            w.Flush();
            return stream.ToArray();
        }
        finally
        {
            if (stream.Capacity <= RetainedBytes)
                t_writer = w;
        }
    }

    private static void Write(BinaryWriter w, object obj)
    {
        if (obj is DialogCommands.ShardBatch b)
        {
            // Each command with its own manifest; only dialog commands, whose layouts need no end-of-stream checks.
            w.Write(b.ShardId);
            w.Write(b.Commands.Count);
            foreach (var command in b.Commands)
            {
                w.Write(BatchedManifest(command));
                Write(w, command);
            }
            return;
        }
        // The dialog commands first: they are most of the traffic.
        if (DialogWire.TryWrite(w, obj) || LedgerWire.TryWrite(w, obj) || CallEventWire.TryWrite(w, obj) || AlarmWire.TryWrite(w, obj)
            || MediaIndexWire.TryWrite(w, obj) || NodeAdminWire.TryWrite(w, obj))
            return;
        throw new ArgumentException($"{obj.GetType()} is not serializable by {nameof(HomerSerializer)}", nameof(obj));
    }

    private static string BatchedManifest(IWithCallId command) =>
        command is DialogCommands.RecordSipMessage or DialogCommands.AttachQos or DialogCommands.AttachLog or DialogCommands.LinkLeg
            ? ManifestOf(command)
            : throw new ArgumentException($"{command.GetType()} cannot travel in a {nameof(DialogCommands.ShardBatch)}", nameof(command));

    private static DialogCommands.ShardBatch ReadBatch(BinaryReader r)
    {
        var shardId = r.ReadString();
        var count = r.ReadInt32();
        var commands = new IWithCallId[count];
        for (var i = 0; i < count; i++)
            commands[i] = (IWithCallId)Read(r, r.ReadString());
        return new DialogCommands.ShardBatch(shardId, commands);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return Read(r, manifest);
    }

    private static object Read(BinaryReader r, string manifest)
    {
        if (manifest == "DB")
            return ReadBatch(r);
        if (NodeAdminWire.Owns(manifest))
            return NodeAdminWire.Read(r, manifest);
        return DialogWire.Read(r, manifest) ?? LedgerWire.Read(r, manifest) ?? CallEventWire.Read(r, manifest) ?? AlarmWire.Read(r, manifest)
            ?? MediaIndexWire.Read(r, manifest)
            ?? throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}' for {nameof(HomerSerializer)}");
    }
}
