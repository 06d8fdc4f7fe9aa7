namespace Homer.Hep;

/// <summary>Why a buffer was not accepted as a HEP packet. The decoder reports the byte offset alongside.</summary>
public enum HepDecodeError : byte
{
    None,
    Empty,
    /// <summary>Fewer bytes than the fixed header of the detected version.</summary>
    TooShort,
    /// <summary>First bytes are neither 1, 2, "HEP3" nor "EEP3".</summary>
    UnknownVersion,
    DeclaredLengthExceedsBuffer,
    DeclaredLengthTooSmall,
    /// <summary>Fewer than 6 bytes left inside the packet where a chunk header should start.</summary>
    ChunkHeaderTruncated,
    /// <summary>A chunk length below its own 6-byte header, or running past the declared packet end.</summary>
    ChunkLengthInvalid,
    /// <summary>A fixed-size generic chunk (ports, addresses, timestamps...) with the wrong length.</summary>
    ChunkSizeMismatch,
    /// <summary>HEPv1/v2: the family byte is neither 2 (IPv4) nor 10 (IPv6).</summary>
    UnknownAddressFamily,
    /// <summary>
    /// A compressed payload (0x0010) inflates past <see cref="HepCompression.MaxInflatedBytes"/>. Reported by
    /// <see cref="HepPacket.TryInflatePayload"/>, which the ingest calls after <see cref="HepDecoder.TryDecode(System.ReadOnlySpan{byte}, out HepPacket, out HepDecodeError, out int)"/>.
    /// </summary>
    InflatedPayloadTooLarge,
}
