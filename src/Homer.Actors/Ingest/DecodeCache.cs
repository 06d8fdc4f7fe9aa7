using System.Net;
using Homer.Hep;
using Homer.Storage;

namespace Homer.Actors.Ingest;

/// <summary>
/// Per decode thread, the last values seen of the fields that repeat from message to message: addresses (a proxy's,
/// an SBC's), domains, reason phrases, user agents, node names. A hit hands out the same immutable instance instead of
/// a new one per message: at 20 000 messages/s these were about a tenth of the node's allocations, and every one of
/// them lived until its batch was stored. Direct-mapped and small, so a miss costs one comparison and a replaced slot.
/// </summary>
internal static class DecodeCache
{
    private const int Slots = 256;
    /// <summary>Longer values (a long user agent is still fine) are rare enough to make each time.</summary>
    private const int MaxTextBytes = 96;

    [ThreadStatic] private static (HepAddress Key, IPAddress? Value)[]? t_addresses;
    [ThreadStatic] private static (byte[]? Key, string? Value)[]? t_texts;

    public static IPAddress Address(HepAddress address)
    {
        var slots = t_addresses ??= new (HepAddress, IPAddress?)[Slots];
        ref var slot = ref slots[(address.GetHashCode() & int.MaxValue) % Slots];
        if (slot.Value is { } known && slot.Key == address)
            return known;
        var made = address.ToIPAddress();
        slot = (address, made);
        return made;
    }

    /// <summary>The text as <see cref="StorableText.FromUtf8OrNull"/> makes it (null when empty), the same instance for the same bytes.</summary>
    public static string? Text(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return null;
        if (utf8.Length > MaxTextBytes)
            return StorableText.FromUtf8(utf8);
        var slots = t_texts ??= new (byte[]?, string?)[Slots];
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var slot = ref slots[(hash.ToHashCode() & int.MaxValue) % Slots];
        if (slot.Key is { } key && utf8.SequenceEqual(key))
            return slot.Value;
        var made = StorableText.FromUtf8(utf8);
        slot = (utf8.ToArray(), made);
        return made;
    }
}
