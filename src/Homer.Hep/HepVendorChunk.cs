namespace Homer.Hep;

/// <summary>A chunk whose vendor id is not 0, kept raw: its type ids belong to that vendor, not to the generic table.</summary>
public readonly record struct HepRawChunk(ushort Vendor, ushort Type, HepSlice Value);

/// <summary>Owning form of a vendor chunk, carried by <see cref="HepMessage"/> and written back by the encoder.</summary>
public sealed record HepVendorChunk(ushort Vendor, ushort Type, ReadOnlyMemory<byte> Value);

/// <summary>Walks the chunks of a HEP3 packet already accepted by <see cref="HepDecoder"/>.</summary>
public ref struct HepChunkEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _end;
    private int _next;

    internal HepChunkEnumerator(ReadOnlySpan<byte> data, HepSlice chunks)
    {
        _data = data;
        _next = chunks.Offset;
        _end = chunks.Offset + chunks.Length;
        Current = default;
    }

    public HepRawChunk Current { get; private set; }

    public readonly HepChunkEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        // Re-checked here because the caller may hand us a different buffer than the one decoded.
        if (_next + 6 > _end || _end > _data.Length)
            return false;
        var vendor = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_data[_next..]);
        var type = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_data[(_next + 2)..]);
        int length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_data[(_next + 4)..]);
        if (length < 6 || _next + length > _end)
            return false;
        Current = new HepRawChunk(vendor, type, new HepSlice(_next + 6, length - 6));
        _next += length;
        return true;
    }
}
