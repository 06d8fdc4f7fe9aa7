using System.Diagnostics;
using System.Text;
using Xunit;

namespace Homer.TestSupport;

/// <summary>
/// Runs sipcapture's hep-js (npm, installed in tests/oracle with `npm ci`) through tests/oracle/oracle.js, an
/// independent HEP3 implementation to check ours against (codec tests, agent tests).
/// Located relative to the repository (the folder holding Homer.Actors.sln) and node on PATH.
/// </summary>
public static class HepJsOracle
{
    public static readonly string? OracleDirectory = FindOracle();
    public static readonly string? Node = FindOnPath("node");

    public static string? UnavailableReason =>
        OracleDirectory is null ? "tests/oracle/node_modules/hep-js not installed (run `npm ci` in tests/oracle)"
        : Node is null ? "node not found on PATH"
        : null;

    /// <summary>
    /// CI installs node and hep-js (scripts/setup.sh, test.sh), so there a missing oracle is a failure, not a skip:
    /// CI services set CI=true, as .ci/run does.
    /// </summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fails the test, with the reason, when the oracle cannot run.</summary>
    public static void AssertAvailable() => Assert.True(UnavailableReason is null, UnavailableReason);

    private static string? FindOracle()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln")))
                continue;
            var oracle = Path.Combine(dir.FullName, "tests", "oracle");
            return Directory.Exists(Path.Combine(oracle, "node_modules", "hep-js")) ? oracle : null;
        }

        return null;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }

        return null;
    }

    /// <summary>One line in per request, one line out per answer.</summary>
    public static string[] Run(string mode, IEnumerable<string> lines)
    {
        AssertAvailable();
        var start = new ProcessStartInfo(Node!, ["oracle.js", mode])
        {
            WorkingDirectory = OracleDirectory!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        foreach (var line in lines)
            process.StandardInput.WriteLine(line);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(60_000))
            process.Kill();
        Assert.True(process.ExitCode == 0, $"node oracle.js {mode} failed: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}

/// <summary>
/// A fact that needs node and hep-js: skipped, with the reason, when they are missing on a developer's machine; run (and
/// failed by <see cref="HepJsOracle.AssertAvailable"/>) when they are missing in CI.
/// </summary>
public sealed class HepJsFactAttribute : FactAttribute
{
    public HepJsFactAttribute()
    {
        if (HepJsOracle.UnavailableReason is { } reason && !HepJsOracle.InCi)
            Skip = reason + " (with CI=true this fails instead)";
    }
}
