using Akka.Actor;
using Akka.Hosting;
using GraphQL;
using GraphQL.Types;
using Homer.Actors.Contracts;
using Homer.Api.Auth;
using Homer.Api.Flows;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

using Homer.Api.Transport;

namespace Homer.Api.GraphQL;

/// <summary>The ladder and QoS charts of calls (<c>callFlow</c>, <c>qos</c>); merged into <c>Query</c> by <see cref="HomerApiSchema"/>.</summary>
public sealed class CallFlowQueryFields : ObjectGraphType
{
    /// <summary>Call-IDs one request may name, and legs one flow may draw.</summary>
    public const int MaxCallIds = 20;
    /// <summary>Stored messages one flow reads at most; beyond it the flow is drawn from the first ones and says so.</summary>
    public const int MaxFlowMessages = 20_000;
    private static readonly TimeSpan DialogAskTimeout = TimeSpan.FromSeconds(2);

    public CallFlowQueryFields()
    {
        Name = "CallFlowQueryFields";

        Field<NonNullGraphType<CallFlowType>>("callFlow")
            .DatabaseHeavy()
            .Description("The ladder diagram of one call: hosts in order of first appearance (with aliases), one event per SIP message in capture order, QoS reports and logs as markers. With includeLegs the other Call-IDs of the same call (dialog correlation group, X-CID) are drawn too.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("callIds")
            .Argument<BooleanGraphType>("includeLegs", "Follow correlated legs; default true.", a => a.DefaultValue = true)
            .ResolveAsync(async c =>
            {
                var callIds = CallIds(c);
                var services = c.RequestServices!;
                var records = await new CallRecordLoader(services.GetRequiredService<CallRecordQueries>())
                    .LoadAsync(callIds, c.GetArgument("includeLegs", true), MaxCallIds, MaxFlowMessages, c.CancellationToken);
                var aliases = await ActivatorUtilities.GetServiceOrCreateInstance<AliasStore>(services).ListAsync(c.CancellationToken);
                var live = await LiveQosAsync(services, records.CallIds, c.CancellationToken);
                if (records.Truncated)
                    c.Errors.Add(new ExecutionError($"The call has more than {MaxFlowMessages} messages; the flow shows the first {MaxFlowMessages}.") { Code = "TRUNCATED" });
                MediaWindowNotice(c, records);
                return CallFlowBuilder.Build(records.CallIds, records.Messages, aliases, live);
            });

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<QosStreamType>>>>("qos")
            .DatabaseHeavy()
            .Description("RTCP, RTCP-XR, vq-rtcpxr and agent quality reports of these calls as series per stream (SSRC) and direction, for charts.")
            .Argument<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("callIds")
            .ResolveAsync(async c =>
            {
                var callIds = CallIds(c);
                var records = await new CallRecordLoader(c.RequestServices!.GetRequiredService<CallRecordQueries>())
                    .LoadAsync(callIds, includeLegs: false, MaxCallIds, MaxFlowMessages, c.CancellationToken);
                if (records.Truncated)
                    c.Errors.Add(new ExecutionError($"The calls have more than {MaxFlowMessages} messages; the series are drawn from the first {MaxFlowMessages}.") { Code = "TRUNCATED" });
                MediaWindowNotice(c, records);
                return QosSeries.Build(callIds, records.Messages);
            });
    }

    private static void MediaWindowNotice(IResolveFieldContext c, CallRecords records)
    {
        if (records.MediaSearchedUntil is { } until)
            c.Errors.Add(new ExecutionError(
                $"RTCP without a correlation id was looked for only until {until.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} (the first {CallRecordQueries.MaxScanWindow.TotalMinutes} minutes of the call).")
            { Code = "TRUNCATED" });
    }

    private static List<string> CallIds(IResolveFieldContext c)
    {
        var callIds = c.GetArgument<List<string>>("callIds").Where(id => !string.IsNullOrWhiteSpace(id)).Distinct(StringComparer.Ordinal).ToList();
        if (callIds.Count == 0)
            throw new ExecutionError("callIds must name at least one Call-ID") { Code = "BAD_ARGUMENT" };
        if (callIds.Count > MaxCallIds)
            throw new ExecutionError($"callIds may name at most {MaxCallIds} Call-IDs, got {callIds.Count}") { Code = "BAD_ARGUMENT" };
        return callIds;
    }

    /// <summary>Reports the live dialogs hold; a dialog that ended and passivated answers empty, and its reports are in the store.</summary>
    private static async Task<IReadOnlyList<DialogQosNote>> LiveQosAsync(IServiceProvider services, IReadOnlyList<string> callIds, CancellationToken ct)
    {
        IActorRef region;
        try
        {
            region = await services.GetRequiredService<IRequiredActor<DialogRegion>>().GetAsync(ct);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            return [];
        }
        var asks = callIds.Select(async id =>
        {
            try
            {
                var snapshot = await region.Ask<DialogQueries.DialogSnapshot>(new DialogQueries.GetDialog(id), DialogAskTimeout, ct);
                return snapshot.QosReports.Select(r => new DialogQosNote(id, r));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                // The flow is drawn from the store either way; a slow dialog only costs its live-only reports.
                return [];
            }
        });
        return (await Task.WhenAll(asks)).SelectMany(x => x).ToList();
    }
}

public sealed class CallFlowType : ObjectGraphType<CallFlow>
{
    public CallFlowType()
    {
        Name = "CallFlow";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("callIds").Resolve(c => c.Source.CallIds).Description("The Call-IDs drawn, legs included.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FlowHostType>>>>("hosts").Resolve(c => c.Source.Hosts).Description("In column order (first appearance).");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FlowEventType>>>>("events").Resolve(c => c.Source.Events).Description("In capture-time order.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FlowMarkerType>>>>("markers").Resolve(c => c.Source.Markers);
    }
}

public sealed class FlowHostType : ObjectGraphType<FlowHost>
{
    public FlowHostType()
    {
        Name = "FlowHost";
        Field(x => x.Id).Description("\"ip:port\" ([ip]:port for IPv6).");
        Field(x => x.Ip);
        Field(x => x.Port);
        Field(x => x.Alias, nullable: true).Description("From aliases: one for this ip:port, else one for the address (port 0).");
    }
}

public sealed class FlowEventType : ObjectGraphType<FlowEvent>
{
    public FlowEventType()
    {
        Name = "FlowEvent";
        Field<NonNullGraphType<IdGraphType>>("messageId").Resolve(c => c.Source.MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture)).Description("Message.id of the stored message.");
        Field(x => x.CallId);
        Field(x => x.LegIndex).Description("0 for the first Call-ID asked for, 1.. for further legs.");
        Field<NonNullGraphType<DateTimeScalar>>("timestamp").Resolve(c => c.Source.Timestamp);
        Field(x => x.DeltaMs).Description("Milliseconds since the previous event of this flow.");
        Field(x => x.FromHost).Description("FlowHost.id of the sender.");
        Field(x => x.ToHost);
        Field(x => x.Label).Description("\"INVITE (SDP)\", \"407 Proxy Authentication Required\", \"ACK\", …");
        Field(x => x.Method, nullable: true);
        Field(x => x.StatusCode, nullable: true);
        Field("cseq", x => x.CSeq, nullable: true).Description("\"1 INVITE\".");
        Field(x => x.TransactionId, nullable: true).Description("Top-Via branch and CSeq method: a request and its responses share it.");
        Field(x => x.Retransmission).Description("The same message was seen before on the same hop (same branch, CSeq and method or status, or the same bytes).");
        Field(x => x.HasSdp);
        Field(x => x.HasAuth).Description("Authorization or Proxy-Authorization present.");
    }
}

public sealed class FlowMarkerType : ObjectGraphType<FlowMarker>
{
    public FlowMarkerType()
    {
        Name = "FlowMarker";
        Field<NonNullGraphType<DateTimeScalar>>("timestamp").Resolve(c => c.Source.Timestamp);
        Field(x => x.CallId);
        Field(x => x.Kind).Description("QOS or LOG.");
        Field<NonNullGraphType<StringGraphType>>("text")
            .Description($"The QoS summary, or the log line; a log's text is \"{AuthOptions.HiddenLogText}\" for viewers unless HOMER_VIEWER_PAYLOADS=on.")
            .Resolve(c => c.Source.Kind != CallFlow.LogMarker || c.RequestServices!.GetRequiredService<AuthOptions>().MaySeePayloads(c.Caller())
                ? c.Source.Text
                : AuthOptions.HiddenLogText);
    }
}

public sealed class QosPointType : ObjectGraphType<QosPoint>
{
    public QosPointType()
    {
        Name = "QosPoint";
        Field<NonNullGraphType<DateTimeScalar>>("timestamp").Resolve(c => c.Source.Timestamp);
        Field<LongGraphType>("packetsSent").Description("Packets the reporter sent (RTP statistics headers of a BYE or its 200 OK only).").Resolve(c => c.Source.PacketsSent);
        Field<LongGraphType>("packetsReceived").Description("Packets the reporter received (RTP statistics headers of a BYE or its 200 OK only).").Resolve(c => c.Source.PacketsReceived);
        Field(x => x.Mos, nullable: true);
        Field(x => x.PacketLossPct, nullable: true);
        Field(x => x.JitterMs, nullable: true);
        Field(x => x.DelayMs, nullable: true).Description("Round-trip delay where the report gives one (RTCP-XR, RFC 6035 RTD, an agent's rtt), else its delay figure.");
        Field(x => x.PacketsLost, nullable: true).Description("Packets lost so far as the report counts them (RTCP's cumulative lost); null when it gives only a rate.");
    }
}

public sealed class QosStreamType : ObjectGraphType<QosStream>
{
    public QosStreamType()
    {
        Name = "QosStream";
        Field(x => x.CallId);
        Field(x => x.Source).Description("rtcp, rtcp-xr, vq-rtcpxr, agent, or the RTP statistics header of a BYE or its 200 OK (x-rtp-stat, p-rtp-stat, x-siemens-rtp-stats, rtp-rxstat).");
        Field(x => x.Ssrc, nullable: true);
        Field(x => x.Direction).Description("\"src ip:port -> dst ip:port\" of the reports.");
        Field(x => x.Reporter, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<QosPointType>>>>("points").Resolve(c => c.Source.Points);
    }
}
