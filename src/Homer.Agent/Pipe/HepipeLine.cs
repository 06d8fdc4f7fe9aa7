using System.Globalization;
using System.Net;
using System.Text;
using Homer.Hep;

namespace Homer.Agent.Pipe;

/// <summary>
/// One hepipe line: <c>sec;usec;correlation_id;src_ip;src_port;dst_ip;dst_port;payload</c>. The payload is everything
/// after the seventh separator, so it may contain ';'.
/// </summary>
public static class HepipeLine
{
    public static bool TryParse(string line, out HepipeRecord record, out string? error)
    {
        record = default;
        error = null;
        var fields = new string[7];
        var start = 0;
        for (var i = 0; i < 7; i++)
        {
            var semi = line.IndexOf(';', start);
            if (semi < 0)
            {
                error = $"expected 8 ';'-separated fields, found {i + 1}";
                return false;
            }

            fields[i] = line[start..semi].Trim();
            start = semi + 1;
        }

        if (!long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sec)
            || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec >= 1_000_000)
        {
            error = "timestamp seconds/microseconds are not numbers (microseconds below 1000000)";
            return false;
        }

        if (!IPAddress.TryParse(fields[3], out var source) || !IPAddress.TryParse(fields[5], out var destination))
        {
            error = "source or destination is not an IP address";
            return false;
        }

        if (!ushort.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var sourcePort)
            || !ushort.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var destinationPort))
        {
            error = "source or destination port is not 0-65535";
            return false;
        }

        record = new HepipeRecord(sec * 1_000_000 + usec, fields[2], source, sourcePort, destination, destinationPort, line[start..]);
        return true;
    }
}

public readonly record struct HepipeRecord(long TimestampMicros, string CorrelationId, IPAddress Source, ushort SourcePort,
    IPAddress Destination, ushort DestinationPort, string Payload)
{
    public HepMessage ToMessage(Output.HepSettings settings, byte protocolType) => new()
    {
        Version = settings.Version,
        IpProtocol = 17,
        SourceAddress = Source,
        DestinationAddress = Destination,
        SourcePort = SourcePort,
        DestinationPort = DestinationPort,
        Timestamp = DateTimeOffset.UnixEpoch.AddTicks(TimestampMicros * 10),
        ProtocolType = protocolType,
        CaptureId = settings.CaptureId,
        AuthKey = settings.AuthKey,
        NodeName = settings.NodeName,
        CorrelationId = CorrelationId.Length == 0 ? null : CorrelationId,
        Payload = Encoding.UTF8.GetBytes(Payload),
    };
}
