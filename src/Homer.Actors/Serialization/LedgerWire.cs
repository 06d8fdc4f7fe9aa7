using Homer.Actors.Dialogs;
using Homer.Storage;

namespace Homer.Actors.Serialization;

/// <summary>
/// The shard ledgers' part of <see cref="HomerSerializer"/>: <see cref="LedgerCommands"/> and the journaled
/// <see cref="LedgerEvents"/> (L*, DW), states written by <see cref="DialogStateWire"/>.
/// </summary>
internal static class LedgerWire
{
    // Manifests of the types that carry a DialogState changed twice: when the state gained its applied keys ("LC",
    // "LA", "Lc", "Ls" before), and when it became framed ("LD", "LB", "Ld", "Lb", "Lt" before), after which it grows
    // inside its frame with no new manifest. The old ones are still read.
    public static string? ManifestOf(object o) => o switch
    {
        LedgerCommands.Checkpoint => "LK",
        LedgerCommands.Retire => "LR",
        LedgerCommands.Restore => "LQ",
        LedgerCommands.Restored => "LS",
        LedgerCommands.Wake => "LW",
        LedgerCommands.WakeDialog => "DW",
        LedgerEvents.Checkpointed => "Lk",
        LedgerEvents.Retired => "Lr",
        LedgerEvents.Batch => "Lg",
        LedgerEvents.LedgerSnapshot => "Lp",
        LedgerEvents.Opened => "Lo",
        LedgerEvents.Closed => "Lx",
        _ => null,
    };

    public static bool TryWrite(BinaryWriter w, object o)
    {
        switch (o)
        {
            case LedgerCommands.Checkpoint c:
                w.Write(c.ShardId); DialogStateWire.Write(w, c.State); w.Write(c.Final);
                return true;
            case LedgerCommands.Retire r:
                w.Write(r.ShardId); w.Write(r.CallId); w.Write(r.Revision);
                return true;
            case LedgerCommands.Restore r:
                w.Write(r.ShardId); w.Write(r.CallId);
                return true;
            case LedgerCommands.Restored r:
                w.Write(r.CallId);
                w.Write(r.State is not null);
                if (r.State is not null)
                    DialogStateWire.Write(w, r.State);
                w.WriteOptional(r.CatchUpFromMicros);
                return true;
            case LedgerCommands.Wake k:
                w.Write(k.ShardId);
                w.WriteOptional(k.CatchUpFromMicros);
                w.WriteOptional(k.OpenedSinceMicros);
                return true;
            case LedgerCommands.WakeDialog k:
                w.Write(k.CallId);
                w.WriteOptional(k.CatchUpFromMicros);
                return true;
            case LedgerEvents.Checkpointed c:
                DialogStateWire.Write(w, c.State);
                w.Write(c.AtMicros);
                return true;
            case LedgerEvents.Retired r:
                w.Write(r.CallId);
                w.Write(r.AtMicros);
                return true;
            case LedgerEvents.Batch b:
                w.WriteList(b.Checkpointed, DialogStateWire.Write);
                w.WriteStrings(b.Retired);
                w.Write(b.AtMicros);
                return true;
            case LedgerEvents.LedgerSnapshot s:
                w.WriteList(s.Dialogs, DialogStateWire.Write);
                w.Write(s.Closed);
                w.Write(s.AtMicros);
                return true;
            case LedgerEvents.Opened opened:
                w.Write(opened.AtMicros);
                return true;
            case LedgerEvents.Closed c:
                w.Write(c.AtMicros);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The message of <paramref name="manifest"/>, old layouts included, or null when the manifest is not a ledger's.</summary>
    public static object? Read(BinaryReader r, string manifest) => manifest switch
    {
        "LK" => new LedgerCommands.Checkpoint(r.ReadString(), DialogStateWire.Read(r), r.ReadBoolean()),
        "LD" => new LedgerCommands.Checkpoint(r.ReadString(), V2(r), r.ReadBoolean()),
        "LC" => new LedgerCommands.Checkpoint(r.ReadString(), V1(r), r.ReadBoolean()),
        // The revision was added later: a retirement from an older node has none and removes unconditionally.
        "LR" => new LedgerCommands.Retire(r.ReadString(), r.ReadString(), r.BaseStream.Position < r.BaseStream.Length ? r.ReadInt64() : long.MaxValue),
        "LQ" => new LedgerCommands.Restore(r.ReadString(), r.ReadString()),
        "LS" => new LedgerCommands.Restored(r.ReadString(), r.ReadBoolean() ? DialogStateWire.Read(r) : null, r.ReadOptionalInt64()),
        "LB" => new LedgerCommands.Restored(r.ReadString(), r.ReadBoolean() ? V2(r) : null, r.ReadOptionalInt64()),
        "LA" => new LedgerCommands.Restored(r.ReadString(), r.ReadBoolean() ? V1(r) : null),
        "LW" => new LedgerCommands.Wake(r.ReadString(), r.ReadOptionalInt64(), r.ReadOptionalInt64()),
        "DW" => new LedgerCommands.WakeDialog(r.ReadString(), r.ReadOptionalInt64()),
        "Lk" => new LedgerEvents.Checkpointed(DialogStateWire.Read(r), r.ReadInt64()),
        "Ld" => new LedgerEvents.Checkpointed(V2(r), r.ReadInt64()),
        "Lc" => new LedgerEvents.Checkpointed(V1(r)),
        // Grew at the end: the wall-clock time.
        "Lr" => new LedgerEvents.Retired(r.ReadString(), r.BaseStream.Position < r.BaseStream.Length ? r.ReadInt64() : 0),
        "Lg" => new LedgerEvents.Batch(r.ReadList(DialogStateWire.Read), r.ReadStrings(), r.ReadInt64()),
        "Lb" => new LedgerEvents.Batch(r.ReadList(V2), r.ReadStrings(), r.ReadInt64()),
        "Lp" => new LedgerEvents.LedgerSnapshot(r.ReadList(DialogStateWire.Read), r.ReadBoolean(), r.ReadInt64()),
        "Lt" => new LedgerEvents.LedgerSnapshot(r.ReadList(V2), r.ReadBoolean(), r.ReadInt64()),
        "Ls" => new LedgerEvents.LedgerSnapshot(r.ReadList(V1)),
        "Lo" => new LedgerEvents.Opened(r.ReadInt64()),
        "Lx" => new LedgerEvents.Closed(r.ReadInt64()),
        _ => null,
    };

    private static DialogState V1(BinaryReader r) => DialogStateWire.ReadUnframed(r, DialogStateWire.Layout.V1);

    private static DialogState V2(BinaryReader r) => DialogStateWire.ReadUnframed(r, DialogStateWire.Layout.V2);
}
