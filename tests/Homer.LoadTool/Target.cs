using System.Net;
using System.Net.Sockets;

namespace Homer.LoadTool;

public sealed record Target(ProtocolType Protocol, IPEndPoint Endpoint)
{
    public static Target Parse(string value)
    {
        var colon = value.IndexOf(':');
        var scheme = colon > 0 ? value[..colon] : "";
        if (colon < 0 || !IPEndPoint.TryParse(value[(colon + 1)..], out var endpoint) || scheme is not ("udp" or "tcp"))
            throw new FormatException($"--to '{value}' is not udp:HOST:PORT or tcp:HOST:PORT with a numeric address");
        return new Target(scheme == "udp" ? ProtocolType.Udp : ProtocolType.Tcp, endpoint);
    }

    /// <summary>A sender for this target: datagrams for UDP, one stream of back-to-back HEP3 packets for TCP.</summary>
    public async Task<HepSink> ConnectAsync(CancellationToken ct)
    {
        if (Protocol == ProtocolType.Udp)
        {
            var udp = new Socket(Endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 8 << 20 };
            udp.Connect(Endpoint);
            return new HepSink(packet => { udp.Send(packet); return ValueTask.CompletedTask; }, () => ValueTask.CompletedTask, udp);
        }
        var tcp = new Socket(Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(Endpoint, ct);
        var stream = new BufferedStream(new NetworkStream(tcp, ownsSocket: true), 64 * 1024);
        return new HepSink(packet => stream.WriteAsync(packet, ct), () => new ValueTask(stream.FlushAsync(ct)), stream);
    }
}

/// <summary>Sends HEP packets to one target; <see cref="Flush"/> pushes buffered TCP bytes out.</summary>
public sealed class HepSink(Func<byte[], ValueTask> send, Func<ValueTask> flush, IDisposable owner) : IDisposable
{
    public ValueTask Send(byte[] packet) => send(packet);
    public ValueTask Flush() => flush();
    public void Dispose() => owner.Dispose();
}
