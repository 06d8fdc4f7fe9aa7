using System.Collections.Frozen;
using System.Net;
using Akka.Configuration;
using Homer.Actors.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homer.Actors.Hosting;

public static class ForwardHostingExtensions
{
    /// <summary>
    /// HEP forwarding (<c>homer.forward.targets</c>): registers a <see cref="HepForwarder"/> as an observer of the
    /// ingest graph when at least one target is configured; nothing at all otherwise.
    /// </summary>
    public static IServiceCollection AddHepForwarding(this IServiceCollection services, Config clusterConfig)
    {
        var targets = TargetsFrom(clusterConfig);
        if (targets.Count == 0)
            return services;
        services.AddSingleton(sp => new HepForwarder(targets, sp.GetRequiredService<ILoggerFactory>().CreateLogger<HepForwarder>()));
        services.AddSingleton<ICapturedMessageObserver>(sp => sp.GetRequiredService<HepForwarder>());
        return services;
    }

    /// <summary>The targets of <c>homer.forward.targets</c>; a target that does not read is a start-up error naming it.</summary>
    public static IReadOnlyList<HepForwardTarget> TargetsFrom(Config config)
    {
        var value = config.GetValue("homer.forward.targets");
        if (value is null || value.IsEmpty)
            return [];
        var targets = new List<HepForwardTarget>();
        var index = 0;
        foreach (var item in value.GetArray())
        {
            index++;
            var target = new Config(new Akka.Configuration.Hocon.HoconRoot(item));
            var name = target.GetString("name", $"target-{index}");
            var to = target.GetString("to", null) ?? throw new FormatException($"homer.forward.targets[{index}] ({name}): 'to' is required (udp:host:port, tcp:host:port or tls:host:port)");
            try
            {
                var (transport, host, port) = HepForwardTarget.ParseAddress(to);
                var queue = target.GetInt("queue", 10_000);
                if (queue < 1)
                    throw new FormatException($"queue must be at least 1 (got {queue})");
                targets.Add(new HepForwardTarget
                {
                    Name = name,
                    Transport = transport,
                    Host = host,
                    Port = port,
                    CaptureIds = target.GetStringList("capture-ids", []).Select(s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToFrozenSet(),
                    PayloadTypes = target.GetStringList("payload-types", []).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToFrozenSet(),
                    SourceSubnets = target.GetStringList("source-subnets", []).Select(s => IPNetwork.Parse(s.Contains('/') ? s : s + (s.Contains(':') ? "/128" : "/32"))).ToArray(),
                    Methods = target.GetStringList("methods", []).Select(m => m.ToUpperInvariant()).ToFrozenSet(StringComparer.Ordinal),
                    QueueCapacity = queue,
                    TlsSkipVerify = target.GetBoolean("tls-skip-verify", false),
                    TlsCaFile = target.GetString("tls-ca", null),
                });
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                // A typo in one target must name that target, not only say "input string was not in a correct format".
                throw new FormatException($"homer.forward.targets[{index}] ({name}): {e.Message}", e);
            }
        }
        var duplicate = targets.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new FormatException($"homer.forward.targets: the name '{duplicate.Key}' is used twice (it labels the target's metrics)");
        return targets;
    }
}
