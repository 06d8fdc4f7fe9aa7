using System.Globalization;
using System.Text.Json;
using GraphQL.Types;

namespace Homer.Api.Export;

/// <summary>
/// Reads a GraphQL input object given as plain JSON (an HTTP endpoint's body) the way a GraphQL variable is read: by
/// the schema's own input type, so the export's <c>filter</c> means exactly what the <c>messages</c> query's does,
/// fields added to <c>MessageFilter</c> included. Unknown fields and values of the wrong type are errors, never ignored.
/// </summary>
public static class InputJson
{
    public static object Parse(IInputObjectGraphType type, JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{path} must be an object");
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in json.EnumerateObject())
        {
            var field = type.Fields.Find(property.Name)
                ?? throw new FormatException($"{path}.{property.Name} is not a field of {type.Name}");
            values[property.Name] = Value(field.ResolvedType ?? throw new InvalidOperationException("schema not initialised"),
                property.Value, path + "." + property.Name);
        }
        return type.ParseDictionary(values);
    }

    private static object? Value(IGraphType type, JsonElement json, string path)
    {
        if (type is NonNullGraphType nonNull)
        {
            if (json.ValueKind == JsonValueKind.Null)
                throw new FormatException($"{path} must not be null");
            return Value(nonNull.ResolvedType!, json, path);
        }
        if (json.ValueKind == JsonValueKind.Null)
            return null;
        switch (type)
        {
            case ListGraphType list:
                // A single value where a list is expected is a one-item list, as in GraphQL input coercion.
                return json.ValueKind == JsonValueKind.Array
                    ? json.EnumerateArray().Select((item, i) => Value(list.ResolvedType!, item, $"{path}[{i}]")).ToList()
                    : [Value(list.ResolvedType!, json, path)];
            case IInputObjectGraphType input:
                return Parse(input, json, path);
            case EnumerationGraphType enumeration:
                return json.ValueKind == JsonValueKind.String ? enumeration.ParseValue(json.GetString())
                    : throw new FormatException($"{path} must be one of {string.Join(", ", enumeration.Values.Select(v => v.Name))}");
            case ScalarGraphType scalar:
                try
                {
                    return scalar.ParseValue(json.ValueKind switch
                    {
                        JsonValueKind.String => json.GetString(),
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        JsonValueKind.Number when json.TryGetInt32(out var i) => i,
                        JsonValueKind.Number when json.TryGetInt64(out var l) => l,
                        JsonValueKind.Number => json.GetDouble(),
                        _ => throw new FormatException($"{path} must be a {scalar.Name}"),
                    });
                }
                catch (Exception e) when (e is not FormatException)
                {
                    throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: {e.Message}"));
                }
            default:
                throw new FormatException($"{path} has a type ({type.Name}) an export cannot read");
        }
    }
}
