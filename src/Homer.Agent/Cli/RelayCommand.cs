using System.CommandLine;
using System.Diagnostics;
using System.Net.Sockets;
using Homer.Agent.Output;
using Homer.Agent.Relay;

namespace Homer.Agent.Cli;

/// <summary><c>homer-agent relay</c>: HEP in from remote agents (UDP/TCP), forwarded unchanged and aggregated to the servers.</summary>
public sealed class RelayCommand(TextWriter stdout, TextWriter stderr)
{
    public Command Create(string exitCodeHelp)
    {
        var common = new CommonOptions();
        var listen = new Option<string[]>("--listen")
        {
            Description = "Where remote agents send HEP: udp:ADDRESS:PORT and/or tcp:ADDRESS:PORT, comma-separated or repeated "
                + "(e.g. udp:0.0.0.0:9060,tcp:0.0.0.0:9060). TCP carries HEP3 only (HEPv1/v2 have no length to frame on).",
            Required = true,
        };
        var api = new Option<string?>("--api")
        {
            Description = "Serve GET /api/stats (relay counters: received, forwarded, invalid, buffered; per-server output counters) "
                + "on ADDRESS:PORT, e.g. 127.0.0.1:8090. No authentication: bind to loopback.",
        };
        var command = new Command("relay", "Receive HEP from remote agents and forward every valid packet byte for byte (capture id, "
            + "timestamps and all chunks kept) to the --to servers: several packets per TCP/TLS write, UDP in batches, a disk buffer "
            + "per TCP/TLS server while it is down. Packets that are not HEP are counted and dropped. Runs until interrupted. " + exitCodeHelp)
        {
            listen, api,
        };
        common.AddOutputsTo(command);
        command.Validators.Add(r =>
        {
            try
            {
                HepRelay.ParseListen(r.GetValue(listen) ?? []);
            }
            catch (FormatException e)
            {
                r.AddError($"--listen {e.Message}");
            }
        });
        command.SetAction(async (r, token) =>
        {
            if (await common.DefaultOutputsAsync(r, stderr, Log) is not { } outputs)
                return ExitCodes.OutputError;
            var group = outputs.Hep["default"];
            HepRelay relay;
            try
            {
                relay = new HepRelay(HepRelay.ParseListen(r.GetValue(listen)!), group, Log);
            }
            catch (SocketException e)
            {
                await stderr.WriteLineAsync($"homer-agent: relay cannot listen: {e.Message}");
                await outputs.DisposeAsync();
                return ExitCodes.InputError;
            }

            return await ServeAsync(relay, outputs, r.GetValue(api), TimeSpan.FromSeconds(r.GetValue(common.DrainTimeout)),
                r.GetValue(common.Summary), token);
        });
        return command;
    }

    /// <summary>Runs a started relay until <paramref name="token"/> is cancelled, then drains the outputs and reports.</summary>
    public async Task<int> ServeAsync(HepRelay relay, Outputs outputs, string? apiAddress, TimeSpan drainTimeout, SummaryFormat summary,
        CancellationToken token)
    {
        ApiServer? server = null;
        if (apiAddress is { } address)
        {
            try
            {
                server = new ApiServer(ApiServer.Prefix(address), [], outputs, relay.Stats);
            }
            catch (System.Net.HttpListenerException e)
            {
                await relay.DisposeAsync();
                await outputs.DisposeAsync();
                await stderr.WriteLineAsync($"homer-agent: cannot serve the API on {address}: {e.Message}");
                return ExitCodes.Usage;
            }
        }

        Log($"relay listening on {string.Join(", ", relay.LocalEndPoints)}, forwarding to {string.Join(", ", outputs.Hep.Values.SelectMany(g => g.Outputs).Select(o => o.Name))}");
        var clock = Stopwatch.StartNew();
        try
        {
            await Task.Delay(Timeout.Infinite, token);
        }
        catch (OperationCanceledException)
        {
        }

        // Stop taking packets first, then drain what the outputs hold.
        await relay.DisposeAsync();
        if (server is not null) await server.DisposeAsync();
        var drained = await outputs.FlushAsync(drainTimeout);
        var exit = ExitCodes.Ok;
        if (!drained || outputs.Dropped > 0)
        {
            await stderr.WriteLineAsync(drained
                ? "homer-agent: some packets could not be delivered."
                : "homer-agent: outputs still had queued packets when the drain timeout ran out.");
            exit = ExitCodes.OutputError;
        }

        await outputs.DisposeAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        var groups = outputs.Hep.Values.ToList();
        if (summary == SummaryFormat.Json)
            await stdout.WriteLineAsync(Summary.Json(null, 0, groups, seconds, relay: relay.Stats));
        else if (summary == SummaryFormat.Text)
            await stderr.WriteAsync(Summary.Text(null, 0, groups, seconds, relay: relay.Stats));
        return exit;
    }

    public void Log(string message)
    {
        lock (stderr) stderr.WriteLine($"homer-agent: {message}");
    }
}
