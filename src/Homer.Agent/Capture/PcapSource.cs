using System.Diagnostics;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Homer.Agent.Capture;

public enum ReplaySpeed { Max, Real }

public sealed class InputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads pcap/pcapng files (SharpPcap) and live interfaces, handing each frame to a <see cref="CapturePipeline"/>.</summary>
public static class PcapSource
{
    public static void ReplayFile(string path, ReplaySpeed speed, bool loop, CapturePipeline pipeline, CancellationToken token)
    {
        if (!File.Exists(path)) throw new InputException($"pcap file '{path}' does not exist.");
        if (ClassicPcapReader.IsClassicPcap(path))
        {
            ReplayClassic(path, speed, loop, pipeline, token);
            return;
        }

        do
        {
            using var device = new CaptureFileReaderDevice(path);
            try
            {
                device.Open();
            }
            catch (Exception e) when (e is PcapException or DllNotFoundException or IOException)
            {
                throw new InputException($"cannot open '{path}' as pcap/pcapng: {e.Message}", e);
            }

            var linkType = (int)device.LinkType;
            var clock = Stopwatch.StartNew();
            long first = -1;
            while (!token.IsCancellationRequested)
            {
                var status = device.GetNextPacket(out var capture);
                if (status == GetPacketStatus.NoRemainingPackets) break;
                if (status != GetPacketStatus.PacketRead)
                    throw new InputException($"error reading '{path}' (status {status}).");
                var micros = Micros(capture.Header.Timeval);
                if (speed == ReplaySpeed.Real)
                {
                    if (first < 0) first = micros;
                    var due = TimeSpan.FromTicks((micros - first) * 10);
                    var wait = due - clock.Elapsed;
                    if (wait > TimeSpan.Zero && token.WaitHandle.WaitOne(wait)) break;
                }

                pipeline.OnFrame(linkType, capture.Data, micros);
            }
        } while (loop && !token.IsCancellationRequested);
    }

    /// <summary>Classic pcap, read by <see cref="ClassicPcapReader"/>; pcapng and the rest go through libpcap.</summary>
    private static void ReplayClassic(string path, ReplaySpeed speed, bool loop, CapturePipeline pipeline, CancellationToken token)
    {
        do
        {
            using var reader = ClassicPcapReader.Open(path);
            var clock = Stopwatch.StartNew();
            long first = -1;
            while (!token.IsCancellationRequested && reader.TryRead(out var frame, out var micros))
            {
                if (speed == ReplaySpeed.Real)
                {
                    if (first < 0) first = micros;
                    var due = TimeSpan.FromTicks((micros - first) * 10);
                    var wait = due - clock.Elapsed;
                    if (wait > TimeSpan.Zero && token.WaitHandle.WaitOne(wait)) break;
                }

                pipeline.OnFrame(reader.LinkType, frame, micros);
            }
        } while (loop && !token.IsCancellationRequested);
    }

    public static void CaptureLive(string interfaceName, string? filter, bool promiscuous, CapturePipeline pipeline,
        Action? onStarted, CancellationToken token, LiveControl? control = null)
    {
        LibPcapLiveDevice? device;
        try
        {
            // A fresh list, not the shared Instance: its device objects are shared, so two inputs (or two runs in one
            // process) on the same interface would open and close one handle under each other.
            device = LibPcapLiveDeviceList.New().FirstOrDefault(d => d.Name == interfaceName);
        }
        catch (Exception e) when (e is PcapException or DllNotFoundException)
        {
            throw new InputException($"cannot list interfaces: {e.Message}", e);
        }

        if (device is null)
            throw new InputException($"interface '{interfaceName}' not found; available: {string.Join(", ", LibPcapLiveDeviceList.Instance.Select(d => d.Name))}.");
        try
        {
            device.Open(new DeviceConfiguration
            {
                Mode = promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
                ReadTimeout = 100,
                Snaplen = 65_535,
                BufferSize = 32 << 20,
                Immediate = true,
            });
            if (!string.IsNullOrEmpty(filter))
                device.Filter = filter;
        }
        catch (Exception e) when (e is PcapException or DllNotFoundException)
        {
            device.Close();
            throw new InputException($"cannot capture on '{interfaceName}': {e.Message}", e);
        }

        using (device)
        {
            var linkType = (int)device.LinkType;
            if (control is not null) control.CurrentFilter = filter;
            onStarted?.Invoke();
            while (!token.IsCancellationRequested)
            {
                if (control is not null && control.TryTake(out var newFilter, out var done))
                {
                    try
                    {
                        device.Filter = newFilter;
                        control.CurrentFilter = newFilter;
                        done.TrySetResult(null);
                    }
                    catch (PcapException e)
                    {
                        done.TrySetResult(e.Message);
                    }
                }

                var status = device.GetNextPacket(out var capture);
                if (status == GetPacketStatus.PacketRead)
                    pipeline.OnFrame(linkType, capture.Data, Micros(capture.Header.Timeval));
                else if (status == GetPacketStatus.Error)
                    throw new InputException($"capture on '{interfaceName}' failed: {device.LastError}");
                else
                    // A quiet line still moves time on: RTP streams that went silent end and send their reports.
                    pipeline.OnIdle(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
            }

            device.Close();
            control?.Close();
        }
    }

    private static long Micros(PosixTimeval t) => (long)t.Seconds * 1_000_000 + (long)t.MicroSeconds;
}
