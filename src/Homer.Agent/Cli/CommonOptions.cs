using System.CommandLine;
using Homer.Agent.Output;
using Homer.Hep;

namespace Homer.Agent.Cli;

/// <summary>The HEP output options shared by <c>capture</c> and <c>pipe</c>.</summary>
public sealed class CommonOptions
{
    public Option<string[]> To { get; } = new("--to")
    {
        Description = "HEP server as udp:HOST:PORT or tcp:HOST:PORT (IPv6: tcp:[::1]:9060). Repeat for several servers; "
            + "see --mode.",
        Required = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<OutputMode> Mode { get; } = new("--mode")
    {
        Description = "With several --to: 'fanout' sends every packet to every server; 'failover' sends to the first "
            + "server that is up (TCP: connected; UDP: no ICMP refusal in the last second), in the order given.",
        DefaultValueFactory = _ => OutputMode.Fanout,
    };

    public Option<uint> CaptureId { get; } = new("--capture-id")
    {
        Description = "HEP capture agent id (chunk 0x000c; HEPv2 keeps the low 16 bits).",
        DefaultValueFactory = _ => 2001u,
    };

    public Option<string?> NodeName { get; } = new("--node-name")
    {
        Description = "HEP capture agent name (chunk 0x0013), e.g. the host name. Not sent when omitted.",
    };

    public Option<string?> AuthKey { get; } = new("--auth-key")
    {
        Description = "HEP authentication key (chunk 0x000e) the server checks. Not sent when omitted.",
    };

    public Option<int> HepVersion { get; } = new("--hep-version")
    {
        Description = "3 (default) or 2. HEPv2 carries no node name, auth key, correlation id or VLAN.",
        DefaultValueFactory = _ => 3,
    };

    public Option<bool> Compress { get; } = new("--compress")
    {
        Description = "HEP3 only: send the payload compressed (chunk 0x0010). Only servers that inflate it "
            + "(Homer.Actors does) can read it.",
    };

    public Option<DirectoryInfo?> DiskBuffer { get; } = new("--disk-buffer")
    {
        Description = "Directory for a bounded on-disk queue per TCP server, used while the server is down or the "
            + "memory queue is full; replayed in order after reconnecting.",
    };

    public Option<long> DiskBufferMb { get; } = new("--disk-buffer-mb")
    {
        Description = "Size limit of each TCP server's disk buffer in MiB; beyond it packets are dropped and counted.",
        DefaultValueFactory = _ => 256,
    };

    public Option<double> DrainTimeout { get; } = new("--drain-timeout")
    {
        Description = "Seconds to wait at the end for TCP queues to empty before giving up (exit code 4).",
        DefaultValueFactory = _ => 10,
    };

    public Option<SummaryFormat> Summary { get; } = new("--summary")
    {
        Description = "Statistics printed when the run ends: 'text' on stderr (default), 'json' on stdout, or 'none'.",
        DefaultValueFactory = _ => SummaryFormat.Text,
    };

    public CommonOptions()
    {
        HepVersion.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is not (2 or 3)) r.AddError("--hep-version must be 3 or 2.");
        });
        To.Validators.Add(r =>
        {
            foreach (var t in r.GetValueOrDefault<string[]>() ?? [])
                if (!HepTarget.TryParse(t, out _, out var error))
                    r.AddError($"--to {error}");
        });
        DrainTimeout.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() < 0) r.AddError("--drain-timeout must not be negative.");
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(To);
        command.Options.Add(Mode);
        command.Options.Add(CaptureId);
        command.Options.Add(NodeName);
        command.Options.Add(AuthKey);
        command.Options.Add(HepVersion);
        command.Options.Add(Compress);
        command.Options.Add(DiskBuffer);
        command.Options.Add(DiskBufferMb);
        command.Options.Add(DrainTimeout);
        command.Options.Add(Summary);
    }

    public HepSettings Settings(ParseResult r) => new()
    {
        Version = r.GetValue(HepVersion) == 2 ? Hep.HepVersion.V2 : Hep.HepVersion.V3,
        CaptureId = r.GetValue(CaptureId),
        NodeName = r.GetValue(NodeName),
        AuthKey = r.GetValue(AuthKey),
        Compress = r.GetValue(Compress),
    };

    /// <summary>Creates the outputs; throws <see cref="OutputSetupException"/> when a host does not resolve.</summary>
    public HepOutputGroup CreateGroup(ParseResult r)
    {
        var outputs = new List<IHepOutput>();
        var diskDir = r.GetValue(DiskBuffer);
        var index = 0;
        foreach (var text in r.GetValue(To)!)
        {
            HepTarget.TryParse(text, out var target, out _);
            var tcp = new TcpOutputSettings
            {
                DiskBufferPath = diskDir is null ? null : Path.Combine(diskDir.FullName, $"hep-{index++}-{target!.Port}.buf"),
                DiskBufferBytes = r.GetValue(DiskBufferMb) << 20,
            };
            try
            {
                outputs.Add(HepOutputGroup.Create(target!, tcp));
            }
            catch (System.Net.Sockets.SocketException e)
            {
                foreach (var o in outputs) o.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw new OutputSetupException($"output {target}: {e.Message}");
            }
        }

        return new HepOutputGroup("default", outputs, r.GetValue(Mode));
    }
}

public enum SummaryFormat { Text, Json, None }

public sealed class OutputSetupException(string message) : Exception(message);
