using GraphQL;
using GraphQL.Types;
using Homer.Storage.Stats;
using Microsoft.Extensions.DependencyInjection;

using Homer.Api.Transport;

namespace Homer.Api.GraphQL;

public sealed class StatsBucketEnum : EnumerationGraphType
{
    public StatsBucketEnum()
    {
        Name = "StatsBucket";
        Add("MINUTE", StatsResolutions.Minute, "1-minute buckets (kept 7 days by default).");
        Add("FIVE_MINUTES", StatsResolutions.FiveMinutes, "5-minute buckets (kept 35 days by default).");
        Add("HOUR", StatsResolutions.Hour, "1-hour buckets (kept 400 days by default).");
    }
}

public sealed class KeyCountType : ObjectGraphType<KeyCount>
{
    public KeyCountType()
    {
        Name = "KeyCount";
        Field(x => x.Key);
        Field(x => x.Count);
    }
}

public sealed class StatsPointType : ObjectGraphType<StatsPoint>
{
    public StatsPointType()
    {
        Name = "StatsPoint";
        Field<NonNullGraphType<DateTimeScalar>>("bucket").Resolve(c => c.Source.Bucket).Description("Start of the bucket (of the range, for totals).");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<KeyCountType>>>>("requests").Resolve(c => c.Source.Requests)
            .Description("SIP requests by method, as captured (a message seen by two agents counts twice).");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<KeyCountType>>>>("responses").Resolve(c => c.Source.Responses)
            .Description("SIP responses by \"status method\", e.g. \"486 INVITE\".");
        Field(x => x.CallAttempts).Description("Ended calls counted for ASR/NER: all but redirected ones and ones that only got a 401/407 (RFC 6076).");
        Field(x => x.CallsAnswered);
        Field(x => x.CallsFailed4xx).Description("Unanswered with a 4xx final other than 401/407 and 487.");
        Field(x => x.CallsFailed5xx);
        Field(x => x.CallsFailed6xx);
        Field(x => x.CallsCancelled).Description("CANCEL or 487.");
        Field(x => x.CallsRedirected);
        Field(x => x.CallsNoFinal).Description("Ended by the idle timeout with no final response.");
        Field(x => x.CallsChallengeOnly).Description("Ended on a 401/407 that was never answered: auth challenges, not attempts.");
        Field(x => x.CallsUserEffective).Description("Unanswered but ended by the user: 480, 486, 600, 603.");
        Field(x => x.Asr, nullable: true).Description("Percent: answered / attempts.");
        Field(x => x.Ner, nullable: true).Description("Percent: (answered + user-effective) / attempts (RFC 6076 SEER).");
        Field(x => x.PddP50Ms, nullable: true).Description("Post-dial delay percentiles, interpolated within fixed histogram buckets (docs/configuration.md).");
        Field(x => x.PddP95Ms, nullable: true);
        Field(x => x.PddAvgMs, nullable: true);
        Field(x => x.SetupP50Ms, nullable: true);
        Field(x => x.SetupP95Ms, nullable: true);
        Field(x => x.AcdSeconds, nullable: true).Description("Average duration of answered calls.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<KeyCountType>>>>("mos").Resolve(c => c.Source.Mos)
            .Description("Calls by average MOS: 1-2, 2-3, 3-3.5, 3.5-4, 4-4.5, 4.5-5.");
        Field(x => x.MosAvg, nullable: true);
        Field(x => x.Registrations).Description("2xx responses to REGISTER.");
        Field(x => x.RegistrationFailures).Description("Final responses ≥ 300 to REGISTER other than 401/407.");
        Field(x => x.RegistrationChallenges).Description("401/407 responses to REGISTER.");
        Field(x => x.CallMessages).Description("SIP messages of the ended calls.");
        Field(x => x.CallRetransmissions);
        Field(x => x.RetransmissionRatio, nullable: true).Description("Percent of the ended calls' SIP messages that were retransmissions.");
    }
}

public sealed class StatsType : ObjectGraphType<StatsResult>
{
    public StatsType()
    {
        Name = "Stats";
        Field<NonNullGraphType<DateTimeScalar>>("from").Resolve(c => c.Source.From);
        Field<NonNullGraphType<DateTimeScalar>>("to").Resolve(c => c.Source.To);
        Field<NonNullGraphType<StatsBucketEnum>>("bucket").Resolve(c => c.Source.ResolutionMinutes);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StatsPointType>>>>("points").Resolve(c => c.Source.Points)
            .Description("One per bucket that has data, in time order.");
        Field<NonNullGraphType<StatsPointType>>("totals").Resolve(c => c.Source.Totals);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<KeyCountType>>>>("topSourceIps").Resolve(c => c.Source.TopSourceIps)
            .Description("The ten sources with the most SIP messages. Heavy hitters: exact while a minute brings fewer than twice HOMER_STATS_TOP_KEYS sources per HEP node and capture id between two flushes, else low by at most 1/(keys+1) of that minute's messages; written every HOMER_STATS_TOP_FLUSH_SECONDS.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<KeyCountType>>>>("topUserAgents").Resolve(c => c.Source.TopUserAgents)
            .Description("The ten User-Agents with the most SIP requests, counted as topSourceIps.");
    }
}

/// <summary>The <c>stats</c> query, merged into <c>Query</c>.</summary>
public sealed class StatsQueryFields : ObjectGraphType
{
    public StatsQueryFields()
    {
        Name = "StatsQueryFields";

        Field<NonNullGraphType<StatsType>>("stats")
            .DatabaseHeavy()
            .Description("VoIP statistics of the whole cluster per time bucket. Calls count in the bucket they started in, once they end. " +
                         "Call KPIs are per HEP node; captureId narrows the message counters only.")
            .Argument<NonNullGraphType<DateTimeScalar>>("from")
            .Argument<NonNullGraphType<DateTimeScalar>>("to")
            .Argument<StatsBucketEnum>("bucket", "Without it: the finest bucket width still kept for the whole range (retention per width, " +
                "docs/configuration.md) that fits in 2400 buckets and is no finer than minBucket; the answer's bucket says which.")
            .Argument<StatsBucketEnum>("minBucket", "The finest width to answer from when bucket is not given (a readable number of points); default MINUTE.")
            .Argument<StringGraphType>("node", "HEP node name.")
            .Argument<LongGraphType>("captureId")
            .ResolveAsync(async c =>
            {
                try
                {
                    var queries = c.RequestServices!.GetRequiredService<StatsQueries>();
                    var from = c.GetArgument<DateTimeOffset>("from");
                    var to = c.GetArgument<DateTimeOffset>("to");
                    var node = c.GetArgument<string?>("node");
                    var captureId = c.GetArgument<long?>("captureId");
                    return c.GetArgument<short?>("bucket") is { } bucket
                        ? await queries.QueryAsync(from, to, bucket, node, captureId, c.CancellationToken)
                        : await queries.QueryFinestAsync(from, to, c.GetArgument<short?>("minBucket") ?? StatsResolutions.Minute, node, captureId,
                            c.CancellationToken);
                }
                catch (ArgumentException e)
                {
                    throw new ExecutionError(e.Message) { Code = "BAD_ARGUMENT" };
                }
            });
    }
}
