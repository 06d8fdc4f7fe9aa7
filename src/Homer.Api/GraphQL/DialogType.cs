using GraphQL.Types;
using Homer.Actors.Contracts;
using Homer.Api.Auth;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

public sealed class DialogType : ObjectGraphType<DialogQueries.DialogSnapshot>
{
    public DialogType()
    {
        Name = "Dialog";
        Description = "One Call-ID as its dialog tracks it (or, once it ended and left its host, as the dialogs table summarises it).";
        Field(x => x.CallId);
        Field(x => x.Kind).Description("CALL, REGISTRATION or OTHER.");
        // Text, not a GraphQL enum: the schema had a String here before the state was an enum in C#.
        Field<NonNullGraphType<StringGraphType>>("state").Resolve(c => c.Source.State.ToText()).Description("TRYING, RINGING, ANSWERED, COMPLETED, FAILED, CANCELLED, REDIRECTED; REGISTERED, UNREGISTERED; UNKNOWN when the start was not captured.");
        Field(x => x.MessageCount).Description("SIP messages the dialog has seen, retransmissions included.");
        Field(x => x.Retransmissions).Description("Messages recognised as retransmissions of one already seen.");
        Field<NonNullGraphType<DateTimeScalar>>("firstSeen").Resolve(c => FromMicros(c.Source.FirstSeenMicros));
        Field<NonNullGraphType<DateTimeScalar>>("lastSeen").Resolve(c => FromMicros(c.Source.LastSeenMicros));
        Field<NonNullGraphType<DateTimeScalar>>("startedAt").Resolve(c => FromMicros(c.Source.StartedMicros));
        Field<DateTimeScalar>("answeredAt").Resolve(c => FromMicros(c.Source.AnsweredMicros));
        Field<DateTimeScalar>("endedAt").Resolve(c => FromMicros(c.Source.EndedMicros));
        Field<DateTimeScalar>("expiresAt").Description("Registrations: when the binding expires.").Resolve(c => FromMicros(c.Source.ExpiresMicros));
        Field(x => x.PddMs, nullable: true).Description("Post-dial delay: first INVITE to first 18x.");
        Field(x => x.SetupMs, nullable: true).Description("First INVITE to its 2xx.");
        Field(x => x.DurationMs, nullable: true).Description("2xx to BYE (or to the last message when ended by timeout).");
        Field(x => x.FinalStatus, nullable: true);
        Field(x => x.FinalReason, nullable: true);
        Field(x => x.Q850Cause, nullable: true).Description("Q.850 cause of the Reason header that ended the call.");
        Field(x => x.HangupBy, nullable: true).Description("caller or callee.");
        Field(x => x.EndedByTimeout).Description("No end was seen: the dialog was closed by its idle timeout.");
        Field(x => x.FromUser, nullable: true);
        Field(x => x.ToUser, nullable: true);
        Field(x => x.RuriUser, nullable: true);
        Field(x => x.CorrelationGroup, nullable: true).Description("Call-ID of the leg that groups this call's legs.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TransactionType>>>>("transactions").Resolve(c => c.Source.Transactions);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LegType>>>>("legs").Resolve(c => c.Source.Legs);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<QosReportType>>>>("qosReports").Resolve(c => c.Source.QosReports);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LogEntryType>>>>("logs").Resolve(c => c.Source.Logs);
    }

    internal static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    private static DateTimeOffset? FromMicros(long? micros) => micros is { } m ? FromMicros(m) : null;
}

public sealed class TransactionType : ObjectGraphType<DialogQueries.TransactionView>
{
    public TransactionType()
    {
        Name = "Transaction";
        Description = "One SIP transaction as seen on the wire (top-Via branch + CSeq method).";
        Field(x => x.Method);
        Field<NonNullGraphType<LongGraphType>>("cseq").Resolve(c => c.Source.CSeq);
        Field(x => x.Branch);
        Field(x => x.FinalStatus, nullable: true);
        Field(x => x.State).Description("TRYING, PROCEEDING, COMPLETED, CONFIRMED (ACK of a non-2xx seen) or TERMINATED (2xx to INVITE).");
        Field(x => x.Requests).Description("Requests seen, retransmissions included.");
        Field(x => x.Responses).Description("Distinct responses seen.");
        Field(x => x.Client, nullable: true).Description("ip:port of the client (request sender) as seen on the wire.");
        Field(x => x.Server, nullable: true).Description("ip:port of the server (request receiver).");
    }
}

public sealed class LegType : ObjectGraphType<string>
{
    public LegType()
    {
        Name = "Leg";
        Description = "Another Call-ID of the same call (X-CID or the B2BUA suffix rule).";
        Field<NonNullGraphType<StringGraphType>>("callId").Resolve(c => c.Source);
    }
}

public sealed class QosReportType : ObjectGraphType<QosReport>
{
    public QosReportType()
    {
        Name = "QosReport";
        Field(x => x.Source).Description("rtcp, rtcp-xr, vq-rtcpxr or agent.");
        Field<NonNullGraphType<DateTimeScalar>>("timestamp").Resolve(c => DialogType.FromMicros(c.Source.TimestampMicros));
        Field(x => x.MosLq, nullable: true);
        Field(x => x.MosCq, nullable: true);
        Field(x => x.PacketLossPct, nullable: true);
        Field(x => x.JitterMs, nullable: true);
        Field(x => x.Reporter, nullable: true);
    }
}

public sealed class LogEntryType : ObjectGraphType<LogEntry>
{
    public LogEntryType()
    {
        Name = "LogEntry";
        Field<NonNullGraphType<DateTimeScalar>>("timestamp").Resolve(c => DialogType.FromMicros(c.Source.TimestampMicros));
        Field<NonNullGraphType<StringGraphType>>("text")
            .Description($"The log line; for viewers \"{AuthOptions.HiddenLogText}\" unless HOMER_VIEWER_PAYLOADS=on (logs carry what payloads carry).")
            .Resolve(c => c.RequestServices!.GetRequiredService<AuthOptions>().MaySeePayloads(c.Caller()) ? c.Source.Text : AuthOptions.HiddenLogText);
    }
}
