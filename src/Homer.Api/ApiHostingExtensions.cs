using GraphQL;
using Homer.Api.Auth;
using Homer.Api.Dashboard;
using Homer.Api.Export;
using Homer.Api.GraphQL;
using Homer.Api.Health;
using Homer.Api.Subscriptions;
using Homer.Api.Transport;
using GraphQL.Execution;
using GraphQLParser.AST;
using Microsoft.AspNetCore.Http;
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
        services.AddSingleton<ShareLinkStore>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<ApiValidationRules>();
        services.AddSingleton<ResultBudgetStats>();
        services.AddSingleton(new UserQuerySlots(options.MaxConcurrentQueriesPerUser));
        // Registered after storage, so it runs once the schema is migrated.
        services.AddHostedService<AuthBootstrap>();
        services.AddSingleton<LiveMessageFeed>();
        services.AddSingleton<ILiveMessageFeed>(sp => sp.GetRequiredService<LiveMessageFeed>());
        services.AddSingleton<CallEventsFeed>();
        services.AddSingleton<Export.CallMessages>();
        services.AddSingleton<CaptureNodeCache>();
        services.AddHostedService<TopicListenerService<CallEventsFeed, Homer.Actors.Contracts.CallEvents.ICallEvent>>();
        services.AddSingleton<AlarmFeed>();
        services.AddHostedService<TopicListenerService<AlarmFeed, Homer.Actors.Contracts.AlarmNotices.AlarmChanged>>();

        services.AddGraphQL(b => b
            .AddSchema<HomerApiSchema>()
            .AddGraphTypes(typeof(HomerApiSchema).Assembly)
            .AddSystemTextJson()
            .AddExecutionStrategy<SubscriptionExecutionStrategy>(OperationType.Subscription)
            // Results are measured while they are built (queries and mutations; subscriptions carry no budget).
            .UseMiddleware<ResultBudgetMiddleware>()
            // Database fields take a slot of their user's and run a few at a time per request.
            .UseMiddleware<DatabaseGateMiddleware>()
            // Errors say what was wrong, never how the server is built.
            .AddErrorInfoProvider(o => o.ExposeExceptionDetails = false));
        return services;
    }

    public static WebApplication MapHomerApi(this WebApplication app, string? dashboardRoot)
    {
        app.MapGet("/healthz", (Delegate)HealthEndpoint.Handle);
        app.MapPost("/graphql", GraphQLHttpEndpoint.HandlePost);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        // One GET route for both: ASP0022 forbids two routes on one path, and the upgrade header tells them apart.
        app.MapGet("/graphql", (HttpContext http) => http.WebSockets.IsWebSocketRequest
            ? GraphQLWebSocketEndpoint.Handle(http)
            : GraphQLHttpEndpoint.HandleGet(http));
        app.MapExport();
        app.MapDashboard(dashboardRoot);
        return app;
    }
}
