using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Homer.Cli.Commands;

/// <summary>Small helpers to read GraphQL JSON and draw it.</summary>
internal static class Render
{
    public static string S(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "yes" : "no",
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(d == Math.Floor(d) ? "0" : "0.0##", CultureInfo.InvariantCulture),
        JsonArray a => string.Join(",", a.Select(S)),
        _ => node.ToJsonString(),
    };

    public static long L(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l : 0;

    public static bool B(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public static IEnumerable<JsonNode> Items(JsonNode? node) => node is JsonArray a ? a.OfType<JsonNode>() : [];

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var c in columns)
            table.AddColumn(new TableColumn(Markup.Escape(c)));
        return table;
    }

    public static void Row(this Table table, params string[] cells) => table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)).ToArray());

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
