using Homer.Actors.Dialogs;
using Homer.Storage;

namespace Homer.Actors.Serialization;

/// <summary>The <see cref="MediaIndexCommands"/>' part of <see cref="HomerSerializer"/>: SDP media addresses announced to the media index (M*).</summary>
internal static class MediaIndexWire
{
    public static string? ManifestOf(object o) => o switch
    {
        MediaIndexCommands.Announce => "MA",
        MediaIndexCommands.Withdraw => "MW",
        MediaIndexCommands.ResolveQos => "MR",
        _ => null,
    };

    public static bool TryWrite(BinaryWriter w, object o)
    {
        switch (o)
        {
            case MediaIndexCommands.Announce a:
                w.Write(a.Bucket); w.Write(a.CallId); w.WriteStrings(a.Endpoints);
                return true;
            case MediaIndexCommands.Withdraw a:
                w.Write(a.Bucket); w.Write(a.CallId); w.WriteStrings(a.Endpoints);
                return true;
            case MediaIndexCommands.ResolveQos r:
                w.Write(r.Bucket); w.Write(r.Endpoint); w.WriteOptional(r.Alternative); DialogWire.WriteQos(w, r.Report);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The command of <paramref name="manifest"/>, or null when the manifest is not a media index command's.</summary>
    public static object? Read(BinaryReader r, string manifest) => manifest switch
    {
        "MA" => new MediaIndexCommands.Announce(r.ReadInt32(), r.ReadString(), r.ReadStrings()),
        "MW" => new MediaIndexCommands.Withdraw(r.ReadInt32(), r.ReadString(), r.ReadStrings()),
        "MR" => new MediaIndexCommands.ResolveQos(r.ReadInt32(), r.ReadString(), r.ReadOptionalString(), DialogWire.ReadQos(r)),
        _ => null,
    };
}
