using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;

namespace Homer.Api.Transport;

/// <summary>
/// Headers every response carries, API and dashboard alike: a Content-Security-Policy that lets the built dashboard
/// run (its scripts from this origin, its one inline script by hash, WebSockets to this origin) and nothing else,
/// no MIME sniffing, no framing, and no Referer (share-link tokens travel in URLs).
/// </summary>
public static partial class SecurityHeaders
{
    /// <summary>HOMER_CSP=off: no Content-Security-Policy header (the other headers stay).</summary>
    public const string Off = "off";

    /// <summary>
    /// The default policy. Styles allow 'unsafe-inline' because Vue writes style attributes into static markup it
    /// hoists; scripts do not: the dashboard's own inline script (the theme before first paint) is allowed by its hash.
    /// Images may be blob: URLs: the ladder's PNG export draws the diagram's SVG through one.
    /// </summary>
    public static string DefaultPolicy(IEnumerable<string> inlineScriptHashes) =>
        "default-src 'self'; " +
        "script-src 'self'" + string.Concat(inlineScriptHashes.Select(h => $" 'sha256-{h}'")) + "; " +
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The policy to send: the configured one ("off": none), else the default with the dashboard's inline scripts.</summary>
    public static string? Policy(string? configured, string? dashboardRoot)
    {
        if (configured is { Length: > 0 })
            return configured.Trim() == Off ? null : configured.Trim();
        var index = dashboardRoot is null ? null : Path.Combine(dashboardRoot, "index.html");
        return DefaultPolicy(index is not null && File.Exists(index) ? InlineScriptHashes(File.ReadAllText(index)) : []);
    }

    /// <summary>Base64 SHA-256 of each inline (no src) script's text, as a CSP hash source wants it.</summary>
    public static IReadOnlyList<string> InlineScriptHashes(string html) =>
        InlineScript().Matches(html)
            .Select(m => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups["body"].Value))))
            .ToList();

    public static WebApplication UseSecurityHeaders(this WebApplication app, string? contentSecurityPolicy)
    {
        app.Use(async (http, next) =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (contentSecurityPolicy is not null)
                headers.ContentSecurityPolicy = contentSecurityPolicy;
            await next(http);
        });
        return app;
    }

    [GeneratedRegex(@"<script\b(?![^>]*\bsrc\s*=)[^>]*>(?<body>.*?)</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
