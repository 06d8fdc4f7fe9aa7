using System.IO.Compression;

namespace Homer.Hep;

/// <summary>Inflates the 0x0010 payload. The spec says "compressed" without naming a format: senders use gzip or zlib.</summary>
public static class HepCompression
{
    /// <summary>A HEP packet is at most 64 KiB; text compresses ~10:1, so more than this is a bomb, not a SIP message.</summary>
    public const int MaxInflatedBytes = 4 * 1024 * 1024;

    /// <summary>Inflated bytes, or null when the data is neither gzip, zlib nor raw deflate, or inflates past the cap.</summary>
    public static byte[]? TryInflate(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length < 2)
            return null;
        var copy = compressed.ToArray();
        try
        {
            using var input = new MemoryStream(copy, writable: false);
            using Stream inflater = IsGzip(compressed) ? new GZipStream(input, CompressionMode.Decompress)
                : IsZlib(compressed) ? new ZLibStream(input, CompressionMode.Decompress)
                : new DeflateStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream(compressed.Length * 4);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = inflater.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > MaxInflatedBytes)
                    return null;
                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // .NET reports corrupt streams by exception (ZLibException is an IOException); compressed payloads are
            // rare and off the hot path, so catching here costs nothing that matters. The fuzz tests found this one.
            return null;
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
