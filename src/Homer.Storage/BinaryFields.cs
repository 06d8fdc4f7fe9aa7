namespace Homer.Storage;

/// <summary>
/// The field encoding our hand-written binary formats share: the cluster serializer's messages and journal events
/// (<c>Homer.Actors/Serialization</c>) and the disk spool's batches (<see cref="MessageSpool"/>). An optional value is
/// a presence byte and then the value; a list is its 7-bit encoded count and then its items; strings are
/// <see cref="BinaryWriter"/>'s length-prefixed UTF-8. Journals and spool files of deployed nodes hold these bytes:
/// change nothing here, add.
/// </summary>
public static class BinaryFields
{
    public static void WriteOptional(this BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
            w.Write(value);
    }

    public static void WriteOptional(this BinaryWriter w, long? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
            w.Write(v);
    }

    public static void WriteOptional(this BinaryWriter w, int? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
            w.Write(v);
    }

    public static void WriteOptional(this BinaryWriter w, double? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
            w.Write(v);
    }

    public static string? ReadOptionalString(this BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    public static long? ReadOptionalInt64(this BinaryReader r) => r.ReadBoolean() ? r.ReadInt64() : null;

    public static int? ReadOptionalInt32(this BinaryReader r) => r.ReadBoolean() ? r.ReadInt32() : null;

    public static double? ReadOptionalDouble(this BinaryReader r) => r.ReadBoolean() ? r.ReadDouble() : null;

    public static void WriteList<T>(this BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.Write7BitEncodedInt(items.Count);
        for (var i = 0; i < items.Count; i++)
            write(w, items[i]);
    }

    public static T[] ReadList<T>(this BinaryReader r, Func<BinaryReader, T> read)
    {
        var count = r.Read7BitEncodedInt();
        if (count == 0)
            return [];
        var items = new T[count];
        for (var i = 0; i < count; i++)
            items[i] = read(r);
        return items;
    }

    public static void WriteStrings(this BinaryWriter w, IReadOnlyList<string> items) => w.WriteList(items, static (x, v) => x.Write(v));

    public static string[] ReadStrings(this BinaryReader r) => r.ReadList(static x => x.ReadString());
}
