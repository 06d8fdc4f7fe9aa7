using System.Diagnostics;
using Homer.Hep;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Homer.LoadTool;

public sealed record ReplayResult(long Packets, long Hep, long Wrapped, long Skipped, TimeSpan Elapsed);

/// <summary>
/// Replays a pcap/pcapng: UDP payloads that are already HEP go out unchanged; other UDP payloads are taken as raw SIP
/// and wrapped in HEP3 with the frame's addresses, ports and capture time. Paced by the recorded timestamps unless
/// the speed is "max".
/// </summary>
public static class PcapReplayer
{
    public static async Task<ReplayResult> RunAsync(FileInfo file, Target target, string speed, uint captureId, string? authKey, CancellationToken ct)
    {
        if (!file.Exists)
            throw new FormatException($"--pcap {file.FullName} does not exist");
        double? factor = speed == "max" ? null
            : double.TryParse(speed, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f) && f > 0 ? f
            : throw new FormatException($"--speed '{speed}' is neither max nor a positive factor");

        using var sink = await target.ConnectAsync(ct);
        using var device = new CaptureFileReaderDevice(file.FullName);
        device.Open();
        long packets = 0, hep = 0, wrapped = 0, skipped = 0;
        DateTime? firstCapture = null;
        var clock = Stopwatch.StartNew();
        while (!ct.IsCancellationRequested && device.GetNextPacket(out var capture) == GetPacketStatus.PacketRead)
        {
            var raw = capture.GetPacket();
            var udp = Packet.ParsePacket(raw.LinkLayerType, raw.Data).Extract<UdpPacket>();
            if (udp?.PayloadData is not { Length: > 0 } payload || udp.ParentPacket is not IPPacket ip)
            {
                skipped++;
                continue;
            }
            var captured = raw.Timeval.Date;
            if (factor is { } pace)
            {
                firstCapture ??= captured;
                var due = TimeSpan.FromTicks((long)((captured - firstCapture.Value).Ticks / pace));
                if (due > clock.Elapsed)
                    await Task.Delay(due - clock.Elapsed, ct);
            }

            byte[] packet;
            if (HepDecoder.TryDecode(payload, out _, out _, out _))
            {
                packet = payload;
                hep++;
            }
            else
            {
                packet = HepEncoder.Encode(new HepMessage
                {
                    Version = HepVersion.V3,
                    IpFamily = (byte)(ip.SourceAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 10 : 2),
                    IpProtocol = 17,
                    SourceAddress = ip.SourceAddress,
                    DestinationAddress = ip.DestinationAddress,
                    SourcePort = udp.SourcePort,
                    DestinationPort = udp.DestinationPort,
                    Timestamp = new DateTimeOffset(captured, TimeSpan.Zero),
                    ProtocolType = 1,
                    CaptureId = captureId,
                    AuthKey = authKey,
                    Payload = payload,
                });
                wrapped++;
            }
            await sink.Send(packet);
            packets++;
        }
        await sink.Flush();
        return new ReplayResult(packets, hep, wrapped, skipped, clock.Elapsed);
    }
}
