using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using static Homer.Cli.Commands.Render;

namespace Homer.Cli.Commands;

/// <summary><c>homerctl quarantine list|replay</c>: rows PostgreSQL refused for good, and their replay once the cause is fixed.</summary>
internal static class QuarantineCommands
{
    public static Command Quarantine(HomerCtl cli)
    {
        var kind = new Option<string?>("--kind") { Description = "message, dialog, stats, alarm or toplist." };
        var from = new Option<string?>("--from") { Description = "Quarantined at or after this time (ISO 8601, e.g. 2026-12-06T18:00:00Z)." };
        var to = new Option<string?>("--to") { Description = "Quarantined before this time (ISO 8601)." };
        var first = new Option<int>("--first") { Description = "Entries per page (default 50, at most 1000).", DefaultValueFactory = _ => 50 };
        var after = new Option<string?>("--after") { Description = "Continue after this cursor (printed under a full page)." };
        var list = new Command("list", "Rows PostgreSQL refused for good, newest first: what, when, which table and why.") { kind, from, to, first, after };
        cli.Action(list, async (r, client, ct) =>
        {
            var page = (await client.QueryAsync("""
                query ($kind: String, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
                  quarantine(kind: $kind, from: $from, to: $to, first: $first, after: $after) {
                    nodes { id time kind table node sqlstate error size attempts replayedAt } hasNextPage endCursor } }
                """, new
            {
                kind = r.GetValue(kind)?.ToLowerInvariant(),
                from = Time(r.GetValue(from), "--from"),
                to = Time(r.GetValue(to), "--to"),
                first = r.GetValue(first),
                after = r.GetValue(after),
            }, ct))["quarantine"];
            if (cli.Json(r))
                return await cli.PrintJson(page);
            var table = Table("ID", "TIME", "KIND", "TABLE", "SQLSTATE", "SIZE", "ATTEMPTS", "REPLAYED", "ERROR");
            foreach (var e in Items(page?["nodes"]))
                table.Row(S(e["id"]), S(e["time"]), S(e["kind"]), S(e["table"]), S(e["sqlstate"]), Bytes(L(e["size"])), S(e["attempts"]),
                    S(e["replayedAt"]) is { Length: > 0 } at ? at : "no", Shorten(S(e["error"])));
            var console = cli.Console();
            console.Write(table);
            if (B(page?["hasNextPage"]))
                console.WriteLine($"More: homerctl quarantine list --after {S(page?["endCursor"])}");
            return ExitCodes.Ok;
        });

        var ids = new Argument<string[]>("ids") { Description = "Entry ids as 'quarantine list' prints them.", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every entry not replayed yet (at most 10 000 per run)." };
        var replay = new Command("replay", "Re-submit quarantined rows through the normal write path once their cause is fixed.") { ids, all };
        cli.Action(replay, async (r, client, ct) =>
        {
            var given = r.GetValue(ids) ?? [];
            var everything = r.GetValue(all);
            if (everything == (given.Length > 0))
                throw new CliException(ExitCodes.Usage, "Give entry ids or --all.");
            var result = (await client.QueryAsync("""
                mutation ($ids: [ID!], $all: Boolean) { replayQuarantine(ids: $ids, all: $all) { replayed failed failures { id sqlstate error } } }
                """, new { ids = everything ? null : given, all = everything ? (bool?)true : null }, ct))["replayQuarantine"];
            if (cli.Json(r))
                return await cli.PrintJson(result);
            await cli.Out.WriteLineAsync($"Replayed {L(result?["replayed"])}, refused again {L(result?["failed"])}.");
            foreach (var f in Items(result?["failures"]))
                await cli.Out.WriteLineAsync($"  {S(f["id"])}: {S(f["sqlstate"])} {Shorten(S(f["error"]))}");
            return L(result?["failed"]) > 0 ? ExitCodes.Rejected : ExitCodes.Ok;
        });
        return cli.Group("quarantine", "Rows PostgreSQL refused for good: list, replay.", list, replay);
    }

    private static string? Time(string? text, string option)
    {
        if (text is null)
            return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            throw new CliException(ExitCodes.Usage, $"{option} '{text}' is not a time such as 2026-12-06T18:00:00Z.");
        return time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
