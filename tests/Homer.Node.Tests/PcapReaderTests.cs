using Homer.Api.Export;
using Homer.Api.Import;
using Homer.Storage;

namespace Homer.Node.Tests;

/// <summary>The capture reader and frame dissector on damaged input: they refuse with a reason, never crash or overread.</summary>
public sealed class PcapReaderTests
{
    private static async Task<byte[]> OnePacketCapture()
    {
        var stream = new MemoryStream();
        var writer = new PcapWriter(stream);
        await writer.WriteHeaderAsync(CancellationToken.None);
        await writer.WriteAsync(new ExportedMessage(DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000).AddTicks(1230), 17,
            System.Net.IPAddress.Parse("192.0.2.1"), 5060, System.Net.IPAddress.Parse("192.0.2.2"), 5062, 1, null, null, null, null,
            "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n"u8.ToArray()), CancellationToken.None);
        return stream.ToArray();
    }

    private static async Task<(int Frames, string? Error)> ReadAll(byte[] bytes)
    {
        var reader = new PcapReader(new MemoryStream(bytes));
        var frames = 0;
        try
        {
            await reader.ReadHeaderAsync(CancellationToken.None);
            while (await reader.NextAsync(CancellationToken.None) is { } frame)
            {
                frames++;
                FrameDissector.TryDissect(frame.LinkType, frame.Data, out _);
            }
            return (frames, null);
        }
        catch (PcapFormatException e)
        {
            return (frames, e.Message);
        }
    }

    [Fact]
    public async Task A_frame_reads_back_with_its_time_and_udp_payload()
    {
        var reader = new PcapReader(new MemoryStream(await OnePacketCapture()));
        await reader.ReadHeaderAsync(CancellationToken.None);
        var frame = (await reader.NextAsync(CancellationToken.None))!.Value;
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000).AddTicks(1230), frame.Timestamp);
        Assert.Equal(FrameSkip.None, FrameDissector.TryDissect(frame.LinkType, frame.Data, out var segment));
        Assert.Equal((17, "192.0.2.1", 5060, 5062), (segment.IpProtocol, segment.Source.ToString(), segment.SourcePort, segment.DestinationPort));
        Assert.StartsWith("OPTIONS sip:a@b", System.Text.Encoding.ASCII.GetString(segment.Payload.Span));
        Assert.Null(await reader.NextAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Every_truncation_and_random_corruption_is_refused_or_read_never_thrown_otherwise()
    {
        var capture = await OnePacketCapture();
        for (var cut = 0; cut < capture.Length; cut++)
        {
            var (frames, error) = await ReadAll(capture[..cut]);
            Assert.True(frames == 0, $"cut at {cut} gave a frame");
            // The file header alone is a valid, empty capture; every other cut is refused with a reason.
            Assert.True(cut == 24 ? error is null : error is not null, $"cut at {cut}: {error ?? "no error"}");
        }
        var random = new Random(23);
        for (var i = 0; i < 2_000; i++)
        {
            var bytes = (byte[])capture.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            await ReadAll(bytes);
            var frame = new byte[random.Next(0, 120)];
            random.NextBytes(frame);
            foreach (var link in new[] { 0, 1, 101, 113, 228, 229, 276 })
                FrameDissector.TryDissect(link, frame, out _);
        }
    }
}
