using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Homer.Actors.Contracts;
using Homer.Hep;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Api.Flows;

public sealed record FlowHost(string Id, string Ip, int Port, string? Alias);

public sealed record FlowEvent(
    long MessageId,
    string CallId,
    int LegIndex,
    DateTimeOffset Timestamp,
    double DeltaMs,
    string FromHost,
    string ToHost,
    string Label,
    string? Method,
    int? StatusCode,
    string? CSeq,
    string? TransactionId,
    bool Retransmission,
    bool HasSdp,
    bool HasAuth);

public sealed record FlowMarker(DateTimeOffset Timestamp, string CallId, string Kind, string Text);

public sealed record CallFlow(IReadOnlyList<string> CallIds, IReadOnlyList<FlowHost> Hosts, IReadOnlyList<FlowEvent> Events, IReadOnlyList<FlowMarker> Markers)
{
    public const string QosMarker = "QOS";
    public const string LogMarker = "LOG";
}

/// <summary>A quality report a live dialog holds (it may have come from a report the store does not keep as such).</summary>
public sealed record DialogQosNote(string CallId, QosReport Report);

/// <summary>
/// Draws the ladder of a call from its stored messages: one column per address:port in order of first appearance
/// (named by aliases), one arrow per SIP message in capture order, QoS reports and logs as markers on the time line.
/// Pure: the caller loads the messages, aliases and live dialog reports.
/// </summary>
public static class CallFlowBuilder
{
    public const int MaxLogMarkerText = 500;

    /// <param name="callIds">The Call-IDs drawn, in leg order: the index is the event's leg.</param>
    public static CallFlow Build(IReadOnlyList<string> callIds, IReadOnlyList<StoredMessage> messages, IReadOnlyList<AliasRow> aliases,
        IReadOnlyList<DialogQosNote>? dialogQos = null)
    {
        var legOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in callIds)
            legOf.TryAdd(id, legOf.Count);
        var wanted = legOf.Keys.ToHashSet(StringComparer.Ordinal);

        var hosts = new List<FlowHost>();
        var hostIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var captureIdsOfHost = new Dictionary<string, HashSet<long>>(StringComparer.Ordinal);
        var events = new List<FlowEvent>();
        var markers = new List<FlowMarker>();
        var seenTransactions = new HashSet<string>(StringComparer.Ordinal);
        var seenPayloads = new HashSet<string>(StringComparer.Ordinal);
        var markedReports = new HashSet<(string CallId, long Micros)>();
        DateTimeOffset? previous = null;

        foreach (var m in messages.OrderBy(m => m.Timestamp).ThenBy(m => m.Id))
        {
            if (m.ProtocolType == HepProtocolType.Sip && m.CallId is { } callId && legOf.TryGetValue(callId, out var leg))
            {
                var from = Host(m.SourceIp, m.SourcePort, m.CaptureId);
                var to = Host(m.DestinationIp, m.DestinationPort, m.CaptureId);
                var e = Arrow(m, callId, leg, from, to, previous is { } p ? (m.Timestamp - p).TotalMilliseconds : 0, seenTransactions, seenPayloads);
                events.Add(e);
                previous = m.Timestamp;
                // A BYE or its 200 OK may carry the call's RTP statistics (X-RTP-Stat, RTP-RxStat, …): a QoS marker of its own.
                foreach (var stat in RtpStatReading.Read(m, m.Payload, "", wanted))
                {
                    markers.Add(new FlowMarker(m.Timestamp, stat.CallId, CallFlow.QosMarker, QosReading.Describe(stat)));
                    markedReports.Add((stat.CallId, Micros(m.Timestamp)));
                }
                continue;
            }
            if (m.ProtocolType == HepProtocolType.Log && m.CorrelationId is { } logCall && wanted.Contains(logCall))
            {
                var text = Encoding.UTF8.GetString(m.Payload).TrimEnd('\r', '\n', '\0');
                markers.Add(new FlowMarker(m.Timestamp, logCall, CallFlow.LogMarker, text.Length > MaxLogMarkerText ? text[..MaxLogMarkerText] + "…" : text));
                continue;
            }
            var samples = QosReading.Read(m, wanted);
            if (samples.Count == 0)
                continue;
            // One marker per report: its streams in one line, so RTCP every 5 s does not stack markers.
            foreach (var group in samples.GroupBy(s => s.CallId))
            {
                markers.Add(new FlowMarker(m.Timestamp, group.Key, CallFlow.QosMarker, string.Join("; ", group.Select(QosReading.Describe))));
                markedReports.Add((group.Key, Micros(m.Timestamp)));
            }
        }

