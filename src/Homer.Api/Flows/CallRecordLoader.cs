using System.Net;
using Homer.Hep;
using Homer.Sip;
using Homer.Sip.Sdp;
using Homer.Storage;

namespace Homer.Api.Flows;

/// <summary>What the store holds about some calls, ready for <see cref="CallFlowBuilder"/> and <see cref="QosSeries"/>.</summary>
/// <param name="MediaSearchedUntil">Set when the call outlasted <see cref="CallRecordQueries.MaxScanWindow"/>: RTCP without a
/// correlation id was looked for only up to this time.</param>
public sealed record CallRecords(IReadOnlyList<string> CallIds, IReadOnlyList<StoredMessage> Messages, bool Truncated, DateTimeOffset? MediaSearchedUntil = null);

/// <summary>
/// Loads a call's records: its legs (optionally), their SIP, correlated reports and logs, and the RTCP that carries no
/// correlation id but travels between the media addresses their SDP announced (attributed to the call that announced
/// them, as the dialogs do).
/// </summary>
public sealed class CallRecordLoader(CallRecordQueries queries)
{
    /// <summary>RTCP keeps coming for a little while after the BYE is captured.</summary>
    public static readonly TimeSpan MediaTail = TimeSpan.FromSeconds(30);

    public async Task<CallRecords> LoadAsync(IReadOnlyList<string> callIds, bool includeLegs, int maxCallIds, int maxMessages, CancellationToken ct)
    {
        var legs = includeLegs ? await queries.FindLegsAsync(callIds, maxCallIds, ct) : callIds;
        var (messages, truncated) = await queries.LoadAsync(legs, maxMessages, ct);
        var sip = messages.Where(m => m.ProtocolType == HepProtocolType.Sip && m.CallId is not null).ToList();
        var media = MediaEndpoints(sip);
        if (media.Count == 0 || truncated)
            return new CallRecords(legs, messages, truncated);

        var until = sip[^1].Timestamp + MediaTail;
        DateTimeOffset? capped = null;
        if (until - sip[0].Timestamp > CallRecordQueries.MaxScanWindow)
            capped = until = sip[0].Timestamp + CallRecordQueries.MaxScanWindow;
        var rtcp = await queries.LoadRtcpByEndpointsAsync(media.Keys.ToList(), sip[0].Timestamp, until, maxMessages - messages.Count + 1, ct);
        if (rtcp.Count == 0)
            return new CallRecords(legs, messages, truncated, capped);
        truncated = messages.Count + rtcp.Count > maxMessages;
        var attributed = rtcp.Take(maxMessages - messages.Count)
            .Select(m => media.TryGetValue((Normal(m.DestinationIp), m.DestinationPort), out var to) ? m with { CorrelationId = to }
                : media.TryGetValue((Normal(m.SourceIp), m.SourcePort), out var from) ? m with { CorrelationId = from } : m);
        return new CallRecords(legs, [.. messages.Concat(attributed).OrderBy(m => m.Timestamp).ThenBy(m => m.Id)], truncated, capped);
    }

    /// <summary>RTP and RTCP addresses each Call-ID's SDP announced; the first Call-ID to announce an address keeps it.</summary>
    public static Dictionary<(IPAddress Ip, int Port), string> MediaEndpoints(IEnumerable<StoredMessage> sip)
    {
        var endpoints = new Dictionary<(IPAddress, int), string>();
        foreach (var m in sip)
        {
            var payload = m.Payload.AsSpan();
            if (!SipParser.TryParse(payload, out var message, out _) || message.Sdp.IsEmpty
                || !SdpParser.TryParse(payload, message.Sdp, out var session, out _))
                continue;
            for (var i = 0; i < session.MediaCount; i++)
            {
                var media = session.Media[i];
                // Port 0 is a rejected stream, 0.0.0.0 the old hold form: neither sends RTCP anywhere.
                if (media.Port <= 0 || !IPAddress.TryParse(media.ConnectionAddress.ToString(payload), out var address) || address.Equals(IPAddress.Any))
                    continue;
                var rtcpAddress = !media.RtcpAddress.IsEmpty && IPAddress.TryParse(media.RtcpAddress.ToString(payload), out var a) ? a : address;
                endpoints.TryAdd((Normal(address), media.Port), m.CallId!);
                if (media.EffectiveRtcpPort > 0)
                    endpoints.TryAdd((Normal(rtcpAddress), media.EffectiveRtcpPort), m.CallId!);
            }
        }
        return endpoints;
    }

    private static IPAddress Normal(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
}
