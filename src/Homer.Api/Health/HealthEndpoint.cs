using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Homer.Api.Health;

/// <summary>
/// <c>GET /healthz</c>: 200 once this node is an Up member of the cluster and PostgreSQL answers, 503 otherwise,
/// with a small JSON body saying which part is not ready.
/// </summary>
public static class HealthEndpoint
{
    public static async Task<IResult> Handle(HttpContext http)
    {
        var system = http.RequestServices.GetRequiredService<ActorSystem>();
        var member = Cluster.Get(system).SelfMember;
        var clusterUp = member.Status == MemberStatus.Up;

        string database;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var cmd = http.RequestServices.GetRequiredService<NpgsqlDataSource>().CreateCommand("SELECT 1");
            await cmd.ExecuteScalarAsync(timeout.Token);
            database = "up";
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            database = "down: " + e.Message;
        }

        var healthy = clusterUp && database == "up";
        return Results.Json(
            new { status = healthy ? "up" : "down", cluster = member.Status.ToString(), address = member.Address.ToString(), database },
            statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
