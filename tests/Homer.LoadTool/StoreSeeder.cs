using System.Diagnostics;
using System.Net;
using System.Text;
using Homer.Storage;
using Homer.Storage.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.LoadTool;

/// <summary>
/// Fills a store with realistic SIP calls (7 messages each, ~700-byte payloads, 100 000 users) spread over a time
/// window ending now, through the same COPY writer the node uses, so search latency can be measured at scale.
/// </summary>
public static class StoreSeeder
{
    public const int Users = 100_000;

    /// <param name="dialogs">Also write each call's row in the dialogs table, as its dialog actor would on BYE.</param>
    public static async Task SeedAsync(string connectionString, long messages, TimeSpan window, CancellationToken ct, bool dialogs = false)
    {
        // No command timeout: the top lists and ANALYZE of ten million rows take longer than Npgsql's default 30 s.
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 }.ConnectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var options = new StorageOptions { ConnectionString = connectionString, PartitionsBehind = (int)Math.Ceiling(window.TotalDays) + 1 };
        await new PartitionManager(dataSource, options, NullLogger<PartitionManager>.Instance).EnsurePartitionsAsync(now, ct);

        var writer = new MessageStoreWriter(dataSource);
        var generator = new CallGenerator("seed" + Guid.NewGuid().ToString("N")[..6], 1, null);
        const int batchSize = 10_000;
        var calls = messages / CallGenerator.MessagesPerCall;
        var clock = Stopwatch.StartNew();
        long written = 0;
        var random = new Random(20261127);
        var pending = new List<Task>();
        var batch = new List<CapturedMessage>(batchSize);
        var dialogStore = new DialogStore(dataSource);
        var dialogRows = new List<DialogRow>(batchSize / CallGenerator.MessagesPerCall + 1);
        for (long c = 0; c < calls && !ct.IsCancellationRequested; c++)
        {
            var call = generator.NewCall();
            var start = now - window + TimeSpan.FromTicks((long)(random.NextDouble() * window.Ticks));
            var user = random.Next(Users);
            for (var i = 0; i < call.Messages.Length; i++)
                batch.Add(Row(call, i, start.AddMilliseconds(i * 400), user));
            if (dialogs)
                dialogRows.Add(Dialog(call, start, user));
            if (batch.Count >= batchSize)
            {
                if (dialogRows.Count > 0)
                {
                    await dialogStore.UpsertAsync(dialogRows, ct);
                    dialogRows.Clear();
                }
                var full = batch;
                batch = new List<CapturedMessage>(batchSize);
                pending.Add(writer.WriteAsync(full, ct));
                // Two COPYs in flight: one fills PostgreSQL while the next batch is built.
                if (pending.Count >= 2)
                {
                    var done = await Task.WhenAny(pending);
                    pending.Remove(done);
                    await done;
                }
                written += full.Count;
                if (written % 1_000_000 < batchSize)
                    Console.Error.WriteLine($"{written:N0} messages in {clock.Elapsed.TotalSeconds:F0} s ({written / clock.Elapsed.TotalSeconds:F0}/s)");
            }
        }
        pending.Add(writer.WriteAsync(batch, ct));
        if (dialogRows.Count > 0)
            await dialogStore.UpsertAsync(dialogRows, ct);
        await Task.WhenAll(pending);
        await writer.FlushTopKeysAsync(ct);
        written += batch.Count;
        await using (var analyze = dataSource.CreateCommand("ANALYZE"))
            await analyze.ExecuteNonQueryAsync(ct);
        Console.WriteLine($"seeded {written:N0} messages over {window.TotalHours:F0} h in {clock.Elapsed.TotalSeconds:F0} s ({written / clock.Elapsed.TotalSeconds:F0}/s)");
    }

    public static string UserName(int user) => $"u{user:D6}";

    /// <summary>The one proxy every seeded call goes through: on one side of every message.</summary>
    public static readonly IPAddress ProxyAddress = IPAddress.Parse("198.51.100.1");

    /// <summary>The summary a dialog actor writes for the 7-message call <see cref="Row"/> stores (messages 400 ms apart).</summary>
    private static DialogRow Dialog(CallGenerator.Call call, DateTimeOffset start, int user) => new()
    {
        CallId = call.CallId,
        Kind = "CALL",
        State = "COMPLETED",
        FromUser = UserName(user),
        ToUser = UserName((user * 7 + 13) % Users),
        RuriUser = UserName((user * 7 + 13) % Users),
        CallerIp = call.Phone.ToString(),
        CalleeIp = "198.51.100.1",
        StartedAt = start,
        AnsweredAt = start.AddMilliseconds(1200),
        EndedAt = start.AddMilliseconds(2000),
        LastSeen = start.AddMilliseconds(2400),
        PddMs = 800,
        SetupMs = 1200,
        DurationMs = 800,
        FinalStatus = 200,
        FinalReason = "OK",
        HangupBy = "caller",
        MessageCount = CallGenerator.MessagesPerCall,
        Node = "seed",
    };

    private static CapturedMessage Row(CallGenerator.Call call, int index, DateTimeOffset ts, int user)
    {
        var text = call.Messages[index];
        var isRequest = !text.StartsWith("SIP/2.0", StringComparison.Ordinal);
        var method = isRequest ? text[..text.IndexOf(' ')] : null;
        int? status = isRequest ? null : int.Parse(text.AsSpan(8, 3), System.Globalization.CultureInfo.InvariantCulture);
        var cseqMethod = index is 5 or 6 ? "BYE" : index == 4 ? "ACK" : "INVITE";
        return new CapturedMessage
        {
            TimestampMicros = (ts - DateTimeOffset.UnixEpoch).Ticks / 10,
            Profile = MessageProfile.Call,
            ProtocolType = 1,
            IpProtocol = 17,
            Transport = "UDP",
            SourceIp = isRequest ? call.Phone : ProxyAddress,
            SourcePort = 5060,
            DestinationIp = isRequest ? ProxyAddress : call.Phone,
            DestinationPort = 5060,
            CaptureId = 1,
            NodeName = "seed",
            CallId = call.CallId,
            Method = method,
            StatusCode = status,
            FromUser = UserName(user),
            FromDomain = "pbx.example.com",
            FromTag = "f",
            ToUser = UserName((user * 7 + 13) % Users),
            ToDomain = "carrier.example.net",
            CSeqNumber = index >= 5 ? 2 : 1,
            CSeqMethod = cseqMethod,
            UserAgent = isRequest ? "LoadPhone/1.0" : "LoadProxy/1.0",
            HeadersJson = "{\"via\":{\"transport\":\"UDP\",\"branch\":\"z9hG4bK1\"}}",
            Payload = Encoding.ASCII.GetBytes(text),
        };
    }
}

