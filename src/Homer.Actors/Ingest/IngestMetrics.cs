using System.Globalization;
using Prometheus;

namespace Homer.Actors.Ingest;

/// <summary>
/// Prometheus view of the ingest path. The counters themselves live in <see cref="IngestCounters"/> (cheap
/// Interlocked adds on the hot path); they are copied into the registry when /metrics is scraped.
/// </summary>
public sealed class IngestMetrics
{
    public static readonly Histogram StoreBatchSeconds = Metrics.CreateHistogram(
        "homer_store_batch_seconds", "Time to store one batch of messages by binary COPY (successful attempts).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 14) });

    private readonly IngestCounters _counters;
    private readonly Func<IEnumerable<int>> _udpPorts;
    private readonly Func<long> _spoolBytes;
    private readonly Counter _received = Metrics.CreateCounter("homer_hep_received_total", "HEP packets received on all listeners.");
    private readonly Counter _decoded = Metrics.CreateCounter("homer_hep_decoded_total", "HEP packets decoded into messages.");
    private readonly Counter _unparsed = Metrics.CreateCounter("homer_hep_unparsed_kept_total", "Messages whose payload did not parse as its type; stored raw.");
    private readonly Counter _stored = Metrics.CreateCounter("homer_messages_stored_total", "Messages stored in PostgreSQL.");
    private readonly Counter _routed = Metrics.CreateCounter("homer_messages_routed_total", "SIP messages handed to dialog actors.");
    private readonly Counter _dropped = Metrics.CreateCounter("homer_hep_dropped_total", "Packets or messages lost, by reason.", "reason");
    private readonly Counter _spooled = Metrics.CreateCounter("homer_spool_messages_total", "Messages through the disk spool.", "direction");
    private readonly Counter _skipped = Metrics.CreateCounter("homer_hep_stream_bytes_skipped_total", "TCP/TLS bytes skipped to find the next HEP3 packet.");
    private readonly Counter _frameTimeouts = Metrics.CreateCounter("homer_hep_stream_frame_timeouts_total",
        "TCP/TLS connections closed because a packet was not whole within the frame deadline.");
    private readonly Gauge _connections = Metrics.CreateGauge("homer_hep_connections", "Open HEP TCP/TLS connections.");
    private readonly Gauge _spoolBytesGauge = Metrics.CreateGauge("homer_spool_bytes", "Bytes waiting in the disk spool.");
    private readonly Gauge _kernelDrops = Metrics.CreateGauge("homer_udp_kernel_socket_drops", "Datagrams the kernel dropped on our HEP UDP sockets (/proc/net/udp drops).");
    private readonly Gauge _kernelRcvbuf = Metrics.CreateGauge("homer_udp_kernel_rcvbuf_errors", "Host-wide UDP receive-buffer errors (/proc/net/snmp RcvbufErrors).");

    public IngestMetrics(IngestCounters counters, Func<IEnumerable<int>> udpPorts, Func<long> spoolBytes)
    {
        _counters = counters;
        _udpPorts = udpPorts;
        _spoolBytes = spoolBytes;
        Metrics.DefaultRegistry.AddBeforeCollectCallback(Update);
    }

    private void Update()
    {
        _received.IncTo(_counters.Received);
        _decoded.IncTo(_counters.Decoded);
        _unparsed.IncTo(_counters.UnparsedKept);
        _stored.IncTo(_counters.Stored);
        _routed.IncTo(_counters.RoutedToDialogs);
        foreach (var reason in Enum.GetValues<DropReason>())
            _dropped.WithLabels(reason.ToString()).IncTo(_counters.Dropped(reason));
        _spooled.WithLabels("spooled").IncTo(_counters.Spooled);
        _spooled.WithLabels("replayed").IncTo(_counters.Replayed);
        _skipped.IncTo(_counters.StreamBytesSkipped);
        _frameTimeouts.IncTo(_counters.StreamFramesTimedOut);
        _connections.Set(_counters.Connections);
        _spoolBytesGauge.Set(_spoolBytes());
        _kernelDrops.Set(KernelUdp.SocketDrops(_udpPorts()));
        _kernelRcvbuf.Set(KernelUdp.ReceiveBufferErrors());
    }
}

/// <summary>What the Linux kernel knows about UDP drops that never reached our process.</summary>
public static class KernelUdp
{
    /// <summary>Sum of the per-socket drop counters of UDP sockets bound to these local ports (IPv4 and IPv6).</summary>
    public static long SocketDrops(IEnumerable<int> ports)
    {
        var wanted = ports.ToHashSet();
        if (wanted.Count == 0)
            return 0;
        long drops = 0;
        foreach (var file in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            if (!File.Exists(file))
                continue;
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 13)
                    continue;
                var local = fields[1];
                var colon = local.LastIndexOf(':');
                if (colon < 0 || !int.TryParse(local.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
                    continue;
                if (wanted.Contains(port) && long.TryParse(fields[^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var d))
                    drops += d;
            }
        }
        return drops;
    }

    /// <summary>Host-wide UDP RcvbufErrors from /proc/net/snmp (0 where unavailable).</summary>
    public static long ReceiveBufferErrors()
    {
        const string file = "/proc/net/snmp";
        if (!File.Exists(file))
            return 0;
        var udp = File.ReadLines(file).Where(l => l.StartsWith("Udp: ", StringComparison.Ordinal)).ToList();
        if (udp.Count < 2)
            return 0;
        var names = udp[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = udp[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(names, "RcvbufErrors");
        return index > 0 && index < values.Length && long.TryParse(values[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
    }
}
