using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Homer.Storage;

namespace Homer.Api.Export;

/// <summary>
/// Messages as text the way HOMER and ngrep show them: a line with transport, time and addresses, then the payload
/// as captured, then a blank line.
/// </summary>
public static class TextExport
{
    public static string Header(ExportedMessage m) => string.Create(CultureInfo.InvariantCulture,
        $"{(m.IpProtocol == 6 ? 'T' : 'U')} {m.Timestamp.UtcDateTime:yyyy/MM/dd HH:mm:ss.ffffff} {Endpoint(m.SourceIp, m.SourcePort)} -> {Endpoint(m.DestinationIp, m.DestinationPort)}");

    public static async Task WriteAsync(TextWriter writer, ExportedMessage m)
    {
        await writer.WriteAsync(Header(m));
        await writer.WriteAsync("\n");
        var payload = Encoding.UTF8.GetString(m.Payload);
        await writer.WriteAsync(payload);
        await writer.WriteAsync(payload.EndsWith('\n') ? "\n" : "\n\n");
    }

    private static string Endpoint(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
