using GraphQL.Types;
using Homer.Actors.Contracts;

namespace Homer.Api.GraphQL;

public sealed class DialogType : ObjectGraphType<DialogQueries.DialogSnapshot>
{
    public DialogType()
    {
        Name = "Dialog";
        Description = "Live state of one Call-ID as its dialog actor holds it.";
        Field(x => x.CallId);
        Field(x => x.MessageCount).Description("SIP messages the dialog has seen.");
        Field<NonNullGraphType<DateTimeScalar>>("firstSeen").Resolve(c => FromMicros(c.Source.FirstSeenMicros));
        Field<NonNullGraphType<DateTimeScalar>>("lastSeen").Resolve(c => FromMicros(c.Source.LastSeenMicros));
    }

    private static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
}
