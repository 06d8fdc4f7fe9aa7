using GraphQL;
using Homer.Api.Auth;
using Homer.Api.Dashboard;
using Homer.Api.Export;
using Homer.Api.GraphQL;
using Homer.Api.Health;
using Homer.Api.Subscriptions;
using Homer.Api.Transport;
using Homer.Storage;
using Homer.Storage.Auth;
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
        services.AddHomerAuthentication(options.Auth);
        services.AddSingleton<PasswordHasher<UserRow>>();
        services.AddSingleton(options.Auth.Ldap);
        services.AddSingleton<LdapDirectory>();
        services.AddSingleton<LoginService>();
        services.AddSingleton<ShareLinkStore>();
        services.AddSingleton<Homer.Storage.Agents.AgentStore>();
        services.AddHostedService<Agents.AgentMetrics>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<ApiValidationRules>();
        services.AddSingleton<ResultBudgetStats>();
        services.AddSingleton(new UserQuerySlots(options.MaxConcurrentQueriesPerUser));
        // Registered after storage, so it runs once the schema is migrated.
        services.AddHostedService<AuthBootstrap>();
        services.AddSingleton<LiveMessageFeed>();
        services.AddSingleton<ILiveMessageFeed>(sp => sp.GetRequiredService<LiveMessageFeed>());
        services.AddSingleton<CallEventsFeed>();
        services.AddSingleton<CallMessages>();
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

    /// <summary>
    /// What checking a bearer token needs (users, tokens, the signing key): part of the API, and on its own on nodes
    /// without the api role whose /metrics needs a token. Registered after storage, so the key loads once the schema is migrated.
    /// </summary>
    public static IServiceCollection AddHomerAuthentication(this IServiceCollection services, AuthOptions auth)
    {
        services.TryAddSingleton(auth);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UserStore>();
        services.TryAddSingleton<TokenService>();
        services.TryAddSingleton<Authenticator>();
        services.AddHostedService<TokenKeyLoader>();
        return services;
    }

    /// <summary>
    /// HOMER_METRICS_AUTH=token (the default): /metrics answers only a request with a valid token (an API token of any
    /// role, VIEWER is enough; counters carry no payloads). Off: it answers anyone (keep the port private then).
    /// </summary>
    public static WebApplication UseMetricsAuthentication(this WebApplication app, bool required)
    {
        if (!required)
            return app;
        app.Use(async (http, next) =>
        {
            if (!http.Request.Path.StartsWithSegments("/metrics"))
            {
                await next(http);
                return;
            }
            var auth = await http.RequestServices.GetRequiredService<Authenticator>().AuthenticateAsync(Authenticator.BearerToken(http.Request), http.RequestAborted);
            if (auth.Caller is null)
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = auth.Error is null ? "Bearer" : "Bearer error=\"invalid_token\"";
                await http.Response.WriteAsync(auth.Error is null
                    ? "/metrics needs a token (HOMER_METRICS_AUTH=token): send an API token as 'Authorization: Bearer <token>'; the viewer role is enough.\n"
                    : "The token was refused: " + auth.Error + ".\n", http.RequestAborted);
                return;
            }
            await next(http);
        });
        return app;
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
        app.MapSearchExport();
        Import.ImportEndpoints.MapImport(app);
        Agents.AgentEndpoints.MapAgentEndpoints(app);
        app.MapDashboard(dashboardRoot);
        return app;
    }
}
