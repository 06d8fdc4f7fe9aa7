using System.Buffers.Binary;
using System.Net;
using System.Text;
using Homer.Agent.Capture;

namespace Homer.Agent.Tests;

/// <summary>
/// SIP over SCTP (RFC 4168) from a pcap written here byte by byte (IPv4 + SCTP common header + chunks), sent through
/// the real capture path to a HEP receiver; tshark, when present, reads the same pcap as an independent check.
/// </summary>
public sealed class SctpTests : IDisposable
{
    private const long T0 = 1_700_000_000_000_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-sctp").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const byte End = 0x01, Begin = 0x02, Unordered = 0x04;

    private static byte[] Data(uint tsn, ushort stream, ushort ssn, byte flags, ReadOnlySpan<byte> data, uint ppid = 0)
    {
        var length = 16 + data.Length;
        var chunk = new byte[(length + 3) & ~3];
        chunk[0] = 0; // DATA
        chunk[1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(4), tsn);
        BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(8), stream);
        BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(10), ssn);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(12), ppid);
        data.CopyTo(chunk.AsSpan(16));
        return chunk;
    }

    private static byte[] Sack(uint cumulativeTsn)
    {
        var chunk = new byte[16];
        chunk[0] = 3; // SACK
        BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(2), 16);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(4), cumulativeTsn);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8), 65_536);
        return chunk;
    }

    /// <summary>An IPv4 packet (protocol 132) with an SCTP common header and the given chunks.</summary>
    private static byte[] Ipv4Sctp(string src, ushort sport, string dst, ushort dport, params byte[][] chunks)
    {
        var sctpLength = 12 + chunks.Sum(c => c.Length);
        var ip = new byte[20 + sctpLength];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
        ip[8] = 64;
        ip[9] = 132;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(ip, 12);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(ip, 16);
        uint sum = 0;
        for (var i = 0; i < 20; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(i));
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), (ushort)~sum);
        var sctp = ip.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(sctp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(sctp[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(sctp[4..], 0x11223344);
        var at = 12;
        foreach (var c in chunks)
        {
            c.CopyTo(sctp[at..]);
            at += c.Length;
        }

        // CRC32c over the SCTP packet with the checksum field zero, stored little-endian (RFC 9260 appendix A).
        BinaryPrimitives.WriteUInt32LittleEndian(sctp[8..], Crc32C(sctp));
        return ip;
    }

    /// <summary>The same over IPv6 (next header 132, no extension headers).</summary>
    private static byte[] Ipv6Sctp(string src, ushort sport, string dst, ushort dport, params byte[][] chunks)
    {
        var v4 = Ipv4Sctp("0.0.0.0", sport, "0.0.0.0", dport, chunks);
        var sctp = v4.AsSpan(20);
        var ip = new byte[40 + sctp.Length];
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), (ushort)sctp.Length);
        ip[6] = 132;
        ip[7] = 64;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(ip, 8);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(ip, 24);
        sctp.CopyTo(ip.AsSpan(40));
        return ip;
    }

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xffffffffu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
        }

        return ~crc;
    }

    [Fact]
    public async Task Sip_in_sctp_data_chunks_single_bundled_unordered_retransmitted_and_fragmented_reaches_hep()
    {
        const string client = "10.20.0.1", server = "10.20.0.2";
        var invite = Frames.Sip("INVITE", "sctp-1@test", 1);
        var trying = "SIP/2.0 100 Trying\r\nVia: SIP/2.0/SCTP 10.20.0.1:5060;branch=z9hG4bK-1\r\nFrom: <sip:alice@example.com>;tag=1\r\n"
            + "To: <sip:bob@example.com>\r\nCall-ID: sctp-1@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        var ok = trying.Replace("100 Trying", "200 OK").Replace("<sip:bob@example.com>", "<sip:bob@example.com>;tag=2");
        // Larger than one path MTU: the sender fragments it into three DATA chunks.
        var big = Frames.Sip("MESSAGE", "sctp-2@test", 2, new string('x', 3000));
        var bigBytes = Encoding.ASCII.GetBytes(big);
        var parts = new[] { bigBytes[..1200], bigBytes[1200..2400], bigBytes[2400..] };

        var frames = new List<byte[]>
        {
            Ipv4Sctp(client, 5060, server, 5060, Data(100, 0, 0, Begin | End, Encoding.ASCII.GetBytes(invite))),
            // Two messages bundled in one packet, the second sent unordered.
            Ipv4Sctp(server, 5060, client, 5060, Data(500, 0, 0, Begin | End, Encoding.ASCII.GetBytes(trying)),
                Data(501, 1, 0, Unordered | Begin | End, Encoding.ASCII.GetBytes(ok))),
            Ipv4Sctp(client, 5060, server, 5060, Sack(501)),
            // SCTP retransmits the INVITE's chunk (same TSN): one SIP message, not two.
            Ipv4Sctp(client, 5060, server, 5060, Data(100, 0, 0, Begin | End, Encoding.ASCII.GetBytes(invite))),
            // The fragments arrive out of order: middle, last, first.
            Ipv4Sctp(client, 5060, server, 5060, Data(102, 0, 1, 0, parts[1])),
            Ipv4Sctp(client, 5060, server, 5060, Data(103, 0, 1, End, parts[2])),
            Ipv4Sctp(client, 5060, server, 5060, Data(101, 0, 1, Begin, parts[0])),
            // Not SIP (say a Diameter peer on another port).
            Ipv4Sctp(client, 3868, server, 3868, Data(7, 0, 0, Begin | End, "\x01\x00\x00\x14 not sip at all"u8, ppid: 46)),
        };
        var pcap = Frames.WritePcap(Path.Combine(_dir, "sctp.pcap"),
            frames.Select((f, i) => new Frames.Frame(T0 + i * 1000, Frames.EthernetRaw(f))));

        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await receiver.WaitForAsync(4, TimeSpan.FromSeconds(10)));
        await receiver.SettleAsync(TimeSpan.FromMilliseconds(150));

        var messages = receiver.Messages.ToList();
        Assert.Equal([invite, trying, ok, big], messages.Select(m => Encoding.ASCII.GetString(m.Payload.Span)));
        Assert.All(messages, m => Assert.Equal((byte)132, m.IpProtocol));
        Assert.Equal(IPAddress.Parse(server), messages[1].SourceAddress);
        Assert.Equal((ushort)5060, messages[3].DestinationPort);
        Assert.Equal(T0 + 6000, messages[3].TimestampUnixMicros); // when the last missing fragment came
        Assert.Equal(4, run.Summary.GetProperty("sipSctp").GetInt64());
        Assert.Equal(1, run.Dropped("SctpDuplicate"));
        Assert.Equal(1, run.Dropped("SctpControl"));
        Assert.Equal(1, run.Dropped("NotSip"));

        if (Tools.Has("tshark"))
        {
            // tshark (an independent SCTP + SIP dissector) finds the same SIP messages in the pcap we wrote.
            var (code, stdout, stderr) = await Tools.RunAsync("tshark",
                $"-r {pcap} -o sctp.reassembly:TRUE -Y sip -T fields -e sip.Call-ID -e sip.CSeq.method", TimeSpan.FromSeconds(60));
            Assert.True(code == 0, stderr);
            // One line per frame; a frame with two SIP messages (the bundled pair) lists both, comma-separated.
            var perMessage = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).SelectMany(l =>
            {
                var f = l.Trim().Split('\t');
                return f[0].Split(',').Zip(f[1].Split(','), (callId, method) => $"{callId} {method}");
            }).ToList();
            // With its SCTP reassembly on, tshark also takes the retransmitted chunk as a duplicate: four messages, as ours.
            Assert.Equal(["sctp-1@test INVITE", "sctp-1@test INVITE", "sctp-1@test INVITE", "sctp-2@test MESSAGE"],
                perMessage.Order());
        }
    }

    [Fact]
    public async Task Sip_over_sctp_over_ipv6_keeps_its_addresses()
    {
        var options = Frames.Sip("OPTIONS", "sctp6@test", 1);
        var pcap = Frames.WritePcap(Path.Combine(_dir, "sctp6.pcap"),
            [new Frames.Frame(T0, Frames.EthernetRaw(Ipv6Sctp("2001:db8::1", 5060, "2001:db8::2", 5060,
                Data(1, 0, 0, Begin | End, Encoding.ASCII.GetBytes(options))), 0x86dd))]);
        await using var receiver = HepReceiver.Udp();
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await receiver.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        var m = Assert.Single(receiver.Messages);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), m.SourceAddress);
        Assert.Equal(IPAddress.Parse("2001:db8::2"), m.DestinationAddress);
        Assert.Equal((byte)132, m.IpProtocol);
        Assert.Equal(options, Encoding.ASCII.GetString(m.Payload.Span));
    }

    [Fact]
    public void Pending_fragments_are_bounded_per_direction()
    {
        var reassembler = new SctpReassembler();
        var packet = new L4Packet { Source = new byte[] { 10, 0, 0, 1 }, Destination = new byte[] { 10, 0, 0, 2 }, SourcePort = 5060, DestinationPort = 5060 };
        var piece = new byte[60_000];
        var area = Data(1, 0, 0, Begin, piece);
        var reasons = new List<DropReason>();
        for (uint tsn = 1; tsn <= 6; tsn++)
        {
            // Beginnings only: none ever completes, so they pile up until the limit throws them away.
            BinaryPrimitives.WriteUInt32BigEndian(area.AsSpan(4), tsn * 10);
            var offset = 0;
            Assert.True(SctpReassembler.TryNextData(area, ref offset, out var chunk, out _));
            Assert.False(reassembler.Add(in packet, in chunk, out var reason));
            reasons.Add(reason);
        }

        Assert.Equal([DropReason.FragmentPending, DropReason.FragmentPending, DropReason.FragmentPending, DropReason.FragmentPending,
            DropReason.FragmentError, DropReason.FragmentPending], reasons);
    }
}
