using System.Globalization;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Homer.Api.GraphQL;

/// <summary>
/// ISO-8601 UTC timestamps with microseconds ("2026-11-27T10:00:00.123456Z"): SIP troubleshooting lives in
/// sub-millisecond deltas, so the API never rounds what the capture agent stamped.
/// </summary>
public sealed class DateTimeScalar : ScalarGraphType
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public DateTimeScalar()
    {
        Name = "DateTime";
        Description = "ISO-8601 timestamp in UTC with microseconds, e.g. 2026-11-27T10:00:00.123456Z. Input accepts any ISO-8601 form with an offset.";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        DateTimeOffset d => d.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture),
        DateTime d => d.ToUniversalTime().ToString(Format, CultureInfo.InvariantCulture),
        _ => ThrowSerializationError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        string s => ParseString(s),
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(d.ToUniversalTime()),
        _ => ThrowValueConversionError(value),
    };

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => ParseString((string)s.Value),
        _ => ThrowLiteralConversionError(value),
    };

    private static DateTimeOffset ParseString(string s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            ? d
            : throw new FormatException($"'{s}' is not an ISO-8601 timestamp");
}
