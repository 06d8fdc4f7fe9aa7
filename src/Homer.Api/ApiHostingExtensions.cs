using GraphQL;
using Homer.Api.Auth;
using Homer.Api.Dashboard;
using Homer.Api.GraphQL;
using Homer.Api.Health;
using Homer.Api.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Homer.Api;

public static class ApiHostingExtensions
{
    public static IServiceCollection AddHomerApi(this IServiceCollection services, ApiOptions? options = null)
    {
        options ??= new ApiOptions();
        services.AddSingleton(options);
        services.AddSingleton(options.Auth);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PasswordHasher<UserRow>>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<LoginThrottle>();
        // Registered after storage, so it runs once the schema is migrated.
        services.AddHostedService<AuthBootstrap>();

        services.AddGraphQL(b => b
            .AddSchema<HomerApiSchema>()
            .AddGraphTypes(typeof(HomerApiSchema).Assembly)
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
