using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Homer.Cluster.Tests;

/// <summary>A Homer.Node running as its own process on loopback, as in production (one node per process).</summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;

    public string Name { get; }
    public int AkkaPort { get; }
    public IPEndPoint Hep { get; }
    public HttpClient Http { get; }
    public string LogFile { get; }

    private NodeProcess(string name, Process process, int akkaPort, IPEndPoint hep, HttpClient http, string logFile)
    {
        Name = name;
        _process = process;
        AkkaPort = akkaPort;
        Hep = hep;
        Http = http;
        LogFile = logFile;
    }

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Homer.Actors.sln")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    public static int FreePort(SocketType type = SocketType.Stream)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static NodeProcess Start(string name, string connectionString, int akkaPort, string seeds,
        string roles = "ingest,dialog,api", IReadOnlyDictionary<string, string>? environment = null)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0
        var dll = Path.Combine(RepositoryRoot, "src", "Homer.Node", "bin", configuration, "net10.0", "homer-node.dll");
        var hep = new IPEndPoint(IPAddress.Loopback, FreePort(SocketType.Dgram));
        var httpPort = FreePort();
        var logFile = Path.Combine(Path.GetTempPath(), $"homer-cluster-test-{name}-{Environment.ProcessId}.log");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        var env = start.Environment;
        env["HOMER_DB"] = connectionString;
        env["HOMER_HEP_UDP"] = hep.ToString();
        env["HOMER_HEP_TCP"] = "off";
        env["HOMER_HTTP"] = $"http://127.0.0.1:{httpPort}";
        env["HOMER_AKKA_HOST"] = "127.0.0.1";
        env["HOMER_AKKA_PORT"] = akkaPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["HOMER_SEEDS"] = seeds;
        env["HOMER_ENVIRONMENT"] = "test";
        env["HOMER_ROLES"] = roles;
        env["HOMER_NODE_NAME"] = name;
        env["HOMER_AUTH"] = "off";
        env["HOMER_SPOOL_DIR"] = "off";
        // HOMER_TEST_CLUSTER_CONFIG points the nodes at another copy (e.g. with akka.loglevel = INFO) to diagnose a failure.
        env["HOMER_CLUSTER_CONFIG"] = Environment.GetEnvironmentVariable("HOMER_TEST_CLUSTER_CONFIG") is { Length: > 0 } diagnostic
            ? diagnostic
            : Path.Combine(RepositoryRoot, "cluster-config");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            env[key] = value;
        var process = Process.Start(start)!;
        var log = new StreamWriter(logFile) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        return new NodeProcess(name, process, akkaPort, hep, http, logFile);
    }

    public async Task WaitHealthy(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                Assert.Fail($"{Name} exited with {_process.ExitCode}; log: {File.ReadAllText(LogFile)}");
            try
            {
                if ((await Http.GetAsync("/healthz")).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        Assert.Fail($"{Name} not healthy after {timeout}; log tail: {Tail()}");
    }

    public string Tail() => string.Join('\n', File.ReadLines(LogFile).TakeLast(30));

    public string AkkaAddress => $"akka.tcp://homer@127.0.0.1:{AkkaPort}";

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the process to end by itself; false on timeout.</summary>
    public async Task<bool> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a container: the node leaves gracefully.</summary>
    public void Terminate()
    {
        if (SendSignal(_process.Id, 15) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) of {Name} failed");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>SIGKILL: no shutdown hooks, no hand-off, no last writes.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>The dialog as GraphQL shows it, or null when the query fails (e.g. its shard is on a dead node).</summary>
    public async Task<JsonElement?> Dialog(string callId)
    {
        try
        {
            using var response = await Http.PostAsJsonAsync("/graphql", new
            {
                // Every field the issue names, so the schema is exercised end to end across processes.
                query = """
                    query ($c: String!) { dialog(callId: $c) {
                      callId kind state startedAt answeredAt endedAt pddMs setupMs durationMs finalStatus finalReason
                      messageCount retransmissions hangupBy firstSeen lastSeen
                      transactions { method cseq branch finalStatus state client server }
                      legs { callId } qosReports { source mosLq mosCq packetLossPct jitterMs } logs { timestamp text } } }
                    """,
                variables = new { c = callId },
            });
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (json.TryGetProperty("errors", out _) || json.GetProperty("data").GetProperty("dialog").ValueKind != JsonValueKind.Object)
                return null;
            return json.GetProperty("data").GetProperty("dialog").Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
        Http.Dispose();
    }
}
