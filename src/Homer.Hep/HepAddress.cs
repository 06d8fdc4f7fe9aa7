using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Homer.Hep;

/// <summary>
/// An IPv4 or IPv6 address held inline (16 bytes + family) so that a decoded packet allocates nothing;
/// <see cref="IPAddress"/> is only built when someone asks for it.
/// </summary>
public readonly struct HepAddress : IEquatable<HepAddress>
{
    public const byte FamilyIPv4 = 2;
    public const byte FamilyIPv6 = 10;

    // Network byte order: IPv4 lives in the low 32 bits of _lo, IPv6 spans _hi then _lo.
    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly byte _family;

    private HepAddress(ulong hi, ulong lo, byte family)
    {
        _hi = hi;
        _lo = lo;
        _family = family;
    }

    public static HepAddress None => default;

    /// <summary>2 for IPv4, 10 for IPv6, 0 when no address was present.</summary>
    public byte Family => _family;

    public bool IsIPv6 => _family == FamilyIPv6;

    public bool IsEmpty => _family == 0;

    /// <summary>Length of the address on the wire: 4, 16, or 0 when empty.</summary>
    public int ByteLength => _family switch { FamilyIPv4 => 4, FamilyIPv6 => 16, _ => 0 };

    public static HepAddress FromIPv4(ReadOnlySpan<byte> bytes) =>
        new(0, BinaryPrimitives.ReadUInt32BigEndian(bytes), FamilyIPv4);

    public static HepAddress FromIPv6(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), FamilyIPv6);

    public static HepAddress From(IPAddress a)
    {
        ArgumentNullException.ThrowIfNull(a);
        Span<byte> bytes = stackalloc byte[16];
        if (!a.TryWriteBytes(bytes, out var written))
            return default;
        return written == 4 ? FromIPv4(bytes) : FromIPv6(bytes);
    }

    /// <summary>Writes the 4 or 16 address bytes; returns how many were written (0 when empty).</summary>
    public int WriteTo(Span<byte> destination)
    {
        switch (_family)
        {
            case FamilyIPv4:
                BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_lo);
                return 4;
            case FamilyIPv6:
                BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
                BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lo);
                return 16;
            default:
                return 0;
        }
    }

    /// <summary>The address as <see cref="IPAddress"/>; <see cref="IPAddress.Any"/> when empty.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        var n = WriteTo(bytes);
        return n == 0 ? IPAddress.Any : new IPAddress(bytes[..n]);
    }

    public AddressFamily AddressFamily => _family switch
    {
        FamilyIPv4 => AddressFamily.InterNetwork,
        FamilyIPv6 => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    public override string ToString() => IsEmpty ? string.Empty : ToIPAddress().ToString();

    public bool Equals(HepAddress other) => _hi == other._hi && _lo == other._lo && _family == other._family;

    public override bool Equals(object? obj) => obj is HepAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_hi, _lo, _family);

    public static bool operator ==(HepAddress left, HepAddress right) => left.Equals(right);

    public static bool operator !=(HepAddress left, HepAddress right) => !left.Equals(right);
}
