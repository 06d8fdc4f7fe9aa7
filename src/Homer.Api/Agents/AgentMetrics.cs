using System.Text.Json;
using Homer.Storage.Agents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Homer.Api.Agents;

/// <summary>
/// The capture agents' health and counters in <c>/metrics</c>, read from the <c>agents</c> table at each scrape, so an
/// alert rule can page on an agent that went stale or reports an error (the dashboard and homerctl show the same).
/// Every API node reports every agent: the table is the cluster's. One series per agent and gauge; an agent removed
/// from the table (removeAgent) leaves the metrics at the next scrape.
/// </summary>
public sealed class AgentMetrics(AgentStore store, ILogger<AgentMetrics> log) : IHostedService
{
    private static readonly string[] States = ["ok", "stale", "error"];

    private static readonly Gauge Health = Metrics.CreateGauge("homer_agent_health",
        "1 for the capture agent's current health (ok, stale: not heard for 3 announce intervals, error: a refused change or a reported problem), 0 for the others.",
        "agent", "state");
    private static readonly Gauge SinceSeen = Metrics.CreateGauge("homer_agent_seconds_since_seen",
        "Seconds since the capture agent's last announcement.", "agent");
    private static readonly Gauge Counters = Metrics.CreateGauge("homer_agent_counter",
        "The capture agent's own totals as it last announced them (they restart with the agent): packets, sip_messages, hep_sent, dropped, buffered.",
        "agent", "counter");

    private static readonly (string Json, string Label)[] CounterNames =
        [("packets", "packets"), ("sipMessages", "sip_messages"), ("hepSent", "hep_sent"), ("dropped", "dropped"), ("buffered", "buffered")];

    private HashSet<string> _reported = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Metrics.DefaultRegistry.AddBeforeCollectCallback(UpdateAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task UpdateAsync(CancellationToken ct)
    {
        IReadOnlyList<AgentRow> agents;
        try
        {
            agents = await store.ListAsync(ct);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // A scrape while the database is away keeps the last values rather than failing /metrics as a whole.
            log.LogDebug(e, "agent metrics not read");
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var seen = new HashSet<string>();
        foreach (var a in agents)
        {
            seen.Add(a.Name);
            foreach (var state in States)
                Health.WithLabels(a.Name, state).Set(a.Health == state ? 1 : 0);
            SinceSeen.WithLabels(a.Name).Set(Math.Max(0, (now - a.LastSeen).TotalSeconds));
            using var counters = JsonDocument.Parse(a.Counters);
            foreach (var (json, label) in CounterNames)
                if (counters.RootElement.ValueKind == JsonValueKind.Object && counters.RootElement.TryGetProperty(json, out var v) && v.TryGetDouble(out var n))
                    Counters.WithLabels(a.Name, label).Set(n);
        }

        foreach (var gone in _reported.Except(seen))
        {
            foreach (var state in States)
                Health.RemoveLabelled(gone, state);
            SinceSeen.RemoveLabelled(gone);
            foreach (var (_, label) in CounterNames)
                Counters.RemoveLabelled(gone, label);
        }
        _reported = seen;
    }
}
