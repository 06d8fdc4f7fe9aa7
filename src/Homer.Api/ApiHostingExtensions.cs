using GraphQL;
using Homer.Api.Dashboard;
using Homer.Api.GraphQL;
using Homer.Api.Health;
using Homer.Api.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Homer.Api;

public static class ApiHostingExtensions
{
    public static IServiceCollection AddHomerApi(this IServiceCollection services)
    {
        services.AddGraphQL(b => b
            .AddSchema<HomerSchema>()
            .AddGraphTypes(typeof(HomerSchema).Assembly)
            .AddSystemTextJson()
            // Errors say what was wrong, never how the server is built.
            .AddErrorInfoProvider(o => o.ExposeExceptionDetails = false));
        return services;
    }

    public static WebApplication MapHomerApi(this WebApplication app, string? dashboardRoot)
    {
        app.MapGet("/healthz", (Delegate)HealthEndpoint.Handle);
        app.MapPost("/graphql", GraphQLHttpEndpoint.HandlePost);
        app.MapGet("/graphql", GraphQLHttpEndpoint.HandleGet);
        app.MapDashboard(dashboardRoot);
        return app;
    }
}
