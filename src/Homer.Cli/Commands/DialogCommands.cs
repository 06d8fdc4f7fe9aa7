using System.CommandLine;
using Spectre.Console;
using static Homer.Cli.Commands.Render;

namespace Homer.Cli.Commands;

internal static class DialogCommands
{
    private const string Query = """
        query ($c: String!) { dialog(callId: $c) {
          callId kind state fromUser toUser ruriUser startedAt answeredAt endedAt expiresAt pddMs setupMs durationMs
          finalStatus finalReason q850Cause hangupBy endedByTimeout messageCount retransmissions firstSeen lastSeen correlationGroup
          transactions { method cseq branch state finalStatus requests responses client server }
          legs { callId } qosReports { source timestamp mosLq mosCq packetLossPct jitterMs reporter } logs { timestamp text } } }
        """;

    public static Command Dialog(HomerCtl cli)
    {
        var callId = new Argument<string>("call-id") { Description = "The Call-ID." };
        var show = new Command("show", "A dialog's state, timings and transactions: from its live actor, else from the dialogs table.") { callId };
        cli.Action(show, async (r, client, ct) =>
        {
            var id = r.GetValue(callId)!;
            var d = (await client.QueryAsync(Query, new { c = id }, ct))["dialog"];
            if (d is null)
                throw new CliException(ExitCodes.NotFound, $"No dialog with Call-ID '{id}' (never seen, or older than the dialogs table keeps).");
            if (cli.Json(r))
                return await cli.PrintJson(d);
            var console = cli.Console();
            var grid = new Grid().AddColumn().AddColumn();
            foreach (var key in new[] { "callId", "kind", "state", "fromUser", "toUser", "ruriUser", "startedAt", "answeredAt", "endedAt", "expiresAt",
                         "pddMs", "setupMs", "durationMs", "finalStatus", "finalReason", "q850Cause", "hangupBy", "endedByTimeout",
                         "messageCount", "retransmissions", "firstSeen", "lastSeen", "correlationGroup" })
            {
                if (S(d[key]) is { Length: > 0 } value)
                    grid.AddRow(new Text(key), new Text(value));
            }
            console.Write(grid);
            var transactions = Table("METHOD", "CSEQ", "STATE", "FINAL", "REQUESTS", "RESPONSES", "CLIENT", "SERVER", "BRANCH");
            foreach (var t in Items(d["transactions"]))
                transactions.Row(S(t["method"]), S(t["cseq"]), S(t["state"]), S(t["finalStatus"]), S(t["requests"]), S(t["responses"]),
                    S(t["client"]), S(t["server"]), S(t["branch"]));
            console.Write(transactions);
            if (Items(d["legs"]).Any())
                console.WriteLine("Legs: " + string.Join(", ", Items(d["legs"]).Select(l => S(l["callId"]))));
            if (Items(d["qosReports"]).Any())
            {
                var qos = Table("TIME", "SOURCE", "MOS LQ", "MOS CQ", "LOSS %", "JITTER MS", "REPORTER");
                foreach (var q in Items(d["qosReports"]))
                    qos.Row(S(q["timestamp"]), S(q["source"]), S(q["mosLq"]), S(q["mosCq"]), S(q["packetLossPct"]), S(q["jitterMs"]), S(q["reporter"]));
                console.Write(qos);
            }
            foreach (var l in Items(d["logs"]))
                console.WriteLine($"{S(l["timestamp"])}  {S(l["text"])}");
            return ExitCodes.Ok;
        });
        return cli.Group("dialog", "Dialogs (calls, registrations): show.", show);
    }
}
