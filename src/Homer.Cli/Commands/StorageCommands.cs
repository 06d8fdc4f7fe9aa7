using System.CommandLine;
using Spectre.Console;
using System.Text.Json.Nodes;
using static Homer.Cli.Commands.Render;

namespace Homer.Cli.Commands;

internal static class StorageCommands
{
    public static Command Storage(HomerCtl cli)
    {
        var partitions = new Command("partitions", "Message partitions per table with their time range and size, oldest first.");
        cli.Action(partitions, async (r, client, ct) =>
        {
            var list = (await client.QueryAsync("{ storagePartitions { table name from to bytes } }", null, ct))["storagePartitions"];
            if (cli.Json(r))
                return await cli.PrintJson(list);
            var table = Table("TABLE", "PARTITION", "FROM", "TO", "SIZE");
            foreach (var p in Items(list))
                table.Row(S(p["table"]), S(p["name"]), S(p["from"]), S(p["to"]), Bytes(L(p["bytes"])));
            var console = cli.Console();
            console.Write(table);
            console.WriteLine($"{Items(list).Count()} partitions, {Bytes(Items(list).Sum(p => L(p["bytes"])))} in all");
            return ExitCodes.Ok;
        });

        var run = new Command("run", "Apply retention now: drop partitions past their age, then the oldest while over the disk budget.");
        cli.Action(run, async (r, client, ct) =>
        {
            var report = (await client.QueryAsync("mutation { runRetention { droppedByAge droppedByBudget bytesAfter } }", null, ct))["runRetention"]!;
            if (cli.Json(r))
                return await cli.PrintJson(report);
            var byAge = Items(report["droppedByAge"]).Select(S).ToList();
            var byBudget = Items(report["droppedByBudget"]).Select(S).ToList();
            await cli.Out.WriteLineAsync($"Dropped by age: {(byAge.Count == 0 ? "none" : string.Join(", ", byAge))}");
            await cli.Out.WriteLineAsync($"Dropped by disk budget: {(byBudget.Count == 0 ? "none" : string.Join(", ", byBudget))}");
            await cli.Out.WriteLineAsync($"Message tables now use {Bytes(L(report["bytesAfter"]))}.");
            return ExitCodes.Ok;
        });
        return cli.Group("storage", "Message storage: partitions, retention run.",
            partitions, cli.Group("retention", "Retention of message partitions: run.", run));
    }
}
