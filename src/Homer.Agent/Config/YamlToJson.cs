using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Homer.Agent.Config;

/// <summary>
/// Turns a YAML configuration into the equivalent JSON: plain scalars that read as numbers, booleans or null become
/// those, quoted ones stay strings (YAML 1.2 core schema), so "port: 9060" and "port: '9060'" mean what they say.
/// </summary>
public static class YamlToJson
{
    public static string Convert(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (InvalidOperationException e)
        {
            // Some malformed inputs (an unclosed flow sequence at the end) fail inside the parser without a mark.
            throw new YamlException($"malformed YAML ({e.Message}); check brackets and indentation");
        }
        if (stream.Documents.Count == 0)
            return "null";
        if (stream.Documents.Count > 1)
            throw new YamlException("one YAML document per configuration file, found " + stream.Documents.Count);
        return ToNode(stream.Documents[0].RootNode)?.ToJsonString() ?? "null";
    }

    private static JsonNode? ToNode(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(Key(kv.Key), ToNode(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToNode).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}"),
    };

    private static string Key(YamlNode key) =>
        key is YamlScalarNode { Value: { } k } ? k : throw new YamlException(key.Start, key.End, "mapping keys must be plain strings");

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
            return JsonValue.Create(value);
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !double.IsNaN(number) && !double.IsInfinity(number))
            return JsonValue.Create(number);
        return JsonValue.Create(value);
    }
}