        // A live dialog's reports mostly come from those same stored messages; only add the ones no stored report shows.
        foreach (var note in dialogQos ?? [])
        {
            if (!wanted.Contains(note.CallId) || markedReports.Contains((note.CallId, note.Report.TimestampMicros)))
                continue;
            var r = note.Report;
            var sample = new QosSample(note.CallId, r.Source, null, "", r.Reporter, DateTimeOffset.UnixEpoch.AddTicks(r.TimestampMicros * 10),
                r.MosLq ?? r.MosCq, r.PacketLossPct, r.JitterMs, null);
            markers.Add(new FlowMarker(sample.Timestamp, note.CallId, CallFlow.QosMarker, QosReading.Describe(sample)));
        }
        markers.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));

        var drawn = callIds.Where(id => events.Any(e => e.CallId == id) || markers.Any(k => k.CallId == id)).ToList();
        var named = hosts.Select(h => h with { Alias = AliasOf(h, captureIdsOfHost[h.Id], aliases) }).ToList();
        return new CallFlow(drawn, named, events, markers);

        string Host(System.Net.IPAddress address, int port, long captureId)
        {
            var ip = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var id = QosReading.Endpoint(ip, port);
            if (!hostIndex.ContainsKey(id))
            {
                hostIndex[id] = hosts.Count;
                hosts.Add(new FlowHost(id, ip.ToString(), port, null));
                captureIdsOfHost[id] = [];
            }
            captureIdsOfHost[id].Add(captureId);
            return id;
        }
    }

    private static FlowEvent Arrow(StoredMessage m, string callId, int leg, string from, string to, double deltaMs,
        HashSet<string> seenTransactions, HashSet<string> seenPayloads)
    {
        var payload = m.Payload.AsSpan();
        var parsed = SipParser.TryParse(payload, out var sip, out _);
        var isRequest = m.Method is not null;
        var hasSdp = parsed && !sip.Sdp.IsEmpty;
        var hasAuth = parsed && HasAuthorization(payload, sip);
        var branch = parsed && !sip.Via.Branch.IsEmpty ? sip.Via.Branch.ToString(payload) : null;
        var cseqMethod = m.CSeqMethod ?? (parsed && !sip.CSeqMethod.IsEmpty ? sip.CSeqMethod.ToString(payload) : null);
        long? cseqNumber = m.CSeqNumber ?? (parsed && !sip.CSeqMethod.IsEmpty ? sip.CSeqNumber : null);
        var cseq = cseqNumber is { } n && cseqMethod is not null ? n.ToString(CultureInfo.InvariantCulture) + " " + cseqMethod : null;

        string label;
        if (isRequest)
            label = m.Method!;
        else if (m.StatusCode is { } status)
            label = m.ReasonPhrase is { Length: > 0 } reason ? $"{status.ToString(CultureInfo.InvariantCulture)} {reason}" : status.ToString(CultureInfo.InvariantCulture);
        else
            label = m.ParseError is null ? "?" : "unparsed";
        if (hasSdp)
            label += " (SDP)";

        // The same request (or the same response of the same UAS: a forked 180 differs by To-tag) on the same hop again,
        // or the very same bytes again, is a retransmission or a second capture of it.
        var key = branch is null || cseq is null
            ? null
            : string.Join('\u001f', from, to, branch, cseq, isRequest ? m.Method! : m.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "", isRequest ? "" : m.ToTag ?? "");
        var digest = from + "\u001f" + to + "\u001f" + Convert.ToHexString(SHA256.HashData(payload));
        var again = key is not null && !seenTransactions.Add(key);
        again |= !seenPayloads.Add(digest);

        return new FlowEvent(m.Id, callId, leg, m.Timestamp, deltaMs, from, to, label, m.Method, m.StatusCode, cseq,
            branch is null ? null : cseqMethod is null ? branch : branch + ":" + cseqMethod,
            again, hasSdp, hasAuth);
    }

    /// <summary>Authorization or Proxy-Authorization present, whatever its scheme.</summary>
    private static bool HasAuthorization(ReadOnlySpan<byte> payload, in SipMessage sip)
    {
        if (!sip.AuthorizationUser.IsEmpty)
            return true;
        var headers = sip.Headers.IsEmpty ? payload : sip.Headers.Of(payload);
        foreach (var range in headers.Split("\r\n"u8))
        {
            var line = headers[range];
            if (StartsWithHeader(line, "Authorization"u8) || StartsWithHeader(line, "Proxy-Authorization"u8))
                return true;
        }
        return false;
    }

    private static bool StartsWithHeader(ReadOnlySpan<byte> line, ReadOnlySpan<byte> name) =>
        line.Length > name.Length && Ascii.EqualsIgnoreCase(line[..name.Length], name)
        && line[name.Length..].TrimStart((byte)' ') is { Length: > 0 } rest && rest[0] == (byte)':';

    /// <summary>An alias of the exact ip:port wins over one for the whole address; among those, one for a capture id that saw the host.</summary>
    private static string? AliasOf(FlowHost host, HashSet<long> captureIds, IReadOnlyList<AliasRow> aliases)
    {
        AliasRow? best = null;
        var bestScore = -1;
        foreach (var a in aliases)
        {
            var ip = a.Ip.IsIPv4MappedToIPv6 ? a.Ip.MapToIPv4() : a.Ip;
            if (ip.ToString() != host.Ip || (a.Port != 0 && a.Port != host.Port))
                continue;
            if (a.CaptureId is { } c && !captureIds.Contains(c))
                continue;
            var score = (a.Port != 0 ? 2 : 0) + (a.CaptureId is not null ? 1 : 0);
            if (score > bestScore)
            {
                best = a;
                bestScore = score;
            }
        }
        return best?.Name;
    }

    private static long Micros(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks / 10;
}
