using Homer.Storage;

namespace Homer.Api.Flows;

public sealed record QosPoint(DateTimeOffset Timestamp, double? Mos, double? PacketLossPct, double? JitterMs, double? DelayMs, long? PacketsLost = null)
{
    /// <summary>Packets the reporter sent and received (RTP statistics headers of a BYE only).</summary>
    public long? PacketsSent { get; init; }
    public long? PacketsReceived { get; init; }
}

public sealed record QosStream(string CallId, string Source, string? Ssrc, string Direction, string? Reporter, IReadOnlyList<QosPoint> Points);

/// <summary>Quality reports of some calls as chart series: one per call, report source, SSRC and direction, in time order.</summary>
public static class QosSeries
{
    public static IReadOnlyList<QosStream> Build(IReadOnlyList<string> callIds, IEnumerable<StoredMessage> messages)
    {
        var wanted = callIds.ToHashSet(StringComparer.Ordinal);
        var order = callIds.Select((id, i) => (id, i)).GroupBy(x => x.id).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        return messages
            .OrderBy(m => m.Timestamp).ThenBy(m => m.Id)
            .SelectMany(m => QosReading.Read(m, wanted))
            .GroupBy(s => (s.CallId, s.Source, s.Ssrc, s.Direction))
            .Select(g => new QosStream(g.Key.CallId, g.Key.Source, g.Key.Ssrc, g.Key.Direction, g.First().Reporter,
                g.Select(s => new QosPoint(s.Timestamp, s.Mos, s.PacketLossPct, s.JitterMs, s.DelayMs, s.PacketsLost)
                {
                    PacketsSent = s.PacketsSent, PacketsReceived = s.PacketsReceived,
                }).ToList()))
            .OrderBy(s => order[s.CallId]).ThenBy(s => s.Points[0].Timestamp).ThenBy(s => s.Direction, StringComparer.Ordinal)
            .ToList();
    }
}
