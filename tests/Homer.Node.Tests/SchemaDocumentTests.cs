using GraphQL.Types;
using Homer.Api;
using Homer.Api.GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Node.Tests;

public sealed class SchemaDocumentTests
{
    [Fact]
    public void Docs_graphql_md_is_generated_from_the_current_schema()
    {
        var services = new ServiceCollection().AddLogging().AddHomerApi(new ApiOptions()).BuildServiceProvider();
        var expected = SchemaDocument.Markdown(services.GetRequiredService<ISchema>());
        var path = Path.Combine(RepositoryRoot(), "docs", "graphql.md");
        if (Environment.GetEnvironmentVariable("HOMER_UPDATE_DOCS") == "1")
            File.WriteAllText(path, expected);
        Assert.True(File.Exists(path) && File.ReadAllText(path) == expected,
            "docs/graphql.md is not the schema the code serves: regenerate it with HOMER_UPDATE_DOCS=1 dotnet test tests/Homer.Node.Tests --filter SchemaDocumentTests");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Homer.Actors.sln not found above " + AppContext.BaseDirectory);
    }
}
