using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Homer.Agent.Capture;
using Homer.Agent.Config;
using Homer.Agent.Output;
using Homer.Agent.Pipe;
using Homer.Hep;

namespace Homer.Agent.Cli;

/// <summary>The homer-agent command line. Writers are parameters so tests can run it in-process.</summary>
public sealed class AgentCli(TextWriter stdout, TextWriter stderr, TextReader stdin)
{
    private const string ExitCodeHelp =
        "Exit codes: 0 input finished and every packet handed to the outputs; 1 unexpected failure; 2 bad command line; "
        + "3 input cannot be opened or read; 4 an output could not be set up, or packets were dropped or left queued at the end.";

    public async Task<int> RunAsync(string[] args, CancellationToken token = default)
    {
        var root = new RootCommand("homer-agent: captures SIP from pcap files or interfaces and sends it as HEP; sends log lines as HEP. "
            + ExitCodeHelp);
        root.Subcommands.Add(CaptureCommand());
        root.Subcommands.Add(PipeCommand());
        root.Subcommands.Add(new RelayCommand(stdout, stderr).Create(ExitCodeHelp));
        AddConfigMode(root);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) await stderr.WriteLineAsync($"homer-agent: {e.Message}");
            await stderr.WriteLineAsync("Try 'homer-agent --help'.");
            return ExitCodes.Usage;
        }

        var config = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // SIGTERM/Ctrl+C cancel the run; the agent then drains its outputs for --drain-timeout and exits by itself,
            // so the library's 2-second default must not cut that short.
            ProcessTerminationTimeout = TimeSpan.FromMinutes(10),
        };
        try
        {
            return await parse.InvokeAsync(config, token);
        }
        catch (Exception e)
        {
            await stderr.WriteLineAsync($"homer-agent: unexpected failure: {e}");
            return ExitCodes.Failure;
        }
    }

    /// <summary><c>homer-agent --config FILE</c>: inputs, outputs and capture plans from a JSON file.</summary>
    private void AddConfigMode(RootCommand root)
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = "Run the inputs, outputs and capture plans of this JSON file (syntax in docs/agent.md). "
                + "File inputs end the run when read; live inputs run until interrupted.",
        };
        var summary = new Option<SummaryFormat>("--summary")
        {
            Description = "With --config: statistics at the end, 'text' on stderr (default), 'json' on stdout, or 'none'.",
            DefaultValueFactory = _ => SummaryFormat.Text,
        };
        var drain = new Option<double>("--drain-timeout")
        {
            Description = "With --config: seconds to wait at the end for TCP queues to empty (exit code 4 if they do not).",
            DefaultValueFactory = _ => 10,
        };
        root.Options.Add(config);
        root.Options.Add(summary);
        root.Options.Add(drain);
        root.SetAction(async (r, token) =>
        {
            if (r.GetValue(config) is not { } file)
            {
                await stderr.WriteLineAsync("homer-agent: give a command (capture, pipe) or --config FILE. Try 'homer-agent --help'.");
                return ExitCodes.Usage;
            }

            AgentConfig cfg;
            try
            {
                cfg = AgentConfig.Load(file.FullName);
            }
            catch (ConfigException e)
            {
                await stderr.WriteLineAsync($"homer-agent: {e.Message}");
                return ExitCodes.Usage;
            }

            var outputs = new Outputs();
            try
            {
                foreach (var (name, o) in cfg.Outputs)
                {
                    if (o.Type == OutputType.Json)
                    {
                        outputs.Json[name] = o.Url is { } url ? new JsonHttpOutput(name, new Uri(url)) : new JsonFileOutput(name, o.File!);
                        continue;
                    }

                    if (o.Type == OutputType.Csv)
                    {
                        outputs.Csv[name] = new CsvOutput(name, o.File!);
                        continue;
                    }

                    var members = new List<IHepOutput>();
                    var index = 0;
                    foreach (var t in o.To!)
                    {
                        HepTarget.TryParse(t, out var target, out _);
                        members.Add(HepOutputGroup.Create(target!, new TcpOutputSettings
                        {
                            DiskBufferPath = o.DiskBuffer is null ? null : Path.Combine(o.DiskBuffer, $"{name}-{index++}-{target!.Port}.buf"),
                            DiskBufferBytes = o.DiskBufferMb << 20,
                            Tls = o.Tls?.ToSettings(),
                            Log = Log,
                        }));
                    }

                    outputs.Hep[name] = new HepOutputGroup(name, members, o.Mode);
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException
                                           or FormatException or System.Security.Cryptography.CryptographicException)
            {
                await outputs.DisposeAsync();
                await stderr.WriteLineAsync($"homer-agent: output setup failed: {e.Message}");
                return ExitCodes.OutputError;
            }

            var names = cfg.Outputs.Keys.ToHashSet();
            var inputs = cfg.Inputs.Select(i => new CaptureRunner.Input(i,
                i.Plan is null ? CapturePlan.SendAll(names.Single()) : CapturePlan.Compile(i.Plan, cfg.Plans[i.Plan], names))).ToList();
            var hep = new HepSettings
            {
                Version = cfg.Hep.Version == 2 ? HepVersion.V2 : HepVersion.V3,
                CaptureId = cfg.Hep.CaptureId,
                NodeName = cfg.Hep.NodeName,
                AuthKey = cfg.Hep.AuthKey,
                Compress = cfg.Hep.Compress,
            };
            VqReportListener? vq = null;
            if (cfg.VqRtcpxr is { } vqConfig)
            {
                try
                {
                    vq = new VqReportListener(IPEndPoint.Parse(vqConfig.Listen!), outputs.Hep[vqConfig.OutputName(cfg)], hep);
                    await stderr.WriteLineAsync($"homer-agent: accepting vq-rtcpxr PUBLISH on udp {vq.LocalEndPoint}");
                }
                catch (SocketException e)
                {
                    await stderr.WriteLineAsync($"homer-agent: cannot listen on {vqConfig.Listen}: {e.Message}");
                    await outputs.DisposeAsync();
                    return ExitCodes.InputError;
                }
            }

            await using var vqOwner = vq;
            if (cfg.Relay is { } relayConfig)
                return await RunRelayAsync(cfg, relayConfig, inputs, outputs, hep, TimeSpan.FromSeconds(r.GetValue(drain)), r.GetValue(summary), token);
            return await new CaptureRunner(stdout, stderr).RunAsync(inputs, outputs, hep, dryRun: false,
                TimeSpan.FromSeconds(r.GetValue(drain)), r.GetValue(summary), token, cfg.Api, fleet: cfg.Fleet?.Settings(cfg.Hep.NodeName));
        });
    }

    /// <summary>
    /// A configuration with a <c>relay</c>: the relay alone runs until interrupted; with inputs as well, it runs as long
    /// as they do (live inputs: until interrupted) and the API shows both.
    /// </summary>
    private async Task<int> RunRelayAsync(AgentConfig cfg, RelayConfig relayConfig, List<CaptureRunner.Input> inputs, Outputs outputs,
        HepSettings hep, TimeSpan drain, SummaryFormat summary, CancellationToken token)
    {
        var command = new RelayCommand(stdout, stderr);
        Relay.HepRelay relay;
        try
        {
            relay = new Relay.HepRelay(Relay.HepRelay.ParseListen(relayConfig.Listen), outputs.Hep[relayConfig.OutputName(cfg)], command.Log);
        }
        catch (SocketException e)
        {
            await stderr.WriteLineAsync($"homer-agent: relay cannot listen: {e.Message}");
            await outputs.DisposeAsync();
            return ExitCodes.InputError;
        }

        if (inputs.Count == 0)
            return await command.ServeAsync(relay, outputs, cfg.Api, drain, summary, token);
        await using (relay)
        {
            command.Log($"relay listening on {string.Join(", ", relay.LocalEndPoints)}");
            return await new CaptureRunner(stdout, stderr).RunAsync(inputs, outputs, hep, dryRun: false, drain, summary, token, cfg.Api,
                relay.Stats, cfg.Fleet?.Settings(cfg.Hep.NodeName));
        }
    }

    private Command CaptureCommand()
    {
        var common = new CommonOptions();
        var pcap = new Option<FileInfo?>("--pcap") { Description = "Read frames from this pcap or pcapng file." };
        var iface = new Option<string?>("--interface", "-i") { Description = "Capture live from this interface (e.g. eth0, lo, any); needs root or CAP_NET_RAW." };
        var filter = new Option<string?>("--filter") { Description = "BPF filter for live capture, e.g. \"udp port 5060 or tcp port 5060\"." };
        var promisc = new Option<bool>("--promisc") { Description = "Put the interface in promiscuous mode (live capture)." };
        var speed = new Option<ReplaySpeed>("--speed")
        {
            Description = "pcap replay pace: 'max' as fast as possible (default) or 'real' with the recorded gaps between frames.",
            DefaultValueFactory = _ => ReplaySpeed.Max,
        };
        var loop = new Option<bool>("--loop") { Description = "Replay the file again and again until interrupted (Ctrl+C / SIGTERM); timestamps are the recorded ones." };
        var ports = new Option<string[]>("--sip-port")
        {
            Description = "Ports (and ranges, e.g. 5060-5080, comma-separated, repeatable) on which UDP/TCP traffic is taken as SIP.",
            DefaultValueFactory = _ => ["5060-5061"],
        };
        var wsPorts = new Option<string[]>("--ws-port")
        {
            Description = "TCP ports (and ranges, comma-separated, repeatable) carrying SIP over WebSocket (RFC 7118, e.g. 8080 or 5066): "
                + "the HTTP upgrade is skipped, frames unmasked and reassembled, each SIP message sent as HEP (IP protocol TCP). None by default.",
            DefaultValueFactory = _ => [],
        };
        var sniff = new Option<bool>("--sniff")
        {
            Description = "Also look for SIP on every other port by its start line (default true; --sniff false to use the ports only).",
            DefaultValueFactory = _ => true,
        };
        var api = new Option<string?>("--api")
        {
            Description = "Serve the HTTP JSON API on ADDRESS:PORT (e.g. 127.0.0.1:8090): GET /api/stats, GET /api/config, "
                + "PUT /api/inputs/capture/filter {\"filter\":\"BPF\"} to change a live capture's filter. No authentication: bind to loopback.",
        };
        var vqListen = new Option<string?>("--vq-listen")
        {
            Description = "Also accept RTCP-XR session reports (SIP PUBLISH, Event: vq-rtcpxr) on UDP ADDRESS:PORT (e.g. 0.0.0.0:5066): "
                + "answered 200 OK and forwarded to the outputs as SIP, so the server attaches them to their calls.",
        };
        var rtpReport = new Option<int>("--rtp-report-interval")
        {
            Description = "RTP analysis: seconds of capture time between the quality reports of each RTP stream that SDP announced "
                + "(loss, jitter, estimated MOS; HEP type 34 with the call's Call-ID), plus one when the stream ends. 0 turns it off. Default 10.",
            DefaultValueFactory = _ => 10,
        };
        var csv = new Option<FileInfo?>("--csv")
        {
            Description = "Also write every SIP message (and RTCP / RTP report) as a row of this CSV file, beside the HEP output "
                + "(RFC 4180, header row; columns in docs/agent.md). Appends to an existing file.",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Decode, reassemble and encode HEP but send nothing (to check a capture or measure the capture path)." };
        var command = new Command("capture", "Capture SIP (UDP, TCP with stream reassembly, IPv4/IPv6 with fragment reassembly, "
            + "Ethernet/SLL/SLL2/VLAN/QinQ) from a pcap file or an interface and send it as HEP. " + ExitCodeHelp)
        {
            pcap, iface, filter, promisc, speed, loop, ports, wsPorts, sniff, dryRun, api, vqListen, rtpReport, csv,
        };
        common.AddTo(command);
        var fleet = new Fleet.FleetOptions();
        fleet.AddTo(command);
        command.Validators.Add(r =>
        {
            var hasFile = r.GetValue(pcap) is not null;
            var hasIface = r.GetValue(iface) is not null;
            if (hasFile == hasIface) r.AddError("give exactly one input: --pcap FILE or --interface IFACE.");
            if (hasFile && r.GetValue(filter) is not null) r.AddError("--filter applies to --interface only.");
            if (r.GetValue(vqListen) is { } vq && !IPEndPoint.TryParse(vq, out _)) r.AddError($"--vq-listen: '{vq}' is not ADDRESS:PORT.");
            if (r.GetValue(rtpReport) < 0) r.AddError("--rtp-report-interval must be 0 (off) or more seconds.");
            try
            {
                PortSet.Parse(r.GetValue(ports) ?? []);
            }
            catch (FormatException e)
            {
                r.AddError($"--sip-port: {e.Message}");
            }

            try
            {
                PortSet.Parse(r.GetValue(wsPorts) ?? []);
            }
            catch (FormatException e)
            {
                r.AddError($"--ws-port: {e.Message}");
            }
        });
        command.SetAction(async (r, token) =>
        {
            if (await common.DefaultOutputsAsync(r, stderr, Log) is not { } outputs)
                return ExitCodes.OutputError;
            var group = outputs.Hep["default"];
            if (r.GetValue(csv) is { } csvFile)
            {
                try
                {
                    outputs.Csv["csv"] = new CsvOutput("csv", csvFile.FullName);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await outputs.DisposeAsync();
                    await stderr.WriteLineAsync($"homer-agent: cannot write {csvFile.FullName}: {e.Message}");
                    return ExitCodes.OutputError;
                }
            }

            VqReportListener? vq = null;
            if (r.GetValue(vqListen) is { } vqAddress)
            {
                try
                {
                    vq = new VqReportListener(IPEndPoint.Parse(vqAddress), group, common.Settings(r));
                    await stderr.WriteLineAsync($"homer-agent: accepting vq-rtcpxr PUBLISH on udp {vq.LocalEndPoint}");
                }
                catch (SocketException e)
                {
                    await stderr.WriteLineAsync($"homer-agent: cannot listen on {vqAddress}: {e.Message}");
                    await outputs.DisposeAsync();
                    return ExitCodes.InputError;
                }
            }
            await using var vqOwner = vq;
            var input = new InputConfig
            {
                Name = "capture",
                Pcap = r.GetValue(pcap)?.FullName,
                Speed = r.GetValue(speed),
                Loop = r.GetValue(loop),
                Interface = r.GetValue(iface),
                Filter = r.GetValue(filter),
                Promisc = r.GetValue(promisc),
                SipPorts = [.. r.GetValue(ports)!],
                Sniff = r.GetValue(sniff),
                WsPorts = [.. r.GetValue(wsPorts)!],
                RtpReportSeconds = r.GetValue(rtpReport),
            };
            var plan = outputs.Csv.Count == 0 ? CapturePlan.SendAll("default") : CapturePlan.SendAll("default", "csv");
            return await new CaptureRunner(stdout, stderr).RunAsync([new CaptureRunner.Input(input, plan)],
                outputs, common.Settings(r), r.GetValue(dryRun), TimeSpan.FromSeconds(r.GetValue(common.DrainTimeout)),
                r.GetValue(common.Summary), token, r.GetValue(api), fleet: fleet.Settings(r, r.GetValue(common.NodeName)));
        });
        return command;
    }

    private Command PipeCommand()
    {
        var common = new CommonOptions();
        var type = new Option<byte>("--type")
        {
            Description = "HEP protocol type of the packets (chunk 0x000b): 100 logs (default), or e.g. 5 RTCP JSON, 34/35 QoS.",
            DefaultValueFactory = _ => HepProtocolType.Log,
        };
        var file = new Option<FileInfo?>("--file") { Description = "Follow this file as lines are appended (tail -F; survives rotation) instead of reading stdin." };
        var fromStart = new Option<bool>("--from-start") { Description = "With --file: send the lines already in the file first (default: only new lines)." };
        var command = new Command("pipe", "Send hepipe lines 'sec;usec;correlation_id;src_ip;src_port;dst_ip;dst_port;payload' "
            + "from stdin (until end of input) or a followed file (until interrupted) as HEP. Lines that do not parse are "
            + "reported on stderr and skipped. " + ExitCodeHelp)
        {
            type, file, fromStart,
        };
        common.AddTo(command);
        command.SetAction(async (r, token) =>
        {
            HepOutputGroup group;
            try
            {
                group = common.CreateGroup(r, "default", Log);
            }
            catch (OutputSetupException e)
            {
                await stderr.WriteLineAsync($"homer-agent: {e.Message}");
                return ExitCodes.OutputError;
            }

            await using (group)
            {
                var settings = common.Settings(r);
                var protocolType = r.GetValue(type);
                var clock = Stopwatch.StartNew();
                long lines = 0, rejected = 0, encodeErrors = 0;
                var exit = ExitCodes.Ok;
                var source = r.GetValue(file) is { } f
                    ? LineSource.FollowAsync(f.FullName, r.GetValue(fromStart), token)
                    : LineSource.ReadAsync(stdin, token);
                try
                {
                    await foreach (var line in source)
                    {
                        if (line.Length == 0) continue;
                        lines++;
                        if (!HepipeLine.TryParse(line, out var record, out var error))
                        {
                            rejected++;
                            await stderr.WriteLineAsync($"homer-agent: line {lines}: {error}; skipped.");
                            continue;
                        }

                        byte[] bytes;
                        try
                        {
                            bytes = Encode(record.ToMessage(settings, protocolType), settings.Compress);
                        }
                        catch (ArgumentException e)
                        {
                            encodeErrors++;
                            await stderr.WriteLineAsync($"homer-agent: line {lines}: {e.Message}");
                            continue;
                        }

                        group.Send(bytes);
                    }
                }
                catch (OperationCanceledException)
                {
                }
                catch (IOException e)
                {
                    await stderr.WriteLineAsync($"homer-agent: reading input: {e.Message}");
                    exit = ExitCodes.InputError;
                }

                var seconds = clock.Elapsed.TotalSeconds;
                var drained = await group.FlushAsync(TimeSpan.FromSeconds(r.GetValue(common.DrainTimeout)));
                if (exit == ExitCodes.Ok && (!drained || group.Dropped > 0 || encodeErrors > 0))
                    exit = ExitCodes.OutputError;
                await group.DisposeAsync();
                await PrintSummary(r.GetValue(common.Summary), null, encodeErrors, [group], seconds, lines, rejected);
                return exit;
            }
        });
        return command;
    }

    /// <summary>Connection trouble from the outputs' threads, one line each on stderr.</summary>
    private void Log(string message)
    {
        lock (stderr) stderr.WriteLine($"homer-agent: {message}");
    }

    private static byte[] Encode(HepMessage message, bool compress)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + message.Payload.Length);
        HepEncoder.Encode(message, buffer, compressPayload: compress && message.Version == HepVersion.V3);
        return buffer.WrittenSpan.ToArray();
    }

    private async Task PrintSummary(SummaryFormat format, CaptureStats? stats, long encodeErrors, IReadOnlyCollection<HepOutputGroup> group, double seconds,
        long lines = -1, long rejected = -1)
    {
        if (format == SummaryFormat.Json)
            await stdout.WriteLineAsync(Summary.Json(stats, encodeErrors, group, seconds, lines, rejected));
        else if (format == SummaryFormat.Text)
            await stderr.WriteAsync(Summary.Text(stats, encodeErrors, group, seconds, lines, rejected));
    }
}
