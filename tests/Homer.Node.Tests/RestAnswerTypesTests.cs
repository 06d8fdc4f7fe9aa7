using System.Collections;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Homer.Api.Rest;

namespace Homer.Node.Tests;

/// <summary>
/// The dashboard's types for the REST answers (src/Homer.Dashboard/src/api/rest.generated.ts) come from the records the
/// endpoints write (<see cref="ApiError"/> and the others in Homer.Api/Rest), through the serializer's own contract:
/// the names and nullability are what the JSON carries, so the two cannot drift apart unnoticed.
/// </summary>
public sealed class RestAnswerTypesTests
{
    /// <summary>Every record a REST endpoint answers with that the dashboard reads, in the order the file lists them.</summary>
    private static readonly Type[] Answers = [typeof(ApiError), typeof(ImportAnswer), typeof(SharedCallsAnswer), typeof(SharedMessage)];

    [Fact]
    public void Rest_generated_ts_is_generated_from_the_answer_records()
    {
        var expected = TypeScript(Answers);
        var path = Path.Combine(RepositoryRoot(), "src", "Homer.Dashboard", "src", "api", "rest.generated.ts");
        if (Environment.GetEnvironmentVariable("HOMER_UPDATE_DOCS") == "1")
            File.WriteAllText(path, expected);
        Assert.True(File.Exists(path) && File.ReadAllText(path) == expected,
            "src/Homer.Dashboard/src/api/rest.generated.ts is not what the REST answer records make: regenerate it with HOMER_UPDATE_DOCS=1 dotnet test tests/Homer.Node.Tests --filter RestAnswerTypesTests");
    }

    [Fact]
    public void Names_and_nulls_are_those_the_serializer_writes()
    {
        var json = JsonSerializer.Serialize(
            new ImportAnswer("pcap", 3, 300, 2, 1, 1, 7, null, "2026-01-01T00:00:00.000000Z", null, 0, new Dictionary<string, long> { ["not SIP"] = 1 }, 0.5),
            JsonSerializerOptions.Web);
        Assert.StartsWith("{\"format\":\"pcap\",\"packets\":3,", json);
        Assert.Contains("\"node\":null,", json);
        Assert.Contains("\"skipped\":{\"not SIP\":1}", json);

        var ts = TypeScript(Answers);
        Assert.Contains("  node: string | null\n", ts);
        Assert.Contains("  skipped: Record<string, number>\n", ts);
        Assert.Contains("  messages: SharedMessage[]\n", ts);
        Assert.Contains("  statusCode: number | null\n", ts);
        Assert.Contains("  expiresAt: string\n", ts);
    }

    private static string TypeScript(IEnumerable<Type> types)
    {
        var ts = new StringBuilder();
        ts.Append("// The JSON bodies of the node's REST endpoints, generated from the records in src/Homer.Api/Rest by\n");
        ts.Append("// tests/Homer.Node.Tests/RestAnswerTypesTests.cs: do not edit. After changing a record, regenerate with\n");
        ts.Append("// HOMER_UPDATE_DOCS=1 dotnet test tests/Homer.Node.Tests --filter RestAnswerTypesTests\n");
        foreach (var type in types)
        {
            ts.Append('\n').Append("export interface ").Append(type.Name).Append(" {\n");
            foreach (var property in JsonSerializerOptions.Web.GetTypeInfo(type).Properties)
            {
                ts.Append("  ").Append(property.Name).Append(": ").Append(TypeOf(property.PropertyType));
                if (property.IsGetNullable)
                    ts.Append(" | null");
                ts.Append('\n');
            }
            ts.Append("}\n");
        }
        return ts.ToString();
    }

    private static string TypeOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type == typeof(DateTimeOffset) || type == typeof(DateTime))
            return "string";
        if (type == typeof(bool))
            return "boolean";
        if (type.IsPrimitive || type == typeof(decimal))
            return "number";
        if (Answers.Contains(type))
            return type.Name;
        var dictionary = type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));
        if (dictionary is not null && dictionary.GetGenericArguments()[0] == typeof(string))
            return $"Record<string, {TypeOf(dictionary.GetGenericArguments()[1])}>";
        var sequence = type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        if (sequence is not null && typeof(IEnumerable).IsAssignableFrom(type))
            return TypeOf(sequence.GetGenericArguments()[0]) + "[]";
        // A type with no mapping stops the generator, so a new one gets a deliberate TypeScript type.
        throw new NotSupportedException($"No TypeScript type for {type} in a REST answer.");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Homer.Actors.sln not found above " + AppContext.BaseDirectory);
    }
}
