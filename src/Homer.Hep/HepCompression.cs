using System.IO.Compression;

namespace Homer.Hep;

/// <summary>What <see cref="HepCompression.TryInflate(ReadOnlySpan{byte}, out byte[])"/> made of a compressed payload.</summary>
public enum InflateResult : byte
{
    Inflated,
    /// <summary>Neither gzip, zlib nor raw deflate, or a corrupt stream: the compressed bytes are all there is.</summary>
    NotCompressed,
    /// <summary>The payload inflates past <see cref="HepCompression.MaxInflatedBytes"/>: a bomb, not a message.</summary>
    TooLarge,
}

/// <summary>Inflates the 0x0010 payload. The spec says "compressed" without naming a format: senders use gzip or zlib.</summary>
public static class HepCompression
{
    /// <summary>
    /// The most a compressed payload may inflate to. A HEP packet is at most 64 KiB on the wire, and so is what it
    /// carries when a sender does not compress: Kamailio, OpenSIPS and FreeSWITCH (sofia) read SIP into 64 KiB
    /// buffers, UDP cannot carry more, and HEP log (100) and QoS (5, 32–35, 99) payloads are a few KiB. Four times
    /// that leaves room for any real message; a 64 KiB packet of deflate could otherwise expand ~1 000×, to 64 MiB.
    /// </summary>
    public const int MaxInflatedBytes = 256 * 1024;

    /// <summary>Inflated bytes, or null when the data is neither gzip, zlib nor raw deflate, or inflates past the cap.</summary>
    public static byte[]? TryInflate(ReadOnlySpan<byte> compressed) =>
        TryInflate(compressed, out var inflated) == InflateResult.Inflated ? inflated : null;

    /// <summary>
    /// Inflates at most <see cref="MaxInflatedBytes"/>: the inflater never writes past the cap plus one byte, so a
    /// bomb costs the cap in memory and the work to produce it, not its full expansion.
    /// </summary>
    public static InflateResult TryInflate(ReadOnlySpan<byte> compressed, out byte[]? inflated)
    {
        inflated = null;
        if (compressed.Length < 2)
            return InflateResult.NotCompressed;
        using var input = new MemoryStream(compressed.ToArray(), writable: false);
        return Inflate(input, IsGzip(compressed) ? Format.Gzip : IsZlib(compressed) ? Format.Zlib : Format.Deflate,
            MaxInflatedBytes, out inflated);
    }

    public enum Format : byte
    {
        Gzip,
        Zlib,
        Deflate,
    }

    /// <summary>
    /// Inflates <paramref name="input"/> into at most <paramref name="cap"/> bytes; stops at the first byte past it
    /// (reading no further input than the inflater needs to produce that byte).
    /// </summary>
    public static InflateResult Inflate(Stream input, Format format, int cap, out byte[]? inflated)
    {
        inflated = null;
        try
        {
            using Stream inflater = format switch
            {
                Format.Gzip => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true),
                Format.Zlib => new ZLibStream(input, CompressionMode.Decompress, leaveOpen: true),
                _ => new DeflateStream(input, CompressionMode.Decompress, leaveOpen: true),
            };
            // One byte more than the cap tells "exactly the cap" from "past it"; the buffer grows by doubling up to that.
            var limit = cap + 1;
            var buffer = new byte[Math.Min(limit, 16 * 1024)];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length == limit)
                        return InflateResult.TooLarge;
                    Array.Resize(ref buffer, (int)Math.Min(limit, buffer.Length * 2L));
                }
                var read = inflater.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                    break;
                length += read;
            }

            if (length > cap)
                return InflateResult.TooLarge;
            inflated = length == buffer.Length ? buffer : buffer[..length];
            return InflateResult.Inflated;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // .NET reports corrupt streams by exception (ZLibException is an IOException); compressed payloads are
            // rare and off the hot path, so catching here costs nothing that matters. The fuzz tests found this one.
            return InflateResult.NotCompressed;
        }
    }

    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }

    private static bool IsGzip(ReadOnlySpan<byte> d) => d[0] == 0x1f && d[1] == 0x8b;

    private static bool IsZlib(ReadOnlySpan<byte> d) => (d[0] & 0x0f) == 8 && ((d[0] << 8) | d[1]) % 31 == 0;
}
