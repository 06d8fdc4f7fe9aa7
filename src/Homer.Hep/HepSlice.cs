namespace Homer.Hep;

/// <summary>A range of the buffer a packet was decoded from; keeps <see cref="HepPacket"/> free of allocations.</summary>
public readonly record struct HepSlice(int Offset, int Length)
{
    public bool IsEmpty => Length == 0;

    public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> data) => data.Slice(Offset, Length);

    public ReadOnlyMemory<byte> Of(ReadOnlyMemory<byte> data) => data.Slice(Offset, Length);

    /// <summary>UTF-8 text of the slice; "" when empty.</summary>
    public string ToString(ReadOnlySpan<byte> data) =>
        Length == 0 ? string.Empty : System.Text.Encoding.UTF8.GetString(data.Slice(Offset, Length));
}
