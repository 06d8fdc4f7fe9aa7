using System.Text.Json;
using Homer.Agent.Config;
using Homer.Hep;

namespace Homer.Agent.Tests;

/// <summary>
/// The self-contained build of scripts/publish-agent.sh, published once into this test project's obj/ folder and
/// published again only when a source it is built from changed (so a test run pays the ~1 min publish only after a
/// change; CI's fresh clone pays it once).
/// </summary>
public sealed class PublishedAgent : IAsyncLifetime
{
    public static readonly string Root = FindRoot();
    public string Directory { get; } = Path.Combine(Root, "tests", "Homer.Agent.Tests", "obj", "published-agent");
    public string Executable => Path.Combine(Directory, "homer-agent");
    public string PublishLog { get; private set; } = "";

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The newest source the published executable is made from.</summary>
    private static DateTime NewestSource()
    {
        var files = new[] { "src/Homer.Agent", "src/Homer.Hep", "src/Homer.Sip" }
            .SelectMany(d => System.IO.Directory.EnumerateFiles(Path.Combine(Root, d), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "scripts/publish-agent.sh" }.Select(f => Path.Combine(Root, f)));
        return files.Max(File.GetLastWriteTimeUtc);
    }

    public async Task InitializeAsync()
    {
        if (File.Exists(Executable) && File.GetLastWriteTimeUtc(Executable) > NewestSource())
            return;
        var psi = new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(Root, "scripts", "publish-agent.sh"), Directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["HOMER_AGENT_BUILD_DIR"] = Path.Combine(Root, "tests", "Homer.Agent.Tests", "obj", "published-agent-build");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await p.WaitForExitAsync(cts.Token);
        PublishLog = await stdout + await stderr;
        if (p.ExitCode != 0) throw new InvalidOperationException($"scripts/publish-agent.sh failed ({p.ExitCode}): {PublishLog}");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The published executable runs where no .NET is installed: the test runs it as its own process from a pcap to a receiver.</summary>
public sealed class PublishedAgentTests(PublishedAgent published) : IClassFixture<PublishedAgent>, IDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("homer-agent-published-").FullName;

    public void Dispose()
    {
        try { System.IO.Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_self_contained_build_captures_a_pcap_to_a_HEP_receiver()
    {
        // One file, the unit and the example configuration; no .NET runtime or framework files beside it.
        Assert.Equal(["homer-agent", "homer-agent.service", "homer-agent.yaml"],
            System.IO.Directory.GetFiles(published.Directory).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        var (lddCode, ldd, _) = await Tools.RunAsync("ldd", published.Executable, TimeSpan.FromSeconds(30));
        Assert.True(lddCode == 0 && !ldd.Contains("not found", StringComparison.Ordinal) && !ldd.Contains("libicu", StringComparison.Ordinal), ldd);

        var call = RtpAnalysisTestsCalls.CallOne();
        var pcap = Path.Combine(_dir, "call.pcap");
        call.Write(pcap);
        await using var receiver = HepReceiver.Tcp();
        var psi = new System.Diagnostics.ProcessStartInfo(published.Executable,
            ["capture", "--pcap", pcap, "--to", receiver.Target, "--summary", "json", "--node-name", "published"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // As on a host without .NET: nothing may come from an installed runtime or SDK.
        psi.Environment.Remove("DOTNET_ROOT");
        psi.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        using var agent = System.Diagnostics.Process.Start(psi)!;
        var stdout = agent.StandardOutput.ReadToEndAsync();
        var stderr = agent.StandardError.ReadToEndAsync();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await agent.WaitForExitAsync(cts.Token);
        Assert.True(agent.ExitCode == 0, $"exit {agent.ExitCode}: {await stderr}");
        var summary = JsonDocument.Parse(await stdout).RootElement;
        Assert.Equal(5, summary.GetProperty("sip").GetInt64());
        Assert.Equal(6, summary.GetProperty("rtpReports").GetInt64());

        await receiver.SettleAsync(TimeSpan.FromMilliseconds(200));
        var messages = receiver.Messages.ToList();
        Assert.Equal(11, messages.Count);
        Assert.All(messages, m => Assert.Equal("published", m.NodeName));
        Assert.Equal(5, messages.Count(m => m.ProtocolType == HepProtocolType.Sip && System.Text.Encoding.ASCII.GetString(m.Payload.Span).Contains(call.CallId, StringComparison.Ordinal)));
        Assert.All(messages.Where(m => m.ProtocolType == HepProtocolType.QosJson), m => Assert.Equal(call.CallId, m.CorrelationId));
    }

    [Fact]
    public void The_example_configuration_shipped_beside_it_is_valid()
    {
        var config = AgentConfig.Load(Path.Combine(published.Directory, "homer-agent.yaml"));
        var input = Assert.Single(config.Inputs);
        Assert.Equal(("eth0", 10), (input.Interface, input.RtpReportSeconds));
        Assert.Contains("ExecStart=/opt/homer-agent/homer-agent --config /etc/homer-agent/homer-agent.yaml",
            File.ReadAllText(Path.Combine(published.Directory, "homer-agent.service")), StringComparison.Ordinal);
    }
}
