using Homer.Actors.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Actors.Hosting;

public static class IngestHostingExtensions
{
    /// <summary>HEP listeners and the ingest graph; start after the ActorSystem and the message store.</summary>
    public static IServiceCollection AddHepIngest(this IServiceCollection services, HepIngestOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<HepIngestService>();
        services.AddHostedService(sp => sp.GetRequiredService<HepIngestService>());
        services.AddSingleton<Contracts.IHepIngestSink>(sp => sp.GetRequiredService<HepIngestService>());
        return services;
    }
}
