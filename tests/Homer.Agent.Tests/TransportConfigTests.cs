using Homer.Agent.Config;

namespace Homer.Agent.Tests;

/// <summary>The configuration keys of the transports (tls, csv, relay): what loads, and what is refused with which message.</summary>
public sealed class TransportConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-transport-config").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private AgentConfig Load(string yaml)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return AgentConfig.Load(path);
    }

    [Fact]
    public void Tls_csv_and_relay_keys_load_into_their_settings()
    {
        var config = Load("""
            outputs:
              dc:
                to: ["tls:homer.example.net:9061"]
                tls: { ca: /etc/homer-agent/ca.pem, pins: ["sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="], serverName: homer }
              rows: { type: csv, file: /tmp/rows.csv }
            relay:
              listen: ["udp:0.0.0.0:9060", "tcp:[::]:9060"]
              output: dc
            """);
        var tls = config.Outputs["dc"].Tls!.ToSettings();
        Assert.Equal("/etc/homer-agent/ca.pem", tls.CaFile);
        Assert.Equal("homer", tls.ServerName);
        Assert.Single(tls.Pins);
        Assert.Equal(OutputType.Csv, config.Outputs["rows"].Type);
        Assert.Empty(config.Inputs);
        Assert.Equal("dc", config.Relay!.OutputName(config));
    }

    [Theory]
    [InlineData("outputs: { dc: { to: [\"tls:h:9061\"], tls: { pins: [\"abc\"] } } }\nrelay: { listen: [\"udp:0.0.0.0:9060\"] }",
        "output 'dc': tls: pin 'abc' is neither")]
    [InlineData("outputs: { dc: { to: [\"tcp:h:9060\"], tls: { ca: /ca.pem } } }\nrelay: { listen: [\"udp:0.0.0.0:9060\"] }",
        "'tls' applies to tls:HOST:PORT servers")]
    [InlineData("outputs: { rows: { type: csv } }\nrelay: { listen: [\"udp:0.0.0.0:9060\"] }", "a csv output needs 'file'")]
    [InlineData("outputs: { dc: { to: [\"udp:h:9060\"] } }\nrelay: { listen: [\"udp:0.0.0.0:9060\"], output: nope }",
        "relay: output 'nope' is not a hep output")]
    [InlineData("outputs: { dc: { to: [\"udp:h:9060\"] } }\nrelay: { listen: [\"udp:relay.example:9060\"] }", "listen on an IP address")]
    [InlineData("outputs: { dc: { to: [\"udp:h:9060\"] } }\nrelay: { listen: [] }", "relay: listen: give at least one")]
    [InlineData("outputs: { dc: { to: [\"udp:h:9060\"] } }", "'inputs' must list at least one input (or configure a 'relay')")]
    public void Mistakes_are_refused_with_a_message_that_names_them(string yaml, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Load(yaml));
        Assert.Contains(message, e.Message);
    }
}
