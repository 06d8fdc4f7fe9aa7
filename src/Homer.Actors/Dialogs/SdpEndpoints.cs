using System.Globalization;
using System.Text;

namespace Homer.Actors.Dialogs;

/// <summary>
/// The media endpoints an SDP body announces, RTP and RTCP, as "ip:port": all the media index needs. Parsed here
/// from the c=/m=/a=rtcp lines because Homer.Sip's SDP parser was not yet published when dialogs needed it.
/// </summary>
public static class SdpEndpoints
{
    public static IReadOnlyList<string> Extract(ReadOnlySpan<byte> sdp)
    {
        string? sessionAddress = null;
        var result = new List<string>(4);
        string? mediaAddress = null;
        var port = 0;
        var rtcpPort = 0;
        var rtcpMux = false;
        var inMedia = false;

        foreach (var rawLine in Lines(Encoding.ASCII.GetString(sdp)))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                if (inMedia)
                    Flush();
                inMedia = true;
                mediaAddress = null;
                rtcpPort = 0;
                rtcpMux = false;
                var parts = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                port = parts.Length > 1 && int.TryParse(parts[1].Split('/')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
            }
            else if (line.StartsWith("c=", StringComparison.Ordinal))
            {
                var parts = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var address = parts.Length > 2 ? parts[2].Split('/')[0] : null;
                if (inMedia)
                    mediaAddress = address;
                else
                    sessionAddress = address;
            }
            else if (inMedia && line.StartsWith("a=rtcp:", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                    rtcpPort = p;
            }
            else if (inMedia && line.StartsWith("a=rtcp-mux", StringComparison.Ordinal))
            {
                rtcpMux = true;
            }
        }
        if (inMedia)
            Flush();
        return result;

        void Flush()
        {
            var address = mediaAddress ?? sessionAddress;
            // Port 0 is a rejected or disabled stream; 0.0.0.0 is the old hold form: neither sends RTCP anywhere.
            if (port <= 0 || address is null or "0.0.0.0")
                return;
            Add(address + ":" + port.ToString(CultureInfo.InvariantCulture));
            var rtcp = rtcpPort > 0 ? rtcpPort : rtcpMux ? port : port + 1;
            Add(address + ":" + rtcp.ToString(CultureInfo.InvariantCulture));
        }

        void Add(string endpoint)
        {
            if (!result.Contains(endpoint))
                result.Add(endpoint);
        }
    }

    private static string[] Lines(string text) => text.Split('\n');
}
