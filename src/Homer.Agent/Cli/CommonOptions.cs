using System.CommandLine;
using Homer.Agent.Output;
using Homer.Hep;

namespace Homer.Agent.Cli;

/// <summary>The HEP output options shared by <c>capture</c> and <c>pipe</c>.</summary>
public sealed class CommonOptions
{
    public Option<string[]> To { get; } = new("--to")
    {
        Description = "HEP server as udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT (IPv6: tcp:[::1]:9060). Repeat for several "
            + "servers; see --mode. tls: is HEP over TLS (e.g. the node's port 9061); see --tls-ca and --tls-pin.",
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

    public Option<FileInfo?> TlsCa { get; } = new("--tls-ca")
    {
        Description = "tls: servers: PEM file of the CA that issued the server certificate; the chain must end there "
            + "(not at the system roots) and the certificate must name the host (or --tls-server-name).",
    };

    public Option<string[]> TlsPin { get; } = new("--tls-pin")
    {
        Description = "tls: servers: SHA-256 pin of the server's public key or certificate, as sha256//BASE64 (curl's "
            + "--pinnedpubkey form) or 64 hex digits; repeatable. Without --tls-ca a matching pin alone is enough "
            + "(self-signed servers); with it, both must hold. Print a server's pin with: openssl x509 -in cert.pem "
            + "-pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64",
        DefaultValueFactory = _ => [],
    };

    public Option<FileInfo?> TlsCert { get; } = new("--tls-cert")
    {
        Description = "tls: servers: client certificate (PEM, or .pfx/.p12 without password) for servers that ask for one.",
    };

    public Option<FileInfo?> TlsKey { get; } = new("--tls-key") { Description = "PEM private key of --tls-cert when it is a separate file." };

    public Option<string?> TlsServerName { get; } = new("--tls-server-name")
    {
        Description = "tls: servers: the name the server certificate must carry (and SNI); default the host of --to.",
    };

    public CommonOptions()
    {
        TlsPin.Validators.Add(r =>
        {
            foreach (var p in r.GetValueOrDefault<string[]>() ?? [])
            {
                try
                {
                    HepTlsSettings.ParsePin(p);
                }
                catch (FormatException e)
                {
                    r.AddError($"--tls-pin {e.Message}");
                }
            }
        });
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

    /// <summary>Where packets go and how they are encoded (for the commands that encode HEP themselves).</summary>
    public void AddTo(Command command)
    {
        AddOutputsTo(command);
        // In the help, how packets are encoded comes right after where they go.
        var at = command.Options.IndexOf(Mode) + 1;
        foreach (var option in (Option[])[CaptureId, NodeName, AuthKey, HepVersion, Compress])
            command.Options.Insert(at++, option);
    }

    /// <summary>Only the options about where packets go (for <c>relay</c>, which forwards packets it did not encode).</summary>
    public void AddOutputsTo(Command command)
    {
        command.Options.Add(To);
        command.Options.Add(Mode);
        command.Options.Add(DiskBuffer);
        command.Options.Add(DiskBufferMb);
        command.Options.Add(DrainTimeout);
        command.Options.Add(Summary);
        AddTlsTo(command);
    }

    public void AddTlsTo(Command command)
    {
        command.Options.Add(TlsCa);
        command.Options.Add(TlsPin);
        command.Options.Add(TlsCert);
        command.Options.Add(TlsKey);
        command.Options.Add(TlsServerName);
        command.Validators.Add(r =>
        {
            // A CA or pin next to plain tcp: servers is most likely a forgotten tls: scheme, which would send in clear.
            var tlsOptions = r.GetValue(TlsCa) is not null || (r.GetValue(TlsPin)?.Length ?? 0) > 0 || r.GetValue(TlsCert) is not null
                || r.GetValue(TlsServerName) is not null;
            var anyTls = (r.GetValue(To) ?? []).Any(t => HepTarget.TryParse(t, out var target, out _) && target!.Transport == HepTransport.Tls);
            if (tlsOptions && !anyTls)
                r.AddError("--tls-ca, --tls-pin, --tls-cert and --tls-server-name apply to tls:HOST:PORT servers, and no --to is tls:.");
        });
    }

    public HepTlsSettings Tls(ParseResult r) => new()
    {
        CaFile = r.GetValue(TlsCa)?.FullName,
        Pins = r.GetValue(TlsPin) ?? [],
        ClientCertificate = r.GetValue(TlsCert)?.FullName,
        ClientKey = r.GetValue(TlsKey)?.FullName,
        ServerName = r.GetValue(TlsServerName),
    };

    public HepSettings Settings(ParseResult r) => new()
    {
        Version = r.GetValue(HepVersion) == 2 ? Hep.HepVersion.V2 : Hep.HepVersion.V3,
        CaptureId = r.GetValue(CaptureId),
        NodeName = r.GetValue(NodeName),
        AuthKey = r.GetValue(AuthKey),
        Compress = r.GetValue(Compress),
    };

    /// <summary>
    /// The outputs of a command line with its <c>--to</c> servers as the one HEP output, "default"; null when they cannot
    /// be set up, after saying why on <paramref name="stderr"/> (the command then exits with <c>OutputError</c>).
    /// </summary>
    public async Task<Outputs?> DefaultOutputsAsync(ParseResult r, TextWriter stderr, Action<string> log)
    {
        try
        {
            var outputs = new Outputs();
            outputs.Hep["default"] = CreateGroup(r, "default", log);
            return outputs;
        }
        catch (OutputSetupException e)
        {
            await stderr.WriteLineAsync($"homer-agent: {e.Message}");
            return null;
        }
    }

    /// <summary>Creates the outputs; throws <see cref="OutputSetupException"/> when a host does not resolve.</summary>
    public HepOutputGroup CreateGroup(ParseResult r, string name, Action<string>? log = null)
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
                Tls = Tls(r),
                Log = log,
            };
            try
            {
                outputs.Add(HepOutputGroup.Create(target!, tcp));
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or FormatException
                                           or System.Security.Cryptography.CryptographicException)
            {
                foreach (var o in outputs) o.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw new OutputSetupException($"output {target}: {e.Message}");
            }
        }

        return new HepOutputGroup(name, outputs, r.GetValue(Mode));
    }
}

public enum SummaryFormat { Text, Json, None }

public sealed class OutputSetupException(string message) : Exception(message);
