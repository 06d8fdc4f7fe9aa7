using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Homer.Node.Tests;

/// <summary>A node serving a dashboard folder made from the dashboard's own index.html (the built one when present).</summary>
public sealed class DashboardNodeFixture : NodeFixture
{
    public string DashboardDirectory { get; } = Path.Combine(Path.GetTempPath(), "homer-dashboard-" + Guid.NewGuid().ToString("N"));

    public string IndexHtml { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        var source = Path.Combine(RepoRoot(), "src", "Homer.Dashboard");
        var built = Path.Combine(source, "dist", "index.html");
        IndexHtml = await File.ReadAllTextAsync(File.Exists(built) ? built : Path.Combine(source, "index.html"));
        Directory.CreateDirectory(Path.Combine(DashboardDirectory, "assets"));
        await File.WriteAllTextAsync(Path.Combine(DashboardDirectory, "index.html"), IndexHtml);
        await File.WriteAllTextAsync(Path.Combine(DashboardDirectory, "assets", "app.js"), "console.log('dashboard')");
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(DashboardDirectory, recursive: true);
    }

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings() => [new("DASHBOARD", DashboardDirectory)];

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Homer.Actors.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Security headers on every response, and a Content-Security-Policy the dashboard can live with.</summary>
public sealed class SecurityHeadersTests(DashboardNodeFixture node) : IClassFixture<DashboardNodeFixture>
{
    [Fact]
    public async Task Every_response_carries_the_security_headers()
    {
        using var anonymous = node.Client(null);
        var responses = new List<HttpResponseMessage>
        {
            await anonymous.GetAsync("/"),
            await anonymous.GetAsync("/search/some/deep/link"),
            await anonymous.GetAsync("/assets/app.js"),
            await anonymous.GetAsync("/healthz"),
            await anonymous.GetAsync("/metrics"),
            await anonymous.GetAsync("/api/share/not-a-token"),
            await anonymous.GetAsync("/api/nothing-here"),
            await anonymous.PostAsync("/graphql", new StringContent("{\"query\": \"{ me { username } }\"}", Encoding.UTF8, "application/json")),
            await node.Http.PostAsync("/graphql", new StringContent("{\"query\": \"{ me { username } }\"}", Encoding.UTF8, "application/json")),
        };
        try
        {
            Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.NotFound);
            Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Unauthorized);
            foreach (var response in responses)
            {
                var what = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.PathAndQuery} ({(int)response.StatusCode})";
                Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", what);
                Assert.True(response.Headers.TryGetValues("X-Frame-Options", out var frame) && frame.Single() == "DENY", what);
                Assert.True(response.Headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", what);
                Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), what);
                Assert.Contains("frame-ancestors 'none'", csp!.Single());
            }
        }
        finally
        {
            responses.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task The_policy_allows_the_dashboards_own_inline_script_by_hash_and_no_other_inline_script()
    {
        using var anonymous = node.Client(null);
        using var index = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        var policy = index.Headers.GetValues("Content-Security-Policy").Single();
        var directives = policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d.Split(' ')[1..]);

        var inline = Regex.Matches(node.IndexHtml, @"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(inline); // the theme script that runs before the first paint
        foreach (var script in inline)
            Assert.Contains($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)))}'", directives["script-src"]);
        Assert.DoesNotContain("'unsafe-inline'", directives["script-src"]);
        Assert.DoesNotContain("'unsafe-eval'", directives["script-src"]);
        Assert.Contains("'self'", directives["script-src"]);
        // The dashboard talks to its own origin only: fetch and the GraphQL WebSocket ('self' covers ws: and wss: there).
        Assert.Equal(["'self'"], directives["connect-src"]);
        Assert.Equal(["'none'"], directives["object-src"]);
        // The ladder's PNG export renders its SVG through a blob: image (caught by the browser test).
        Assert.Contains("blob:", directives["img-src"]);
    }
}
