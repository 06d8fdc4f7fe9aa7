using GraphQL;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace Homer.Api.Transport;

/// <summary>
/// Refuses, before anything runs, a request whose string literals or variables hold what no stored text can be
/// compared with: a NUL character (PostgreSQL text never holds one) or an unpaired UTF-16 surrogate (not Unicode).
/// Without it such a value reached PostgreSQL and came back as a generic database error.
/// </summary>
public sealed class TextValuesRule : ValidationRuleBase
{
    public const string Code = "INVALID_VALUE";

    public static readonly TextValuesRule Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (context.Variables is { } variables)
            foreach (var (name, value) in variables)
                if (Problem(value) is { } problem)
                    context.ReportError(new ValidationError(context.Document.Source, Code, $"Variable '${name}' {problem}."));
        return new(new MatchingNodeVisitor<GraphQLStringValue>((node, ctx) =>
        {
            if (Problem(node.Value.Span) is { } problem)
                ctx.ReportError(new ValidationError(ctx.Document.Source, Code, $"A string value {problem}.", node));
        }));
    }

    /// <summary>What is wrong with a text value, or null when it is fine; also used by the HTTP export parameters.</summary>
    public static string? Problem(ReadOnlySpan<char> text)
    {
        if (text.Contains('\0'))
            return "holds a NUL character (\\u0000), which no stored text contains: remove it";
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return "holds an unpaired UTF-16 surrogate, which is not valid Unicode text";
        }
        return null;
    }

    private static string? Problem(object? value) => value switch
    {
        string s => Problem(s.AsSpan()),
        IEnumerable<KeyValuePair<string, object?>> map => map.Select(kv => Problem(kv.Value)).FirstOrDefault(p => p is not null),
        System.Collections.IEnumerable list => list.Cast<object?>().Select(Problem).FirstOrDefault(p => p is not null),
        _ => null,
    };
}
