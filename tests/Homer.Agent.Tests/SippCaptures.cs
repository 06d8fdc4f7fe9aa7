namespace Homer.Agent.Tests;

/// <summary>
/// Real sipp calls on loopback, captured with tshark once per test run: UDP and TCP (sipp -t t1). Needs root (CI runs
/// as root), sipp and tshark; <see cref="Available"/> says whether they were made.
/// </summary>
public sealed class SippCaptures : IAsyncLifetime
{
    public const int Calls = 10;
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"homer-agent-sipp-{Guid.NewGuid():N}");
    public string UdpPcap => Path.Combine(Directory, "udp.pcapng");
    public string TcpPcap => Path.Combine(Directory, "tcp.pcapng");
    public bool Available { get; private set; }
    public string Why { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (!Tools.IsRoot || !Tools.Has("sipp") || !Tools.Has("tshark"))
        {
            Why = "needs root, sipp and tshark";
            return;
        }

        System.IO.Directory.CreateDirectory(Directory);
        await Record(UdpPcap, "udp", "");
        await Record(TcpPcap, "tcp", "-t t1");
        Available = true;
    }

    private static async Task Record(string path, string proto, string transport)
    {
        var uasPort = proto == "udp" ? Tools.FreeUdpPort() : Tools.FreeTcpPort();
        var uacPort = proto == "udp" ? Tools.FreeUdpPort() : Tools.FreeTcpPort();
        await Tools.CaptureAsync(path, $"{proto} port {uasPort}", async () =>
        {
            var uas = Tools.Start("sipp", $"-sn uas -i 127.0.0.1 -p {uasPort} {transport} -nostdin -m {Calls}");
            try
            {
                await Task.Delay(500);
                var uac = await Tools.RunAsync("sipp",
                    $"-sn uac 127.0.0.1:{uasPort} -i 127.0.0.1 -p {uacPort} {transport} -nostdin -m {Calls} -r 20 -d 100",
                    TimeSpan.FromSeconds(60));
                Assert.True(uac.Code == 0, $"sipp uac failed ({uac.Code}): {uac.Stderr}");
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await uas.WaitForExitAsync(cts.Token);
            }
            finally
            {
                if (!uas.HasExited) uas.Kill();
            }
        });
    }

    public Task DisposeAsync()
    {
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}
