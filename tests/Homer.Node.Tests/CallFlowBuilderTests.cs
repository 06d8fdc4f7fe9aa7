using System.Net;
using System.Text;
using Homer.Actors.Contracts;
using Homer.Api.Flows;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Node.Tests;

/// <summary>The ladder computation alone, from stored-message records built out of real SIP text (no node, no database).</summary>
public sealed class CallFlowBuilderTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
    private const string ALeg = "builder-a@example.com";

    [Fact]
    public void A_challenged_call_through_a_B2BUA_draws_both_legs_in_order_with_labels_hosts_and_flags()
    {
        var legs = LeggedCall.Build(ALeg, "alice", "bob", Start);
        var messages = legs.Select((l, i) => Stored(l, i + 1)).Reverse().ToList(); // input order must not matter
        var aliases = new[]
        {
            new AliasRow(1, LeggedCall.Sbc, 5060, "sbc-a", null, Start),
            new AliasRow(2, LeggedCall.Callee, 0, "carrier-b", null, Start),
            new AliasRow(3, LeggedCall.Caller, 0, "other-agent", 9999, Start),
        };

        var flow = CallFlowBuilder.Build([ALeg, LeggedCall.BLegOf(ALeg)], messages, aliases);

        Assert.Equal([ALeg, LeggedCall.BLegOf(ALeg)], flow.CallIds);
        Assert.Equal(LeggedCall.Expected.Length, flow.Events.Count);
        Assert.Equal(LeggedCall.Expected.Select(e => e.Label), flow.Events.Select(e => e.Label));
        Assert.Equal(LeggedCall.Expected.Select(e => e.Leg), flow.Events.Select(e => e.LegIndex));
        Assert.Equal(Enumerable.Range(1, legs.Count).Select(i => (long)i), flow.Events.Select(e => e.MessageId));

        Assert.Equal(["192.0.2.10:5060", "198.51.100.20:5060", "198.51.100.20:5080", "203.0.113.30:5060"], flow.Hosts.Select(h => h.Id));
        // Exact port wins; an address-wide alias names every port; an alias for another capture agent does not apply.
        Assert.Equal([null, "sbc-a", null, "carrier-b"], flow.Hosts.Select(h => h.Alias));
        Assert.Equal(5080, flow.Hosts[2].Port);

        var retransmitted = flow.Events.Select((e, i) => (e, i)).Where(x => x.e.Retransmission).Select(x => x.i);
        Assert.Equal([LeggedCall.Retransmission], retransmitted);
        Assert.Equal([LeggedCall.Authorized], flow.Events.Select((e, i) => (e, i)).Where(x => x.e.HasAuth).Select(x => x.i));
        Assert.True(flow.Events[0].HasSdp);
        Assert.False(flow.Events[2].HasSdp);

        // A request and its responses share a transaction; the 407's ACK belongs to the INVITE's (same branch).
        Assert.Equal("z9hG4bKa1:INVITE", flow.Events[0].TransactionId);
        Assert.Equal(flow.Events[0].TransactionId, flow.Events[1].TransactionId);
        Assert.Equal("z9hG4bKa1:ACK", flow.Events[2].TransactionId);
        Assert.Equal("2 INVITE", flow.Events[3].CSeq);
        Assert.Equal(407, flow.Events[1].StatusCode);
        Assert.Null(flow.Events[1].Method);
        Assert.Equal("INVITE", flow.Events[0].Method);

        Assert.Equal(0, flow.Events[0].DeltaMs);
        Assert.Equal(10, flow.Events[1].DeltaMs, 3);
        Assert.Equal(500, flow.Events[LeggedCall.Retransmission].DeltaMs, 3);
        Assert.Equal("198.51.100.20:5080", flow.Events[5].FromHost);
        Assert.Equal("203.0.113.30:5060", flow.Events[5].ToHost);
    }

    [Fact]
    public void Forked_provisional_responses_from_two_callees_are_not_retransmissions_but_a_repeated_one_is()
    {
        var legs = LeggedCall.Build(ALeg, "alice", "bob", Start);
        var ringing = legs[7];
        var forked = ringing with { Text = ringing.Text.Replace(";tag=callee-b", ";tag=callee-c", StringComparison.Ordinal), Timestamp = ringing.Timestamp.AddMilliseconds(5) };
        var again = ringing with { Timestamp = ringing.Timestamp.AddMilliseconds(500) };
        var flow = CallFlowBuilder.Build([LeggedCall.BLegOf(ALeg)], [Stored(legs[5], 1), Stored(ringing, 2), Stored(forked, 3), Stored(again, 4)], []);
        Assert.Equal([false, false, false, true], flow.Events.Select(e => e.Retransmission));
    }

    [Fact]
    public void Quality_reports_and_logs_become_markers_and_QoS_series_per_stream()
    {
        var legs = LeggedCall.Build(ALeg, "alice", "bob", Start);
        var vq = new StoredMessage(100, Start.AddSeconds(21), MessageProfile.Qos, 35, null, null, null, null, null, null, null, null,
            LeggedCall.Caller, 5061, IPAddress.Parse("10.0.0.9"), 9060, 2001, null, ALeg, null, Encoding.UTF8.GetBytes(LeggedCall.VqReport(ALeg)));
        var log = vq with { Id = 101, ProtocolType = 100, Profile = MessageProfile.Log, Timestamp = Start.AddSeconds(2), Payload = Encoding.UTF8.GetBytes("call routed to trunk-b\n") };
        var unrelated = vq with { Id = 102, CorrelationId = "someone-else" };
        var messages = legs.Select((l, i) => Stored(l, i + 1)).Append(vq).Append(log).Append(unrelated).ToList();
        var live = new[]
        {
            // Same report as the stored one (same time): not drawn twice. A live-only one is.
            new DialogQosNote(ALeg, new QosReport("rtcp-xr", Micros(vq.Timestamp), 3.1, 3.0, 2.5, 3, "192.0.2.10")),
            new DialogQosNote(ALeg, new QosReport("rtcp", Micros(Start.AddSeconds(10)), null, null, 1.0, 4, "203.0.113.30")),
        };

        var flow = CallFlowBuilder.Build([ALeg, LeggedCall.BLegOf(ALeg)], messages, [], live);

        Assert.Equal(3, flow.Markers.Count);
        Assert.Equal(("LOG", "call routed to trunk-b"), (flow.Markers[0].Kind, flow.Markers[0].Text));
        Assert.Equal("QOS", flow.Markers[1].Kind);
        Assert.Equal("loss 1% jitter 4 ms (rtcp)", flow.Markers[1].Text);
        Assert.Equal("MOS 3.1 loss 2.5% jitter 3 ms delay 40 ms (rtcp-xr ssrc 0x11223344)", flow.Markers[2].Text);
        Assert.All(flow.Markers, m => Assert.Equal(ALeg, m.CallId));

        var series = QosSeries.Build([ALeg], messages);
        var stream = Assert.Single(series);
        Assert.Equal(("rtcp-xr", "0x11223344", "192.0.2.10:5061 -> 10.0.0.9:9060"), (stream.Source, stream.Ssrc, stream.Direction));
        var point = Assert.Single(stream.Points);
        Assert.Equal((3.1, 2.5, 3.0, 40.0), (point.Mos, point.PacketLossPct, point.JitterMs, point.DelayMs));
    }

    [Fact]
    public void An_RTCP_report_block_gives_its_SSRC_and_the_packets_lost_so_far_to_the_QoS_series()
    {
        // As heplify and captagent send RTCP (HEP type 5, JSON, the Call-ID as correlation id).
        var json = """{"type":201,"ssrc":305419896,"report_count":1,"report_blocks":[{"source_ssrc":2864434397,"fraction_lost":13,"packets_lost":42,"highest_seq_no":1200,"ia_jitter":160,"lsr":0,"dlsr":0}]}""";
        var rtcp = new StoredMessage(200, Start.AddSeconds(5), MessageProfile.Rtcp, 5, null, null, null, null, null, null, null, null,
            LeggedCall.Caller, 40001, IPAddress.Parse("198.51.100.20"), 50001, 2001, null, ALeg, null, Encoding.UTF8.GetBytes(json));

        var stream = Assert.Single(QosSeries.Build([ALeg], [rtcp]));
        Assert.Equal(("rtcp", "0xAABBCCDD"), (stream.Source, stream.Ssrc));
        var point = Assert.Single(stream.Points);
        Assert.Equal(42, point.PacketsLost);
        Assert.Equal(20.0, point.JitterMs);
    }

    [Theory]
    [InlineData("plain@example.com")]
    [InlineData("with:colons:inside@[2001:db8::1]")]
    [InlineData("")]
    public void Dialog_cursors_round_trip_any_Call_ID_and_refuse_what_the_API_did_not_give_out(string callId)
    {
        var at = new DateTimeOffset(2026, 11, 27, 6, 0, 0, TimeSpan.Zero).AddTicks(1234560);
        Assert.True(DialogCursor.TryDecode(DialogCursor.Encode(at, callId), out var decodedAt, out var decodedId));
        Assert.Equal((at, callId), (decodedAt, decodedId));
        Assert.False(DialogCursor.TryDecode("not base64!", out _, out _));
        Assert.False(DialogCursor.TryDecode(Convert.ToBase64String(Encoding.UTF8.GetBytes("no-time:" + callId)), out _, out _));
    }

    /// <summary>A stored-message record as the ingest decoder fills it, from the SIP text.</summary>
    internal static StoredMessage Stored(SipCalls.Leg leg, long id)
    {
        var payload = Encoding.UTF8.GetBytes(leg.Text);
        Assert.True(SipParser.TryParse(payload, out var sip, out _));
        string? S(SipSlice s) => s.IsEmpty ? null : s.ToString(payload);
        return new StoredMessage(id, leg.Timestamp, MessageProfile.Call, 1,
            sip.IsRequest ? S(sip.Method) : null, sip.IsRequest ? null : sip.StatusCode, sip.IsRequest ? null : S(sip.ReasonPhrase),
            S(sip.CallId), S(sip.From.Uri.User), S(sip.To.Uri.User), null, null,
            leg.Source, leg.SourcePort, leg.Destination, leg.DestinationPort, 2001, "test", S(sip.XCid), null, payload)
        {
            ToTag = S(sip.To.Tag),
            CSeqNumber = sip.CSeqNumber,
            CSeqMethod = S(sip.CSeqMethod),
        };
    }

    private static long Micros(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks / 10;
}