/// <summary>Search latency at scale, through the same query layer the API uses.</summary>
public static class SearchBench
{
    public static async Task RunAsync(string connectionString, int queries, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var lookup = MessageQueries.CreateLookupDataSource(connectionString);
        var search = new MessageQueries(dataSource, lookup);
        var callIds = new List<string>();
        var addresses = new List<(string Ip, DateTimeOffset At)>();
        await using (var sample = dataSource.CreateCommand(
            $"SELECT call_id, host(src_ip), ts FROM hep_call TABLESAMPLE SYSTEM (0.1) WHERE call_id IS NOT NULL AND method IS NOT NULL LIMIT {queries}"))
        await using (var reader = await sample.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                callIds.Add(reader.GetString(0));
                addresses.Add((reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        long total;
        await using (var count = dataSource.CreateCommand("SELECT count(*) FROM messages"))
            total = (long)(await count.ExecuteScalarAsync(ct))!;

        var random = new Random(7);
        var byCallId = await Time(queries, i => search.SearchAsync(new MessageFilter { CallId = callIds[i % callIds.Count] }, 100, ct));
        var byUser = await Time(queries, _ =>
        {
            var end = DateTimeOffset.UtcNow.AddHours(-random.NextDouble() * 20);
            return search.SearchAsync(new MessageFilter { FromUser = StoreSeeder.UserName(random.Next(StoreSeeder.Users)), From = end.AddHours(-1), To = end }, 100, ct);
        });
        var byPrefix = await Time(queries, _ =>
        {
            var end = DateTimeOffset.UtcNow.AddHours(-random.NextDouble() * 20);
            return search.SearchAsync(new MessageFilter { FromUser = StoreSeeder.UserName(random.Next(StoreSeeder.Users))[..5] + "*", From = end.AddHours(-1), To = end }, 100, ct);
        });
        // A phone's address (the source of a sampled request), on either side, over the hour around that request; and
        // the proxy's, which is in every message of the store.
        var byAddress = await Time(queries, i =>
        {
            var (ip, at) = addresses[i % addresses.Count];
            return search.SearchAsync(new MessageFilter { AnyIp = ip, From = at.AddMinutes(-30), To = at.AddMinutes(30) }, 100, ct);
        });
        var byProxy = await Time(queries, _ =>
        {
            var end = DateTimeOffset.UtcNow.AddHours(-random.NextDouble() * 20);
            return search.SearchAsync(new MessageFilter { AnyIp = StoreSeeder.ProxyAddress.ToString(), From = end.AddHours(-1), To = end }, 100, ct);
        });
        Console.WriteLine($"store: {total:N0} messages; {queries} queries each, p50 / p99 / max in ms (page of 100 with exact totalCount):");
        Console.WriteLine($"  by Call-ID                     {byCallId}");
        Console.WriteLine($"  by from-user, one-hour window  {byUser}");
        Console.WriteLine($"  by from-user prefix, one hour  {byPrefix}");
        Console.WriteLine($"  by a phone's address, 1 hour   {byAddress}");
        Console.WriteLine($"  by the proxy's address, 1 hour {byProxy}");
    }

    private static async Task<string> Time(int queries, Func<int, Task<MessagePage>> query)
    {
        await query(0); // warm the connection and the plan
        var samples = new double[queries];
        for (var i = 0; i < queries; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await query(i);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(samples);
        return FormattableString.Invariant($"{samples[queries / 2]:F1} / {samples[(int)Math.Ceiling(queries * 0.99) - 1]:F1} / {samples[^1]:F1}");
    }
}
