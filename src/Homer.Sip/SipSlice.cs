using System.Text;

namespace Homer.Sip;

/// <summary>A range of the parsed buffer; results point into the payload instead of copying it.</summary>
public readonly record struct SipSlice(int Offset, int Length)
{
    public bool IsEmpty => Length == 0;

    public int End => Offset + Length;

    public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> data) => data.Slice(Offset, Length);

    /// <summary>UTF-8 text of the slice; "" when empty.</summary>
    public string ToString(ReadOnlySpan<byte> data) =>
        Length == 0 ? string.Empty : Encoding.UTF8.GetString(data.Slice(Offset, Length));

    /// <summary>ASCII case-insensitive comparison with a literal such as <c>"INVITE"u8</c>.</summary>
    public bool EqualsIgnoreCase(ReadOnlySpan<byte> data, ReadOnlySpan<byte> literal) =>
        Ascii.EqualsIgnoreCase(data.Slice(Offset, Length), literal);
}
