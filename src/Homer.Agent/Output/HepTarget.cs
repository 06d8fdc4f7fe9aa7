namespace Homer.Agent.Output;

public enum HepTransport { Udp, Tcp, Tls }

/// <summary>An output address as written on the command line: <c>udp:HOST:PORT</c>, <c>tcp:HOST:PORT</c> or <c>tls:HOST:PORT</c> (IPv6 hosts in brackets).</summary>
public sealed record HepTarget(HepTransport Transport, string Host, int Port)
{
    public static bool TryParse(string text, out HepTarget? target, out string? error)
    {
        target = null;
        error = null;
        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            error = $"'{text}': expected udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT.";
            return false;
        }

        var scheme = text[..colon].ToLowerInvariant();
        HepTransport transport;
        if (scheme == "udp") transport = HepTransport.Udp;
        else if (scheme == "tcp") transport = HepTransport.Tcp;
        else if (scheme == "tls") transport = HepTransport.Tls;
        else
        {
            error = $"'{text}': transport '{scheme}' is not udp, tcp or tls.";
            return false;
        }

        var rest = text[(colon + 1)..];
        string host;
        string portText;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']');
            if (close < 0 || close + 1 >= rest.Length || rest[close + 1] != ':')
            {
                error = $"'{text}': an IPv6 host is written [ADDRESS]:PORT.";
                return false;
            }

            host = rest[1..close];
            portText = rest[(close + 2)..];
        }
        else
        {
            var last = rest.LastIndexOf(':');
            if (last <= 0)
            {
                error = $"'{text}': missing host or port.";
                return false;
            }

            host = rest[..last];
            portText = rest[(last + 1)..];
        }

        if (!int.TryParse(portText, out var port) || port is < 1 or > 65_535)
        {
            error = $"'{text}': port '{portText}' is not 1-65535.";
            return false;
        }

        target = new HepTarget(transport, host, port);
        return true;
    }

    public override string ToString() =>
        $"{Transport.ToString().ToLowerInvariant()}:{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}";
}
