using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;

namespace Homer.Api.Dashboard;

/// <summary>
/// Serves the built Vue dashboard at <c>/</c>; unknown paths that are not API routes get index.html so the
/// client-side router can take them (deep links and reloads work).
/// </summary>
public static class DashboardFiles
{
    public static readonly string[] ApiPrefixes = ["/graphql", "/api", "/healthz", "/metrics"];

    /// <summary>The first folder that holds a built dashboard: the configured one, else the usual places.</summary>
    public static string? Locate(string? configured, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return Directory.Exists(configured) ? Path.GetFullPath(configured) : null;
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "wwwroot"),
            Path.Combine(contentRoot, "wwwroot"),
            Path.Combine(contentRoot, "..", "Homer.Dashboard", "dist"),
            Path.Combine(Directory.GetCurrentDirectory(), "src", "Homer.Dashboard", "dist"),
        ];
        return candidates.Select(Path.GetFullPath).FirstOrDefault(p => File.Exists(Path.Combine(p, "index.html")));
    }

    public static void MapDashboard(this WebApplication app, string? root)
    {
        if (root is null)
        {
            app.MapGet("/", () => Results.Text(
                "Homer.Actors is running, but the dashboard is not built: run ./run.sh (or npm run build in src/Homer.Dashboard).",
                statusCode: StatusCodes.Status503ServiceUnavailable));
            return;
        }

        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        async Task Index(HttpContext http)
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.SendFileAsync(files.GetFileInfo("index.html"));
        }
        // A share token holds dots, so its page looks like a file to the fallback below (which leaves file-like paths
        // to the static files, and a missing asset a 404): it gets its own route.
        app.MapGet("/shared/{token}", (Delegate)Index);
        app.MapFallback(async http =>
        {
            var path = http.Request.Path.Value ?? "/";
            if (ApiPrefixes.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)) || !HttpMethods.IsGet(http.Request.Method))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await Index(http);
        });
    }
}
