using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Homer.Storage;
using Npgsql;

namespace Homer.Api.Health;

/// <summary>
/// <c>GET /healthz</c>: 200 once this node is an Up member of the cluster and PostgreSQL answers, 503 otherwise,
/// with a small JSON body saying which part is not ready. A batch writer of this node that has had work waiting
/// without progress for <c>homer.storage.stall-after</c> (see <see cref="StorageWatchdog"/>) makes the answer
/// <c>degraded</c> (503), naming the writer, even while PostgreSQL answers a <c>SELECT 1</c>.
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

        var stalled = http.RequestServices.GetService<StorageWatchdog>()?.Stalled() ?? [];
        var up = clusterUp && database == "up";
        var status = !up ? "down" : stalled.Count > 0 ? "degraded" : "up";
        var writers = stalled.Select(w => new { writer = w.Writer, since = w.Since, error = w.LastError }).ToArray();
        return Results.Json(
            stalled.Count == 0
                ? new { status, cluster = member.Status.ToString(), address = member.Address.ToString(), database }
                : new { status, cluster = member.Status.ToString(), address = member.Address.ToString(), database, stalled = writers },
            statusCode: status == "up" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
