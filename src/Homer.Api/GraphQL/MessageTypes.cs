using GraphQL;
using GraphQL.Types;
using Homer.Api.Auth;
using Homer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api.GraphQL;

public sealed class MessageProfileEnum : EnumerationGraphType<MessageProfile>
{
    public MessageProfileEnum()
    {
        Name = "MessageProfile";
        Description = "The table family of a message. SIP goes by its CSeq method, so replies follow their request: CALL " +
                      "(INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, REFER, INFO, NOTIFY), REGISTRATION (REGISTER), DEFAULT (every " +
                      "other SIP transaction: OPTIONS, SUBSCRIBE, MESSAGE, PUBLISH, …). Other payloads: QOS, RTCP, LOG, GENERIC.";
    }
}

public sealed class MessageFilterInputType : InputObjectGraphType<MessageFilter>
{
    public MessageFilterInputType()
    {
        Name = "MessageFilter";
        Description = "Which messages to return. Every field is optional; fields combine with AND, list values with OR. " +
                      "Text fields match exactly unless they contain * (any characters) or ? (one character).";
        Field<DateTimeScalar>("from").Description("Earliest capture time, inclusive.");
        Field<DateTimeScalar>("to").Description("Latest capture time, inclusive.");
        Field<StringGraphType>("callId").Description("Exact Call-ID.");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("callIds").Description("Any of these Call-IDs.");
        Field<StringGraphType>("correlationId");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("methods").Description("SIP request methods, e.g. [\"INVITE\", \"BYE\"].");
        Field<ListGraphType<NonNullGraphType<IntGraphType>>>("statusCodes").Description("SIP response codes.");
        Field<StringGraphType>("fromUser");
        Field<StringGraphType>("toUser");
        Field<StringGraphType>("ruriUser");
        Field<StringGraphType>("fromDomain");
        Field<StringGraphType>("toDomain");
        Field<StringGraphType>("ruriDomain");
        Field<StringGraphType>("userAgent").Description("User-Agent, or Server for responses.");
        Field<StringGraphType>("srcIp").Description("Source address or subnet (CIDR).");
        Field<StringGraphType>("dstIp").Description("Destination address or subnet (CIDR).");
        Field<StringGraphType>("anyIp").Description("Source or destination address or subnet.");
        Field<IntGraphType>("srcPort");
        Field<IntGraphType>("dstPort");
        Field<IntGraphType>("anyPort");
        Field<LongGraphType>("captureId");
        Field<StringGraphType>("node");
        Field<ListGraphType<NonNullGraphType<IntGraphType>>>("protocolTypes").Description("HEP payload types: 1 SIP, 5 RTCP, 100 log, …");
        Field<StringGraphType>("payloadContains").Description("Raw payload contains this text (case-sensitive). Needs the user role (viewers too with HOMER_VIEWER_PAYLOADS=on).");
        Field<ListGraphType<NonNullGraphType<MessageProfileEnum>>>("profiles")
            .Description("Any of these table families; for SIP the transaction type: CALL, REGISTRATION or DEFAULT (other).");
        Field<StringGraphType>("cseq")
            .Description("CSeq number, method or both as written in the header: \"102 INVITE\", \"102\", \"invite\". Replies carry their request's CSeq.");
        Field<StringGraphType>("reason")
            .Description("Response reason phrase contains this text, case-insensitive (\"busy\" finds \"Busy Here\"); * and ? are wildcards inside it.");
        Field<StringGraphType>("diversion")
            .Description("URI of the (first, most recent) Diversion header: a user (\"900\", \"+4930123\") matches the user of a sip/sips URI or the number " +
                         "of a tel URI; \"user@host\" (scheme optional) must match both. Case-insensitive; * and ? are wildcards.");
        Field<ListGraphType<NonNullGraphType<HeaderConditionInputType>>>("headers")
            .Description("Conditions on any SIP header, all of which must hold (at most 8): the header by name, any case, compact forms folded " +
                         "(i/Call-ID, f/From, t/To, m/Contact, v/Via, …); the whole value exact, or with * and ? wildcards (\"*+4930*\"), case-sensitive. " +
                         "Needs from and to: the payloads of that range are read (no index); the total is counted up to 10 000 (totalCountExact). " +
                         "Needs the user role, as payloadContains does.");
        Field<ListGraphType<NonNullGraphType<HeaderConditionInputType>>>("fields")
            .Description("Conditions on configured header fields (headerFields), all of which must hold: an exact value is answered by an index; " +
                         "a value with * or ? needs from and to.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        T? Get<T>(string name) => value.TryGetValue(name, out var v) && v is not null ? (T)v : default;
        IReadOnlyList<T>? List<T>(string name) =>
            value.TryGetValue(name, out var v) && v is IEnumerable<object?> items ? items.Select(i => (T)Convert.ChangeType(i!, typeof(T), System.Globalization.CultureInfo.InvariantCulture)).ToList() : null;
        return new MessageFilter
        {
            From = value.TryGetValue("from", out var from) ? (DateTimeOffset?)from : null,
            To = value.TryGetValue("to", out var to) ? (DateTimeOffset?)to : null,
            CallId = Get<string>("callId"),
            CallIds = List<string>("callIds"),
            CorrelationId = Get<string>("correlationId"),
            Methods = List<string>("methods"),
            StatusCodes = List<int>("statusCodes"),
            FromUser = Get<string>("fromUser"),
            ToUser = Get<string>("toUser"),
            RuriUser = Get<string>("ruriUser"),
            FromDomain = Get<string>("fromDomain"),
            ToDomain = Get<string>("toDomain"),
            RuriDomain = Get<string>("ruriDomain"),
            UserAgent = Get<string>("userAgent"),
            SourceIp = Get<string>("srcIp"),
            DestinationIp = Get<string>("dstIp"),
            AnyIp = Get<string>("anyIp"),
            SourcePort = value.TryGetValue("srcPort", out var sp) ? (int?)sp : null,
            DestinationPort = value.TryGetValue("dstPort", out var dp) ? (int?)dp : null,
            AnyPort = value.TryGetValue("anyPort", out var ap) ? (int?)ap : null,
            CaptureId = value.TryGetValue("captureId", out var cap) ? (long?)cap : null,
            Node = Get<string>("node"),
            ProtocolTypes = List<int>("protocolTypes"),
            PayloadContains = Get<string>("payloadContains"),
            Profiles = value.TryGetValue("profiles", out var profiles) && profiles is IEnumerable<object?> ps
                ? ps.Select(p => (MessageProfile)p!).ToList()
                : null,
            CSeq = Get<string>("cseq"),
            Reason = Get<string>("reason"),
            Diversion = Get<string>("diversion"),
            Headers = Conditions("headers"),
            Fields = Conditions("fields"),
        };

        IReadOnlyList<HeaderCondition>? Conditions(string name) =>
            value.TryGetValue(name, out var v) && v is IEnumerable<object?> items ? items.OfType<HeaderCondition>().ToList() : null;
    }
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
        Field<StringGraphType>("payload")
            .Description("The raw payload as UTF-8 text; null for viewers unless HOMER_VIEWER_PAYLOADS=on (payloads hold personal data).")
            .Resolve(c => c.RequestServices!.GetRequiredService<AuthOptions>().MaySeePayloads(c.Caller()) ? c.Source.PayloadText : null);
        Field(x => x.Transport, nullable: true).Description("UDP, TCP, TLS, WS, WSS or SCTP.");
        Field(x => x.Vlan, nullable: true);
        Field(x => x.FromDomain, nullable: true);
        Field(x => x.ToDomain, nullable: true);
        Field(x => x.RuriDomain, nullable: true);
        Field(x => x.FromTag, nullable: true);
        Field(x => x.ToTag, nullable: true);
        Field("cseq", x => x.CSeqNumber, nullable: true);
        Field("cseqMethod", x => x.CSeqMethod, nullable: true);
        Field<NonNullGraphType<MessageProfileEnum>>("profile").Resolve(c => c.Source.Profile)
            .Description("Table family; for SIP the transaction type by CSeq method (CALL, REGISTRATION, DEFAULT).");
        Field("headers", x => x.HeadersJson, nullable: true).Description("Other parsed header fields (Via, Contact, PAI, Diversion, Reason, …) as a JSON object.");
        Field<StringGraphType>("fields").Resolve(c => c.Source.FieldsJson)
            .Description("Configured header fields (headerFields) found in this message at ingest, as a JSON object; null when none.");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("header")
            .Argument<NonNullGraphType<StringGraphType>>("name", "Header name, any case; compact forms folded.")
            .Description("Values of every occurrence of a header in the payload, in order (empty when absent); null for viewers unless HOMER_VIEWER_PAYLOADS=on.")
            .Resolve(c => c.RequestServices!.GetRequiredService<AuthOptions>().MaySeePayloads(c.Caller())
                ? SipHeaderNames.Values(c.Source.Payload, c.GetArgument<string>("name"))
                : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LongGraphType>>>>("captureIds").Resolve(c => c.Source.CaptureIds)
            .Description("Every capture id that saw this message (several with de-duplication).");
        Field<NonNullGraphType<StringGraphType>>("cursor").Resolve(c => c.Source.Cursor).Description("Pass as `after` to continue after this message.");
    }
}

public sealed class MessageConnectionType : ObjectGraphType<MessagePage>
{
    public MessageConnectionType()
    {
        Name = "MessageConnection";
        Field<NonNullGraphType<LongGraphType>>("totalCount").Resolve(c => c.Source.TotalCount)
            .Description("Number of messages matching the filter: exact, except for header searches, whose count stops at 10 000 (see totalCountExact).");
        Field<NonNullGraphType<BooleanGraphType>>("totalCountExact").Resolve(c => c.Source.TotalCountExact)
            .Description("False when counting stopped at the cap: there are at least totalCount matches.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MessageType>>>>("nodes").Resolve(c => c.Source.Nodes);
        Field<NonNullGraphType<PageInfoType>>("pageInfo").Resolve(c => c.Source);
    }
}

public sealed class PageInfoType : ObjectGraphType<MessagePage>
{
    public PageInfoType()
    {
        Name = "PageInfo";
        Field<NonNullGraphType<BooleanGraphType>>("hasNextPage").Resolve(c => c.Source.HasNextPage);
        Field<StringGraphType>("endCursor").Resolve(c => c.Source.EndCursor).Description("Cursor of the last node; pass it as `after`.");
    }
}
