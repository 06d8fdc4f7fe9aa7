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
        var dissector = new FrameDissector();
        try
        {
            await reader.ReadHeaderAsync(CancellationToken.None);
            while (await reader.NextAsync(CancellationToken.None) is { } frame)
            {
                frames++;
                dissector.TryDissect(frame.LinkType, frame.Data, frames, out _);
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
        Assert.Equal(FrameSkip.None, new FrameDissector().TryDissect(frame.LinkType, frame.Data, 0, out var segment));
        Assert.Equal((17, "192.0.2.1", 5060, 5062), (segment.IpProtocol, segment.Source.ToString(), segment.SourcePort, segment.DestinationPort));
        Assert.StartsWith("OPTIONS sip:a@b", System.Text.Encoding.ASCII.GetString(segment.Payload.Span));
        Assert.Null(await reader.NextAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_datagram_the_snap_length_cut_keeps_what_was_captured()
    {
        var reader = new PcapReader(new MemoryStream(await OnePacketCapture()));
        await reader.ReadHeaderAsync(CancellationToken.None);
        var frame = (await reader.NextAsync(CancellationToken.None))!.Value;
        var whole = frame.Data.Length;
        // The IP header still says the whole length; the agent drops such a datagram (IpFrame.Cut), the import keeps it.
        Assert.Equal(FrameSkip.None, new FrameDissector().TryDissect(frame.LinkType, frame.Data[..(whole - 4)], 0, out var segment));
        Assert.StartsWith("OPTIONS sip:a@b", System.Text.Encoding.ASCII.GetString(segment.Payload.Span));
        Assert.Equal(FrameSkip.None, new FrameDissector().TryDissect(frame.LinkType, frame.Data, 0, out var full));
        Assert.Equal(full.Payload.Length - 4, segment.Payload.Length);
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
        var dissector = new FrameDissector();
        for (var i = 0; i < 2_000; i++)
        {
            var bytes = (byte[])capture.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            await ReadAll(bytes);
            var frame = new byte[random.Next(0, 120)];
            random.NextBytes(frame);
            foreach (var link in new[] { 0, 1, 101, 113, 228, 229, 276 })
                dissector.TryDissect(link, frame, i, out _);
        }
    }
    /// <summary>A UDP datagram in IP fragments (raw IP frames): IPv4 with the fragment offset in its header, IPv6 with a fragment header.</summary>
    internal static List<byte[]> Fragments(bool ipv6, byte[] udpPayload, uint id, int fragmentSize, System.Net.IPAddress source, System.Net.IPAddress destination)
    {
        var udp = new byte[8 + udpPayload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(udp, 5060);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), 5060);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        udpPayload.CopyTo(udp, 8);
        var frames = new List<byte[]>();
        for (var offset = 0; offset < udp.Length; offset += fragmentSize)
        {
            var part = udp.AsSpan(offset, Math.Min(fragmentSize, udp.Length - offset));
            var more = offset + part.Length < udp.Length;
            byte[] frame;
            if (!ipv6)
            {
                frame = new byte[20 + part.Length];
                frame[0] = 0x45;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)frame.Length);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)id);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), (ushort)((more ? 0x2000 : 0) | offset / 8));
                frame[8] = 64;
                frame[9] = 17;
                source.GetAddressBytes().CopyTo(frame, 12);
                destination.GetAddressBytes().CopyTo(frame, 16);
                part.CopyTo(frame.AsSpan(20));
            }
            else
            {
                frame = new byte[48 + part.Length];
                frame[0] = 0x60;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), (ushort)(8 + part.Length));
                frame[6] = 44;
                frame[7] = 64;
                source.GetAddressBytes().CopyTo(frame, 8);
                destination.GetAddressBytes().CopyTo(frame, 24);
                frame[40] = 17;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(42), (ushort)(offset | (more ? 1 : 0)));
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(44), id);
                part.CopyTo(frame.AsSpan(48));
            }
            frames.Add(frame);
        }
        return frames;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fragments_come_back_as_one_datagram_in_any_order_and_stray_ones_never_throw(bool ipv6)
    {
        var payload = System.Text.Encoding.ASCII.GetBytes("INVITE sip:bob@b SIP/2.0\r\n" + new string('a', 3000) + "\r\n\r\n");
        var (source, destination) = ipv6
            ? (System.Net.IPAddress.Parse("2001:db8::1"), System.Net.IPAddress.Parse("2001:db8::2"))
            : (System.Net.IPAddress.Parse("192.0.2.1"), System.Net.IPAddress.Parse("192.0.2.2"));
        var fragments = Fragments(ipv6, payload, 77, 1400, source, destination);
        Assert.Equal(3, fragments.Count);
        var dissector = new FrameDissector();
        // Last first, then the first, then the middle one: only the one that completes the datagram gives it.
        Assert.Equal(FrameSkip.FragmentPending, dissector.TryDissect(101, fragments[2], 1, out _));
        Assert.Equal(FrameSkip.FragmentPending, dissector.TryDissect(101, fragments[0], 2, out _));
        Assert.Equal(FrameSkip.None, dissector.TryDissect(101, fragments[1], 3, out var segment));
        Assert.Equal((17, source, 5060), (segment.IpProtocol, segment.Source, segment.DestinationPort));
        Assert.Equal(payload, segment.Payload.ToArray());
        Assert.Equal((1L, 0), (dissector.Reassembler.Completed, dissector.Reassembler.PendingCount));

        // Random fragments of one datagram id (overlapping, past the end the last one announced): counted, never thrown.
        var random = new Random(ipv6 ? 7 : 8);
        for (var i = 0; i < 5_000; i++)
        {
            var frame = fragments[random.Next(fragments.Count)].ToArray();
            var offsetAt = ipv6 ? 42 : 6;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offsetAt), (ushort)random.Next(0x10000));
            dissector.TryDissect(101, frame, 10 + i, out _);
        }
    }
}
