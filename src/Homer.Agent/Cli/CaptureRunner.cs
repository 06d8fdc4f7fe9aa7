using System.Diagnostics;
using Homer.Agent.Capture;
using Homer.Agent.Config;
using Homer.Agent.Output;

namespace Homer.Agent.Cli;

/// <summary>Runs capture inputs (one thread each) through their plans into named outputs, then drains and reports.</summary>
public sealed class CaptureRunner(TextWriter stdout, TextWriter stderr)
{
    public sealed record Input(InputConfig Config, CapturePlan Plan);

    public async Task<int> RunAsync(IReadOnlyList<Input> inputs, Outputs outputs, HepSettings hep, bool dryRun, TimeSpan drainTimeout,
        SummaryFormat summary, CancellationToken token, string? api = null,
        Relay.RelayStats? relay = null, Fleet.FleetSettings? fleet = null)
    {
        var clock = Stopwatch.StartNew();
        var pipelines = new List<CapturePipeline>();
        var sinks = new List<PlanSink>();
        var tasks = new List<Task>();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(token);
        var exit = ExitCodes.Ok;
        var states = new List<ApiServer.InputState>();
        foreach (var input in inputs)
        {
            var c = input.Config;
            var sink = new PlanSink(input.Plan, new HepPacketWriter(hep), outputs, dryRun);
            var pipeline = new CapturePipeline(new CaptureOptions
            {
                SipPorts = PortSet.Parse(c.SipPorts),
                Sniff = c.Sniff,
                WebSocketPorts = PortSet.Parse(c.WsPorts),
                RtpReportSeconds = c.RtpReportSeconds,
            }, sink);
            sinks.Add(sink);
            pipelines.Add(pipeline);
            var control = c.Interface is null ? null : new LiveControl();
            states.Add(new ApiServer.InputState(c, pipeline, sink, control, input.Plan.Name));
        }

        ApiServer? server = null;
        if (api is not null)
        {
            try
            {
                server = new ApiServer(ApiServer.Prefix(api), states, outputs, relay);
            }
            catch (System.Net.HttpListenerException e)
            {
                await stderr.WriteLineAsync($"homer-agent: cannot serve the API on {api}: {e.Message}");
                await outputs.DisposeAsync();
                return ExitCodes.Usage;
            }
        }

        await using var fleetClient = fleet is null ? null : new Fleet.FleetClient(fleet, states, outputs, stderr);
        foreach (var state in states)
        {
            var c = state.Config;
            var pipeline = state.Pipeline;
            var control = state.Control;
            tasks.Add(Task.Factory.StartNew(() =>
            {
                try
                {
                    if (c.Pcap is not null)
                        PcapSource.ReplayFile(c.Pcap, c.Speed, c.Loop, pipeline, failed.Token);
                    else
                        PcapSource.CaptureLive(c.Interface!, c.Filter, c.Promisc, pipeline,
                            () => stderr.WriteLine($"homer-agent: {c.Name}: capturing on {c.Interface}"), failed.Token, control);
                    // On the capture thread, before the outputs drain: the streams still open send their final reports.
                    pipeline.Finish();
                }
                catch (InputException e)
                {
                    lock (stderr) stderr.WriteLine($"homer-agent: {c.Name}: {e.Message}");
                    exit = ExitCodes.InputError;
                    // One broken input stops the run: a half-working agent is harder to notice than a failed one.
                    failed.Cancel();
                }
            }, TaskCreationOptions.LongRunning));
        }

        await Task.WhenAll(tasks);
        if (fleetClient is not null) await fleetClient.DisposeAsync();
        if (server is not null) await server.DisposeAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        var drained = await outputs.FlushAsync(drainTimeout);
        var encodeErrors = sinks.Sum(s => s.EncodeErrors);
        if (exit == ExitCodes.Ok && (!drained || outputs.Dropped > 0 || encodeErrors > 0))
        {
            await stderr.WriteLineAsync(drained
                ? "homer-agent: some packets could not be delivered."
                : "homer-agent: outputs still had queued packets when the drain timeout ran out.");
            exit = ExitCodes.OutputError;
        }

        await outputs.DisposeAsync();
        var stats = CaptureStats.Sum(pipelines.Select(p => p.Stats));
        var groups = outputs.Hep.Values.ToList();
        if (summary == SummaryFormat.Json)
            await stdout.WriteLineAsync(Summary.Json(stats, encodeErrors, groups, seconds, planDropped: sinks.Sum(s => s.PlanDropped),
                jsonWritten: outputs.Json.Count == 0 ? -1 : outputs.Json.Values.Sum(j => j.Written), relay: relay));
        else if (summary == SummaryFormat.Text)
            await stderr.WriteAsync(Summary.Text(stats, encodeErrors, groups, seconds));
        return exit;
    }
}
