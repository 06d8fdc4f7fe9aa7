using System.Diagnostics;
using Homer.Storage;
using Homer.Storage.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.LoadTool;

/// <summary>
/// Times the search on any SIP header (<see cref="HeaderSearchSql"/>: a scan of the time range's payloads) on a store
/// filled by <c>seed</c>, over one hour and over the whole day, as the API runs it (a page of 100 with the exact total).
/// </summary>
public static class HeaderSearchBench
{
    public static async Task RunAsync(string connectionString, int queries, int dayQueries, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        // The store may have been seeded by an older build: bring its schema to this one (adds the fields column).
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(ct);
        var search = new MessageQueries(dataSource);
        long total;
        DateTimeOffset first, last;
        await using (var count = dataSource.CreateCommand("SELECT count(*), min(ts), max(ts) FROM messages"))
        await using (var reader = await count.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            total = reader.GetInt64(0);
            first = reader.GetFieldValue<DateTimeOffset>(1);
            last = reader.GetFieldValue<DateTimeOffset>(2);
        }
        var random = new Random(23);
        DateTimeOffset HourEnd() => first.AddHours(1) + TimeSpan.FromTicks((long)(random.NextDouble() * (last - first - TimeSpan.FromHours(1)).Ticks));
        // The seeded From users are 10NNNNN: one of them is in about 20 messages of the day, rarely in a given hour, so
        // the page finds few rows and reads the whole range (the worst case for a scan).
        string RareFrom() => $"<sip:10{random.Next(100_000):D5}@pbx.example.com>;tag=*";
        var rareHour = await Time(queries, _ =>
        {
            var end = HourEnd();
            return search.SearchAsync(new MessageFilter { From = end.AddHours(-1), To = end, Headers = [new("From", RareFrom())] }, 100, ct);
        });
        // Compact form and a value in every INVITE and 200 OK: the page fills at once, the exact total counts the hour.
        var commonHour = await Time(queries, _ =>
        {
            var end = HourEnd();
            return search.SearchAsync(new MessageFilter { From = end.AddHours(-1), To = end, Headers = [new("m", "<sip:*:5060>")] }, 100, ct);
        });
        // A header no seeded message has, whose literal part the byte search rejects before the regular expression.
        var absentHour = await Time(queries, _ =>
        {
            var end = HourEnd();
            return search.SearchAsync(new MessageFilter { From = end.AddHours(-1), To = end, Headers = [new("P-Asserted-Identity", "*+4930*")] }, 100, ct);
        });
        var rareDay = await Time(dayQueries, _ =>
            search.SearchAsync(new MessageFilter { From = first, To = last, Headers = [new("From", RareFrom())] }, 100, ct));
        var twoDay = await Time(dayQueries, _ =>
            search.SearchAsync(new MessageFilter { From = first, To = last, Headers = [new("f", RareFrom()), new("User-Agent", "LoadPhone/*")] }, 100, ct));
        var commonDay = await Time(dayQueries, _ =>
            search.SearchAsync(new MessageFilter { From = first, To = last, Headers = [new("m", "<sip:*:5060>")] }, 100, ct));
        Console.WriteLine($"store: {total:N0} messages from {first:u} to {last:u}; p50 / p99 / max in ms (page of 100 with totalCount, counted up to 10 000):");
        Console.WriteLine($"  rare From value, one hour ({queries})                  {rareHour}");
        Console.WriteLine($"  Contact (m) in 2 of 7 messages, one hour ({queries})   {commonHour}");
        Console.WriteLine($"  absent P-Asserted-Identity *+4930*, one hour ({queries}) {absentHour}");
        Console.WriteLine($"  rare From value, whole day ({dayQueries})                 {rareDay}");
        Console.WriteLine($"  rare f + User-Agent prefix, whole day ({dayQueries})      {twoDay}");
        Console.WriteLine($"  Contact (m), whole day ({dayQueries})                     {commonDay}");
    }

    private static async Task<string> Time(int queries, Func<int, Task<MessagePage>> query)
    {
        await query(0);
        var samples = new double[queries];
        for (var i = 0; i < queries; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await query(i);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(samples);
        return FormattableString.Invariant($"{samples[queries / 2]:F0} / {samples[(int)Math.Ceiling(queries * 0.99) - 1]:F0} / {samples[^1]:F0}");
    }
}
