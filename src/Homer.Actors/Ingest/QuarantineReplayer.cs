using System.Text.Json;
using Akka.Actor;
using Homer.Actors.Dialogs;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Actors.Ingest;

/// <summary>
/// Re-submits quarantined rows once their cause is fixed (a constraint dropped, a decoder fixed, a schema changed):
/// a message's HEP packet is decoded again as ingest decodes it (with the node's current decoder), stored, and handed
/// to its dialog as ingest would; a dialog row is upserted as the dialog-row writer does. A stored entry is marked
/// replayed; one refused again keeps its place with the new error and one more attempt. Entries already replayed
/// are replayed again only when named by id.
/// </summary>
public sealed class QuarantineReplayer(QuarantineStore quarantine, MessageStoreWriter messages, DialogStore dialogs,
    SipParserOptions? parser = null, Func<IActorRef?>? dialogRegion = null, Npgsql.NpgsqlDataSource? statsDataSource = null) : IQuarantineReplayer
{
    public const int MaxPerCall = 10_000;

    public async Task<QuarantineReplayResult> ReplayAsync(IReadOnlyList<long>? ids, CancellationToken ct = default)
    {
        var entries = await quarantine.GetAsync(ids, MaxPerCall, ct);
        var replayed = 0;
        var failures = new List<QuarantineReplayFailure>();
        foreach (var entry in entries)
        {
            try
            {
                await ReplayOneAsync(entry, ct);
                await quarantine.MarkReplayedAsync(entry.Id, ct);
                replayed++;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                if (!StorageErrors.IsPermanent(e) && e is not ReplayRefusedException)
                    throw; // PostgreSQL is unreachable: the caller sees why; nothing is marked.
                var sqlState = e is ReplayRefusedException ? "replay" : StorageErrors.SqlState(e);
                var error = BatchIsolation.Message(e);
                await quarantine.RecordFailureAsync(entry.Id, sqlState, error, ct);
                failures.Add(new QuarantineReplayFailure(entry.Id, sqlState, error));
            }
        }
        return new QuarantineReplayResult(replayed, failures.Count, failures);
    }

    private async Task ReplayOneAsync(QuarantineEntry entry, CancellationToken ct)
    {
        switch (entry.Kind)
        {
            case QuarantineKind.Message when entry.Hep is { } hep:
            {
                var outcome = HepMessageDecoder.Decode(hep, entry.Node, null, parser ?? SipParserOptions.Default, out var sip);
                if (outcome.Message is not { } message)
                    throw new ReplayRefusedException("the quarantined HEP packet does not decode: " + outcome.Error);
                await messages.WriteAsync([message], ct);
                if (dialogRegion?.Invoke() is { } region)
                    DialogRouting.PlanParsed(message, sip).Send(region);
                return;
            }
            case QuarantineKind.Dialog when entry.RowJson is { } json:
            {
                var row = JsonSerializer.Deserialize<DialogRow>(json, RowJson)
                    ?? throw new ReplayRefusedException("the quarantined row is empty");
                await dialogs.UpsertAsync([row], ct);
                return;
            }
            case QuarantineKind.TopList when entry.RowJson is { } json && statsDataSource is not null:
                await Homer.Storage.Stats.TopKeyRows.WriteAsync(statsDataSource, [Homer.Storage.Stats.TopKeyRows.FromJson(json)], ct);
                return;
            default:
                throw new ReplayRefusedException($"entries of kind {entry.Kind} without {(entry.Kind == QuarantineKind.Message ? "HEP bytes" : "a row")} cannot be replayed");
        }
    }

    private static readonly JsonSerializerOptions RowJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed class ReplayRefusedException(string message) : Exception(message);
}
