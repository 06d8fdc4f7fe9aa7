using GraphQL.Types;
using Homer.Storage;

namespace Homer.Api.GraphQL;

public sealed class MessageFilterInputType : InputObjectGraphType<MessageFilter>
{
    public MessageFilterInputType()
    {
        Name = "MessageFilter";
        Description = "Which messages to return. Every field is optional; fields combine with AND.";
        Field(x => x.CallId, nullable: true).Description("Exact Call-ID.");
        Field<DateTimeScalar>("from").Description("Earliest capture time, inclusive.");
        Field<DateTimeScalar>("to").Description("Latest capture time, inclusive.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new MessageFilter
    {
        CallId = value.TryGetValue("callId", out var callId) ? (string?)callId : null,
        From = value.TryGetValue("from", out var from) ? (DateTimeOffset?)from : null,
        To = value.TryGetValue("to", out var to) ? (DateTimeOffset?)to : null,
    };
}

public sealed class MessageType : ObjectGraphType<StoredMessage>
{
    public MessageType()
    {
        Name = "Message";
        Description = "One captured message as stored, in capture-time order.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field<NonNullGraphType<DateTimeScalar>>("timestamp").Resolve(c => c.Source.Timestamp).Description("Capture time as the agent stamped it.");
        Field(x => x.Method, nullable: true).Description("SIP request method; null for responses.");
        Field(x => x.StatusCode, nullable: true).Description("SIP response status; null for requests.");
        Field("reason", x => x.ReasonPhrase, nullable: true);
        Field(x => x.CallId, nullable: true);
        Field(x => x.FromUser, nullable: true);
        Field(x => x.ToUser, nullable: true);
        Field(x => x.RuriUser, nullable: true);
        Field(x => x.UserAgent, nullable: true);
        Field<NonNullGraphType<StringGraphType>>("srcIp").Resolve(c => c.Source.SourceIp.ToString());
        Field("srcPort", x => x.SourcePort);
        Field<NonNullGraphType<StringGraphType>>("dstIp").Resolve(c => c.Source.DestinationIp.ToString());
        Field("dstPort", x => x.DestinationPort);
        Field(x => x.CaptureId);
        Field("node", x => x.NodeName, nullable: true);
        Field(x => x.CorrelationId, nullable: true);
        Field<NonNullGraphType<IntGraphType>>("protocolType").Resolve(c => (int)c.Source.ProtocolType).Description("HEP payload type: 1 SIP, 5 RTCP, 100 log, …");
        Field(x => x.ParseError, nullable: true).Description("Why the payload did not parse as its type says; the message is kept raw.");
        Field<NonNullGraphType<StringGraphType>>("payload").Resolve(c => c.Source.PayloadText).Description("The raw payload as UTF-8 text.");
    }
}

public sealed class MessageConnectionType : ObjectGraphType<MessagePage>
{
    public MessageConnectionType()
    {
        Name = "MessageConnection";
        Field<NonNullGraphType<LongGraphType>>("totalCount").Resolve(c => c.Source.TotalCount).Description("Exact number of messages matching the filter.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MessageType>>>>("nodes").Resolve(c => c.Source.Nodes);
    }
}
