using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Homer.Agent.Tests;

public static class Tools
{
    public static bool IsRoot => Environment.UserName == "root";

    public static bool Has(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public static int FreeTcpPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string args, TimeSpan timeout)
    {
        var p = Start(file, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {args} did not finish in {timeout}");
        }

        return (p.ExitCode, await stdout, await stderr);
    }

    public static Process Start(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
    }

    /// <summary>
    /// Captures loopback traffic matching <paramref name="filter"/> with tshark while <paramref name="traffic"/> runs.
    /// tshark is stopped with SIGINT (by its pid) so it finishes the file.
    /// </summary>
    public static async Task CaptureAsync(string path, string filter, Func<Task> traffic)
    {
        var tshark = Start("tshark", $"-i lo -f \"{filter}\" -w {path} -q");
        var started = new TaskCompletionSource();
        _ = Task.Run(async () =>
        {
            while (await tshark.StandardError.ReadLineAsync() is { } line)
                if (line.Contains("Capturing on", StringComparison.Ordinal))
                    started.TrySetResult();
            started.TrySetResult();
        });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        try
        {
            await traffic();
            await Task.Delay(500);
        }
        finally
        {
            await RunAsync("kill", $"-INT {tshark.Id}", TimeSpan.FromSeconds(5));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await tshark.WaitForExitAsync(cts.Token);
        }
    }

    /// <summary>tshark's view of the SIP in a capture: one row per SIP message.</summary>
    public static async Task<List<SipRow>> TsharkSipAsync(string path, bool tcp)
    {
        var port = tcp ? "tcp" : "udp";
        var (code, stdout, stderr) = await RunAsync("tshark",
            $"-r {path} -Y sip -T fields -E separator=/t -E occurrence=a -E aggregator=| -e frame.time_epoch -e ip.src -e {port}.srcport -e ip.dst -e {port}.dstport -e sip.Call-ID -e sip.CSeq",
            TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stderr);
        var rows = new List<SipRow>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            var micros = ParseEpoch(f[0]);
            var callIds = f[5].Split('|');
            var cseqs = f[6].Split('|');
            for (var i = 0; i < callIds.Length; i++)
                rows.Add(new SipRow(micros, f[1], int.Parse(f[2]), f[3], int.Parse(f[4]), callIds[i], cseqs[i]));
        }

        return rows;
    }

    public static long ParseEpoch(string s)
    {
        var dot = s.IndexOf('.');
        var sec = long.Parse(s[..dot]);
        var frac = (s[(dot + 1)..] + "000000")[..6];
        return sec * 1_000_000 + long.Parse(frac);
    }
}

public sealed record SipRow(long Micros, string Source, int SourcePort, string Destination, int DestinationPort, string CallId, string CSeq);
