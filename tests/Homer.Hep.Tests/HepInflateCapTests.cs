using System.Buffers;
using System.IO.Compression;

namespace Homer.Hep.Tests;

/// <summary>A compressed payload inflates to at most <see cref="HepCompression.MaxInflatedBytes"/>; a bomb is refused.</summary>
public class HepInflateCapTests
{
    [Fact]
    public void The_cap_is_256_KiB()
    {
        // docs/operations.md ("Inflated HEP payloads") and docs/hep-protocol.md name this number.
        Assert.Equal(256 * 1024, HepCompression.MaxInflatedBytes);
    }

    [Fact]
    public void A_payload_that_inflates_to_exactly_the_cap_is_kept()
    {
        var plain = Filler(HepCompression.MaxInflatedBytes);
        var bytes = Packet(plain);

        Assert.True(bytes.Length < 64 * 1024);
        Assert.True(HepDecoder.TryDecode(bytes, out var p, out var error, out _), error.ToString());
        Assert.True(p.TryInflatePayload(bytes, out var inflated, out error), error.ToString());
        Assert.Equal(plain, inflated);
    }

    [Fact]
    public void A_payload_that_inflates_one_byte_past_the_cap_is_refused_with_its_own_error()
    {
        var bytes = Packet(Filler(HepCompression.MaxInflatedBytes + 1));

        Assert.True(HepDecoder.TryDecode(bytes, out var p, out var error, out _), error.ToString());
        Assert.False(p.TryInflatePayload(bytes, out var inflated, out error));
        Assert.Equal(HepDecodeError.InflatedPayloadTooLarge, error);
        Assert.Null(inflated);
        Assert.Null(HepCompression.TryInflate(p.Payload.Of(bytes)));
    }

    [Theory]
    [InlineData(HepCompression.Format.Gzip)]
    [InlineData(HepCompression.Format.Zlib)]
    [InlineData(HepCompression.Format.Deflate)]
    public void A_bomb_is_refused_after_reading_only_the_input_that_fills_the_cap(HepCompression.Format format)
    {
        // 60 KiB of deflate that expands to ~60 MiB of zeros: about 1 000 times the cap.
        var bomb = Compress(new byte[60 * 1024 * 1024], format);
        Assert.InRange(bomb.Length, 1, 64 * 1024);

        using var input = new CountingStream(bomb);
        var result = HepCompression.Inflate(input, format, HepCompression.MaxInflatedBytes, out var inflated);

        Assert.Equal(InflateResult.TooLarge, result);
        Assert.Null(inflated);
        // Inflating it all would read every input byte; stopping at the cap reads what 256 KiB of output needs
        // (~260 bytes of this stream) plus the inflater's own input buffer, far below the whole.
        Assert.True(input.BytesRead < bomb.Length / 2, $"read {input.BytesRead} of {bomb.Length} compressed bytes");
    }

    [Fact]
    public void A_packet_whose_payload_is_not_compressed_after_all_is_kept_as_it_came()
    {
        var message = Hep3RoundTripTests.Sample(payload: "not deflate at all"u8.ToArray());
        var bytes = HepEncoder.Encode(message);
        // Turn the payload chunk (0x000f) into a compressed-payload chunk (0x0010) by hand.
        Assert.True(HepDecoder.TryDecode(bytes, out var p, out _, out _));
        bytes[p.Payload.Offset - 3] = 0x10;
        Assert.True(HepDecoder.TryDecode(bytes, out p, out _, out _));
        Assert.True(p.PayloadCompressed);

        Assert.True(p.TryInflatePayload(bytes, out var inflated, out var error), error.ToString());
        Assert.Null(inflated);
    }

    private static byte[] Packet(byte[] plain)
    {
        var writer = new ArrayBufferWriter<byte>();
        var message = Hep3RoundTripTests.Sample(payload: plain);
        HepEncoder.Encode(message, writer, compressPayload: true);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>SIP-like text that compresses well enough to fit a HEP packet.</summary>
    private static byte[] Filler(int length)
    {
        var line = "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-filler\r\n"u8;
        var result = new byte[length];
        for (var i = 0; i < length; i++)
            result[i] = line[i % line.Length];
        return result;
    }

    private static byte[] Compress(byte[] data, HepCompression.Format format)
    {
        using var output = new MemoryStream();
        using (Stream compressor = format switch
               {
                   HepCompression.Format.Gzip => new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true),
                   HepCompression.Format.Zlib => new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true),
                   _ => new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true),
               })
            compressor.Write(data);
        return output.ToArray();
    }

    private sealed class CountingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            var read = base.Read(buffer);
            BytesRead += read;
            return read;
        }
    }
}
