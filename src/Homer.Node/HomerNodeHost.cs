using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Homer.Actors.Hosting;
using Homer.Actors.Ingest;
using Homer.Api;
using Homer.Api.Dashboard;
using Homer.Api.Transport;
using Homer.Storage;
using Prometheus;

namespace Homer.Node;

/// <summary>Composes a node from its configuration: each role adds its features. Used by Program and by tests.</summary>
public static class HomerNodeHost
{
    public const string ActorSystemName = "homer";

    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("HOMER_");
        configure?.Invoke(builder.Configuration);
        var settings = NodeSettings.From(builder.Configuration);
        builder.WebHost.UseUrls(settings.HttpUrl);
        builder.Services.AddSingleton(settings);

        var (clusterConfig, configFiles) = ClusterConfigLoader.Load(settings);
        var dialogs = DialogOptions.FromConfig(clusterConfig, settings.Dialogs);

        // One registry per node: the ingest graph reads it, the refresh service and the admin mutation replace its rules.
        var headerFields = new HeaderFieldRegistry { Configured = settings.Storage.HeaderFields };
        builder.Services.AddSingleton(headerFields);
        builder.Services.AddHomerStorage(settings.Storage);
        builder.Services.AddSingleton<IngestCounters>();
        builder.Services.AddSingleton<IQuarantineReplayer>(sp => new QuarantineReplayer(
            sp.GetRequiredService<QuarantineStore>(), sp.GetRequiredService<MessageStoreWriter>(),
            new DialogStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>()), settings.SipParser,
            () => sp.GetService<ActorRegistry>() is { } registry && registry.TryGet<Homer.Actors.Contracts.DialogRegion>(out var region) ? region : null,
            sp.GetRequiredService<Npgsql.NpgsqlDataSource>()));
        builder.Services.AddSingleton(new StorageWatchdog(
            clusterConfig.GetTimeSpan("homer.storage.stall-after", StorageWatchdog.DefaultStallAfter, allowInfinite: false)));
        builder.Services.AddAkka(ActorSystemName, (akka, services) =>
        {
            akka.AddHocon(clusterConfig, HoconAddMode.Append)
                .ConfigureLoggers(loggers => loggers.AddLoggerFactory())
                .WithRemoting(new RemoteOptions
                {
                    HostName = settings.AkkaHost,
                    Port = settings.AkkaPort,
                    PublicHostName = settings.AkkaPublicHost,
                })
                .WithClustering(new ClusterOptions
                {
                    Roles = settings.Roles.ToArray(),
                    SeedNodes = settings.Seeds.ToArray(),
                })
                .AddHomerPersistence(settings.ConnectionString)
                .AddHomerSerialization()
                .AddStorageMaintenance(services)
                .AddDialogSharding(dialogs, hostsDialogs: settings.Has("dialog"))
                .AddNodeAdmin(new Homer.Actors.Admin.NodeAdminOptions
                {
                    NodeName = settings.NodeName,
                    Roles = NodeSettings.AllRoles.Where(settings.Has).ToArray(),
                    Counters = services.GetRequiredService<IngestCounters>(),
                    Spool = () => services.GetService<HepIngestService>()?.Spool is { } spool ? (spool.Bytes, spool.Batches) : (0, 0),
                    Stalled = () => services.GetRequiredService<StorageWatchdog>().Stalled(),
                    Forwarding = () => services.GetService<HepForwarder>()?.Status() ?? [],
                    Config = running => EffectiveConfig.Describe(settings, clusterConfig, running, configFiles.Select(Path.GetFileName).ToArray()!),
                });
            // The singleton manager only runs where it may host the engine: the dialog nodes.
            if (settings.Has("dialog"))
                akka.AddAlarmEngine(services, AlarmHostingExtensions.AlarmSettingsFrom(clusterConfig, settings.AlarmNotifications))
                    .AddDialogMetrics();
            akka
                .AddStartup((system, _) =>
                {
                    // No seeds configured: this node is a cluster of one and joins itself (its port may be 0).
                    if (settings.Seeds.Count == 0 && !settings.ManualJoin)
                    {
                        var cluster = Cluster.Get(system);
                        cluster.Join(cluster.SelfAddress);
                    }
                });
        });

        // The KPI gauges are fed by the dialog row writer (dialog nodes).
        Homer.Actors.Stats.CallMetrics.ConfigureKpis(settings.KpiWindow, settings.SipTraffic.MaxNodes);
        if (settings.Has("ingest"))
        {
            builder.Services.AddHepForwarding(clusterConfig);
            var sipTraffic = new SipTrafficMetrics(settings.SipTraffic);
            builder.Services.AddSingleton(sipTraffic);
            builder.Services.AddHostedService<SipTrafficAliasRefresher>();
            builder.Services.AddHepIngest(new HepIngestOptions
            {
                SipTraffic = sipTraffic,
                Listeners = settings.HepListeners,
                NodeName = settings.NodeName,
                SipParser = settings.SipParser,
                StoreBatchSize = settings.IngestBatchSize,
                EdgeBufferCapacity = settings.IngestEdgeBuffer,
                DialogHoldCapacity = settings.DialogHold,
                SpoolDirectory = settings.SpoolDirectory,
                SpoolMaxBytes = settings.SpoolMaxBytes,
                RefusalLogInterval = settings.RefusalLogInterval,
                EdgeBufferBytes = settings.IngestEdgeBufferBytes,
                HeaderFields = headerFields,
            }.WithDialogRouting(clusterConfig));
        }
        if (settings.Has("api"))
        {
            builder.Services.AddHomerApi(settings.Api);
            // The live SIP tail sees what this node ingests; a tail across nodes needs the feed over the cluster.
            if (settings.Has("ingest"))
                builder.Services.AddSingleton<ICapturedMessageObserver, LiveMessageObserver>();
        }
        else if (settings.MetricsAuth)
        {
            // No API here, but /metrics still checks tokens.
            builder.Services.AddHomerAuthentication(settings.Api.Auth);
        }

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Homer.Node");
        log.LogInformation("Node {Node} with roles [{Roles}], environment {Environment}; cluster-config layers: {Files}",
            settings.NodeName, string.Join(", ", settings.Roles), settings.Environment, string.Join(" → ", configFiles.Select(Path.GetFileName)));
        log.LogInformation("Memory envelope: GC heap limit {HeapMb} MB ({Source}); edge buffer {EdgePackets} packets and {EdgeMb} MB; dialog hold {Hold} messages",
            MemoryEnvelope.HeapLimitBytes >> 20, MemoryEnvelope.Source, settings.IngestEdgeBuffer, settings.IngestEdgeBufferBytes >> 20, settings.DialogHold);

        var dashboard = settings.Has("api") ? DashboardFiles.Locate(settings.DashboardPath, app.Environment.ContentRootPath) : null;
        // First in the pipeline, so every response carries them, errors and metrics included.
        app.UseSecurityHeaders(Homer.Api.Transport.SecurityHeaders.Policy(settings.ContentSecurityPolicy, dashboard));

        // Every node exposes its own metrics; Prometheus scrapes each node (with a token unless HOMER_METRICS_AUTH=off).
        app.UseMetricsAuthentication(settings.MetricsAuth);
        app.MapMetrics("/metrics");

        if (settings.Has("api"))
        {
            if (dashboard is null)
                log.LogWarning("Dashboard not found (build it with npm run build in src/Homer.Dashboard, or set HOMER_DASHBOARD)");
            else
                log.LogInformation("Serving the dashboard from {Path}", dashboard);
            app.MapHomerApi(dashboard);
        }
        else
        {
            app.MapGet("/healthz", (Delegate)Homer.Api.Health.HealthEndpoint.Handle);
        }
        return app;
    }
}
