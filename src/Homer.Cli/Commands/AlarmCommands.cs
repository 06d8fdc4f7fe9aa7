using System.CommandLine;
using static Homer.Cli.Commands.Render;

namespace Homer.Cli.Commands;

internal static class AlarmCommands
{
    public static Command Alarms(HomerCtl cli)
    {
        var state = new Option<string?>("--state") { Description = "ACTIVE, ACKNOWLEDGED or RESOLVED." };
        var type = new Option<string?>("--type") { Description = "Rule type, e.g. SCANNER, LOW_MOS, ERROR_RATE." };
        var list = new Command("list", "Alarms, newest first.") { state, type };
        cli.Action(list, async (r, client, ct) =>
        {
            var filter = new Dictionary<string, object?>();
            if (r.GetValue(state) is { } s)
                filter["state"] = s.ToUpperInvariant();
            if (r.GetValue(type) is { } t)
                filter["ruleType"] = t.ToUpperInvariant();
            var alarms = (await client.QueryAsync("""
                query ($f: AlarmFilter) { alarms(filter: $f) { id ruleType severity state count firstSeen lastSeen scope message acknowledgedBy } }
                """, new { f = filter }, ct))["alarms"];
            if (cli.Json(r))
                return await cli.PrintJson(alarms);
            var table = Table("ID", "SEVERITY", "STATE", "TYPE", "COUNT", "LAST SEEN", "SCOPE", "MESSAGE");
            foreach (var a in Items(alarms))
                table.Row(S(a["id"]), S(a["severity"]), S(a["state"]) + (S(a["acknowledgedBy"]) is { Length: > 0 } by ? $" ({by})" : ""),
                    S(a["ruleType"]), N(L(a["count"])), S(a["lastSeen"]), S(a["scope"]), S(a["message"]));
            cli.Console().Write(table);
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "Alarm id as 'alarms list' prints it." };
        var ack = new Command("ack", "Acknowledge an alarm.") { id };
        cli.Action(ack, async (r, client, ct) =>
        {
            var alarm = (await client.QueryAsync("mutation ($i: ID!) { acknowledgeAlarm(id: $i) { id state acknowledgedBy } }", new { i = r.GetValue(id) }, ct))["acknowledgeAlarm"];
            if (cli.Json(r))
                return await cli.PrintJson(alarm);
            await cli.Out.WriteLineAsync($"Alarm {S(alarm?["id"])} is {S(alarm?["state"])} (by {S(alarm?["acknowledgedBy"])}).");
            return ExitCodes.Ok;
        });
        return cli.Group("alarms", "Alarms: list, ack.", list, ack);
    }
}
