namespace Homer.Hep.Tests;

/// <summary>
/// Random and mutated inputs: the decoder must never throw and every slice it returns must lie inside the packet.
/// Spans are bounds-checked, so an out-of-range read would surface here as an exception.
/// </summary>
public class HepFuzzTests
{
    private static readonly string[] Seeds =
    [
        "spec-example.bin", "hep3-invite.bin", "hep3-ipv6.bin", "hep3-vendor.bin", "hep3-gzip.bin", "hep3-zlib.bin",
        "hep3-all-chunks.bin", "hepv2-kamailio.bin", "hepv2-ipv6.bin", "hepv1.bin", "eep3-invite.bin",
    ];

    private static void Check(byte[] data)
    {
        if (!HepDecoder.TryDecode(data, out var p, out var error, out var offset))
        {
            Assert.NotEqual(HepDecodeError.None, error);
            Assert.InRange(offset, 0, data.Length);
            return;
        }

        Assert.Equal(HepDecodeError.None, error);
        Assert.InRange(p.Length, 1, data.Length);
        foreach (var slice in new[] { p.Payload, p.AuthKey, p.CorrelationId, p.NodeName, p.GeoLocation, p.TransactionType,
                     p.PayloadJsonKeys, p.TagValues, p.GroupId, p.Chunks })
        {
            Assert.InRange(slice.Offset, 0, p.Length);
            Assert.InRange(slice.Offset + slice.Length, 0, p.Length);
        }

        var count = 0;
        foreach (var chunk in p.EnumerateChunks(data))
        {
            Assert.InRange(chunk.Value.Offset + chunk.Value.Length, 0, p.Length);
            count++;
        }

        Assert.Equal(p.ChunkCount, count);
        _ = p.ToMessage(data);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(12345);
        for (var i = 0; i < 20_000; i++)
        {
            var data = new byte[random.Next(0, 200)];
            random.NextBytes(data);
            // Give a third of them a valid-looking start so the chunk walker gets exercised.
            switch (i % 3)
            {
                case 0 when data.Length >= 6:
                    "HEP3"u8.CopyTo(data);
                    data[4] = 0;
                    data[5] = (byte)random.Next(0, data.Length + 10);
                    break;
                case 1 when data.Length >= 1:
                    data[0] = (byte)random.Next(1, 3);
                    if (data.Length > 2)
                        data[2] = random.Next(2) == 0 ? (byte)2 : (byte)10;
                    break;
            }

            Check(data);
        }
    }

    [Fact]
    public void Mutated_fixtures_never_throw()
    {
        var random = new Random(4242);
        foreach (var name in Seeds)
        {
            var original = Fixture.Bytes(name);
            for (var i = 0; i < 3_000; i++)
            {
                var data = (byte[])original.Clone();
                var mutations = random.Next(1, 5);
                for (var m = 0; m < mutations; m++)
                {
                    switch (random.Next(4))
                    {
                        case 0:
                            data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                            break;
                        case 1:
                            data[random.Next(data.Length)] = (byte)random.Next(256);
                            break;
                        case 2:
                            // Hit length fields specifically: they drive every bound.
                            var at = 4 + 6 * random.Next(Math.Max(1, (data.Length - 4) / 6));
                            if (at + 1 < data.Length)
                                data[at + random.Next(2)] = (byte)random.Next(256);
                            break;
                        default:
                            Array.Resize(ref data, random.Next(data.Length + 1));
                            break;
                    }

                    if (data.Length == 0)
                        break;
                }

                Check(data);
            }
        }
    }

    [Fact]
    public void Framer_never_throws_on_random_streams()
    {
        var random = new Random(99);
        var good = Fixture.Bytes("hep3-invite.bin");
        foreach (var policy in new[] { HepGarbagePolicy.Resync, HepGarbagePolicy.Close })
        {
            var framer = new HepStreamFramer(policy);
            for (var i = 0; i < 2_000; i++)
            {
                var piece = random.Next(3) == 0 ? good : new byte[random.Next(1, 300)];
                if (piece != good)
                    random.NextBytes(piece);
                framer.Append(piece);
                while (framer.Next(out var packet) == HepFrameResult.Packet)
                    Check(packet.ToArray());
            }
        }
    }
}
