using System.Runtime.Serialization;

namespace Homer.Actors.Serialization;

/// <summary>
/// A value written with its own length in front, so that a layout nested in a list can still grow at its end: a reader
/// reads the fields it knows, asks <see cref="More"/> before each field added later (an older writer did not write it:
/// the default), and <see cref="Framing.ReadFramed{T}"/> skips what a newer writer appended.
/// </summary>
internal readonly struct WireFrame(BinaryReader reader, long end)
{
    /// <summary>No frame: a layout from before frames, which has none of the fields added since.</summary>
    public static WireFrame None => default;

    /// <summary>The rest of the stream: a top-level message that grows at its end.</summary>
    public static WireFrame ToEnd(BinaryReader reader) => new(reader, reader.BaseStream.Length);

    /// <summary>Whether the frame holds another field (false for <see cref="None"/>).</summary>
    public bool More => reader is not null && reader.BaseStream.Position < end;
}

internal static class Framing
{
    /// <summary>Writes <paramref name="value"/> after a four-byte length, patched in once the value is written (the stream seeks: a MemoryStream).</summary>
    public static void WriteFramed<T>(this BinaryWriter w, T value, Action<BinaryWriter, T> write)
    {
        var stream = w.BaseStream;
        var start = stream.Position;
        w.Write(0);
        write(w, value);
        var end = stream.Position;
        stream.Position = start;
        w.Write(checked((int)(end - start - sizeof(int))));
        stream.Position = end;
    }

    public static T ReadFramed<T>(this BinaryReader r, Func<BinaryReader, WireFrame, T> read)
    {
        var length = r.ReadInt32();
        var end = r.BaseStream.Position + length;
        if (length < 0 || end > r.BaseStream.Length)
            throw new SerializationException($"A frame of {length} bytes at {r.BaseStream.Position} does not fit the {r.BaseStream.Length} bytes read.");
        var value = read(r, new WireFrame(r, end));
        if (r.BaseStream.Position > end)
            throw new SerializationException($"A value read {r.BaseStream.Position - end} bytes past its frame.");
        r.BaseStream.Position = end;
        return value;
    }
}
