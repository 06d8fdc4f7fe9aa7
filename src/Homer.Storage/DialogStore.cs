using Homer.Storage.Stats;
using Npgsql;
using NpgsqlTypes;

namespace Homer.Storage;

/// <summary>One row of the <c>dialogs</c> table: a call, registration or other request as its dialog actor summarises it.</summary>
public sealed record DialogRow
{
    public required string CallId { get; init; }
    public required string Kind { get; init; }
    public required string State { get; init; }
    public string? FromUser { get; init; }
    public string? ToUser { get; init; }
    public string? RuriUser { get; init; }
    public string? CallerIp { get; init; }
    public string? CalleeIp { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? AnsweredAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public required DateTimeOffset LastSeen { get; init; }
    public long? PddMs { get; init; }
    public long? SetupMs { get; init; }
    public long? DurationMs { get; init; }
    public int? FinalStatus { get; init; }
    public string? FinalReason { get; init; }
    public int? Q850Cause { get; init; }
    public string? HangupBy { get; init; }
    public bool EndedByTimeout { get; init; }
    public long MessageCount { get; init; }
    public long Retransmissions { get; init; }
    public double? MosMin { get; init; }
    public double? MosAvg { get; init; }
    public string? CorrelationGroup { get; init; }
    public string? Node { get; init; }
}

/// <summary>
/// Writes and reads the <c>dialogs</c> table. Writes are whole batches in one statement (arrays unnested into an
/// upsert), never one round trip per dialog; a row only moves forward (see <see cref="UpsertAsync"/>).
/// </summary>
public sealed class DialogStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// A column of the dialogs table: its name, its SQL type, its values for a batch (the upsert's parameter) and how a
    /// row read back takes its value (at the column's ordinal in <see cref="RowColumns"/>).
    /// </summary>
    private sealed record Column(string Name, NpgsqlDbType Type, Func<IReadOnlyList<DialogRow>, NpgsqlParameter> Values,
        Action<DialogRow, NpgsqlDataReader, int> Read)
    {
        public string SqlType => Type switch
        {
            NpgsqlDbType.Text => "text",
            NpgsqlDbType.Inet => "inet",
            NpgsqlDbType.TimestampTz => "timestamptz",
            NpgsqlDbType.Bigint => "bigint",
            NpgsqlDbType.Integer => "int",
            NpgsqlDbType.Boolean => "bool",
            NpgsqlDbType.Double => "float8",
            _ => throw new NotSupportedException($"no SQL type name for {Type}"),
        };
    }

    /// <param name="property">The <see cref="DialogRow"/> property the read sets (<c>nameof</c>).</param>
    private static Column Col<T, TRead>(string name, NpgsqlDbType type, Func<DialogRow, T> value, Func<NpgsqlDataReader, int, TRead> read, string property)
    {
        // ReadRow sets each property of a row it has just made, before anyone sees it, as an initializer would (and as
        // System.Text.Json does for the quarantine's copy of a row): one row per read rather than a copy per column
        // (a page is up to 10 000 rows). A read whose type is not the property's fails here, when the type loads.
        var set = (Action<DialogRow, TRead>)Delegate.CreateDelegate(typeof(Action<DialogRow, TRead>),
            typeof(DialogRow).GetProperty(property)?.SetMethod ?? throw new ArgumentException($"DialogRow has no settable {property}", nameof(property)));
        return new(name, type, rows => Array(rows, value, type), (row, r, i) => set(row, read(r, i)));
    }

    /// <summary>
    /// The columns of a <see cref="DialogRow"/>, each written once with its value and its read: the upsert's column
    /// lists, its parameters, <see cref="RowColumns"/> and <see cref="ReadRow"/> come from here. A stored field is one line
    /// here (and its column in a migration).
    /// </summary>
    private static readonly Column[] Columns =
    [
        Col("call_id", NpgsqlDbType.Text, d => Clean(d.CallId), TextNotNull, nameof(DialogRow.CallId)),
        Col("kind", NpgsqlDbType.Text, d => d.Kind, TextNotNull, nameof(DialogRow.Kind)),
        Col("state", NpgsqlDbType.Text, d => d.State, TextNotNull, nameof(DialogRow.State)),
        Col("from_user", NpgsqlDbType.Text, d => Clean(d.FromUser), Text, nameof(DialogRow.FromUser)),
        Col("to_user", NpgsqlDbType.Text, d => Clean(d.ToUser), Text, nameof(DialogRow.ToUser)),
        Col("ruri_user", NpgsqlDbType.Text, d => Clean(d.RuriUser), Text, nameof(DialogRow.RuriUser)),
        Col("caller_ip", NpgsqlDbType.Inet, d => Inet(d.CallerIp), Text, nameof(DialogRow.CallerIp)),
        Col("callee_ip", NpgsqlDbType.Inet, d => Inet(d.CalleeIp), Text, nameof(DialogRow.CalleeIp)),
        Col("started_at", NpgsqlDbType.TimestampTz, d => d.StartedAt.UtcDateTime, TimeNotNull, nameof(DialogRow.StartedAt)),
        Col("answered_at", NpgsqlDbType.TimestampTz, d => d.AnsweredAt?.UtcDateTime, Time, nameof(DialogRow.AnsweredAt)),
        Col("ended_at", NpgsqlDbType.TimestampTz, d => d.EndedAt?.UtcDateTime, Time, nameof(DialogRow.EndedAt)),
        Col("expires_at", NpgsqlDbType.TimestampTz, d => d.ExpiresAt?.UtcDateTime, Time, nameof(DialogRow.ExpiresAt)),
        Col("last_seen", NpgsqlDbType.TimestampTz, d => d.LastSeen.UtcDateTime, TimeNotNull, nameof(DialogRow.LastSeen)),
        Col("pdd_ms", NpgsqlDbType.Bigint, d => d.PddMs, Long, nameof(DialogRow.PddMs)),
        Col("setup_ms", NpgsqlDbType.Bigint, d => d.SetupMs, Long, nameof(DialogRow.SetupMs)),
        Col("duration_ms", NpgsqlDbType.Bigint, d => d.DurationMs, Long, nameof(DialogRow.DurationMs)),
        Col("final_status", NpgsqlDbType.Integer, d => d.FinalStatus, Int, nameof(DialogRow.FinalStatus)),
        Col("final_reason", NpgsqlDbType.Text, d => Clean(d.FinalReason), Text, nameof(DialogRow.FinalReason)),
        Col("q850_cause", NpgsqlDbType.Integer, d => d.Q850Cause, Int, nameof(DialogRow.Q850Cause)),
        Col("hangup_by", NpgsqlDbType.Text, d => Clean(d.HangupBy), Text, nameof(DialogRow.HangupBy)),
        Col("ended_by_timeout", NpgsqlDbType.Boolean, d => d.EndedByTimeout, Bool, nameof(DialogRow.EndedByTimeout)),
        Col("message_count", NpgsqlDbType.Bigint, d => d.MessageCount, LongNotNull, nameof(DialogRow.MessageCount)),
        Col("retransmissions", NpgsqlDbType.Bigint, d => d.Retransmissions, LongNotNull, nameof(DialogRow.Retransmissions)),
        Col("mos_min", NpgsqlDbType.Double, d => d.MosMin, Double, nameof(DialogRow.MosMin)),
        Col("mos_avg", NpgsqlDbType.Double, d => d.MosAvg, Double, nameof(DialogRow.MosAvg)),
        Col("correlation_group", NpgsqlDbType.Text, d => Clean(d.CorrelationGroup), Text, nameof(DialogRow.CorrelationGroup)),
        Col("node", NpgsqlDbType.Text, d => Clean(d.Node), Text, nameof(DialogRow.Node)),
    ];

    private static readonly string ColumnNames = string.Join(", ", Columns.Select(c => c.Name));

    // A row is replaced by a version that has seen at least as many messages, or by a genuinely new dialog reusing the
    // Call-ID (a registration refreshed after it expired). A stray late retransmission after the dialog retired starts
    // an UNKNOWN dialog with one message: it must not overwrite the summary.
    // Counting is decided in the same statement: a row version counts the call's KPIs when it is the first written
    // ended (and its MOS when it is the first ended with a MOS), judged against the current row, which ON CONFLICT
    // has locked, so two writers of one call never both count it. A new dialog reusing the Call-ID is counted again;
    // a newer version of the same one is not.
    // The unique key of migration 105 (IndexedText.DialogKey), which ON CONFLICT must name as the index says it.
    private static readonly string UpsertSql = $$"""
        WITH written AS (
            INSERT INTO dialogs AS d ({{ColumnNames}}, updated_at, stats_counted, counted_now, mos_counted, mos_counted_now)
            SELECT v.*, now(), x.ended, x.ended, x.ended AND v.mos_avg IS NOT NULL, x.ended AND v.mos_avg IS NOT NULL
            FROM unnest({{string.Join(", ", Columns.Select((c, i) => $"${i + 1}::{c.SqlType}[]"))}}) AS v({{ColumnNames}})
            CROSS JOIN LATERAL (SELECT v.kind = 'CALL' AND v.ended_at IS NOT NULL) AS x(ended)
            ON CONFLICT ({{IndexedText.DialogKey}}) DO UPDATE SET
                {{string.Join(", ", Columns.Skip(1).Select(c => $"{c.Name} = EXCLUDED.{c.Name}"))}}, updated_at = now(),
                -- EXCLUDED.stats_counted / mos_counted carry "this version is ended (with a MOS)".
                stats_counted = (d.stats_counted AND EXCLUDED.started_at <= d.last_seen) OR EXCLUDED.stats_counted,
                counted_now = EXCLUDED.stats_counted AND NOT (d.stats_counted AND EXCLUDED.started_at <= d.last_seen),
                mos_counted = (d.mos_counted AND EXCLUDED.started_at <= d.last_seen) OR EXCLUDED.mos_counted,
                mos_counted_now = EXCLUDED.mos_counted AND NOT (d.mos_counted AND EXCLUDED.started_at <= d.last_seen)
            WHERE d.message_count <= EXCLUDED.message_count
               OR (EXCLUDED.state <> 'UNKNOWN' AND EXCLUDED.started_at > d.last_seen)
            RETURNING counted_now, mos_counted_now, started_at, node, state, final_status, pdd_ms, setup_ms, duration_ms,
                      answered_at IS NOT NULL, message_count, retransmissions, mos_avg)
        -- One row per version that counts something, and always at least one row, which carries how many were written.
        SELECT n.total, w.* FROM (SELECT count(*) AS total FROM written) n
        LEFT JOIN written w ON w.counted_now OR w.mos_counted_now
        """;

    public async Task<int> UpsertAsync(IReadOnlyList<DialogRow> rows, CancellationToken ct = default) =>
        (await UpsertAndCountAsync(rows, ct)).Rows;

    /// <summary>
    /// Upserts the rows and, in the same transaction, adds the KPIs of calls that are now ended to
    /// <c>stats_counters</c>; returns what was counted so the caller can feed its metrics.
    /// </summary>
    public async Task<DialogUpsertResult> UpsertAndCountAsync(IReadOnlyList<DialogRow> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0)
            return DialogUpsertResult.Empty;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand(UpsertSql, connection, tx);
        foreach (var column in Columns)
            cmd.Parameters.Add(column.Values(rows));
        var written = 0;
        var delta = new StatsDelta();
        var calls = new List<CountedCall>();
        var mos = new List<(string Node, double Value)>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                written = (int)r.GetInt64(0);
                if (r.IsDBNull(1))
                    continue;
                var startedAt = r.GetFieldValue<DateTime>(3);
                var node = Text(r, 4) ?? "";
                if (r.GetBoolean(1))
                {
                    var call = new CountedCall(startedAt, node, r.GetString(5), r.IsDBNull(6) ? null : r.GetInt32(6),
                        Long(r, 7), Long(r, 8), Long(r, 9), r.GetBoolean(10), r.GetInt64(11), r.GetInt64(12));
                    calls.Add(call);
                    call.AddTo(delta);
                }
                if (r.GetBoolean(2))
                {
                    var value = r.GetDouble(13);
                    mos.Add((node, value));
                    delta.Add(startedAt, StatsMetrics.Mos, StatsHistogram.MosKeyOf(value), node, 0, 1, value);
                }
            }
        await delta.WriteAsync(connection, tx, ct);
        await tx.CommitAsync(ct);
        return new DialogUpsertResult(written, calls, mos);
    }

    /// <summary>The columns <see cref="ReadRow"/> reads, in the order of <see cref="Columns"/>.</summary>
    internal static readonly string RowColumns = string.Join(", ", Columns.Select(c => c.Type == NpgsqlDbType.Inet ? $"host({c.Name})" : c.Name));

    public async Task<DialogRow?> GetAsync(string callId, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {RowColumns} FROM dialogs WHERE {IndexedText.EqualsSql("call_id", "$1")}");
        cmd.Parameters.AddWithValue(StorableText.Clean(callId)!);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadRow(r) : null;
    }

    /// <summary>The row at the reader, whose columns are <see cref="RowColumns"/>.</summary>
    internal static DialogRow ReadRow(NpgsqlDataReader r)
    {
        // The required properties all have a column, which sets them.
        var row = new DialogRow { CallId = "", Kind = "", State = "", StartedAt = default, LastSeen = default };
        for (var i = 0; i < Columns.Length; i++)
            Columns[i].Read(row, r, i);
        return row;
    }

    private static NpgsqlParameter Array<T>(IReadOnlyList<DialogRow> rows, Func<DialogRow, T> value, NpgsqlDbType type)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++)
            values[i] = value(rows[i]);
        return new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };
    }

    private static System.Net.IPAddress? Inet(string? ip) => System.Net.IPAddress.TryParse(ip, out var address) ? address : null;

    // The decoder has applied the store's text rule to everything that comes off the wire; this is the last guard.
    private static string? Clean(string? value) => StorableText.Clean(value);

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static string TextNotNull(NpgsqlDataReader r, int i) => r.GetString(i);

    private static DateTimeOffset TimeNotNull(NpgsqlDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);

    private static bool Bool(NpgsqlDataReader r, int i) => r.GetBoolean(i);

    private static long LongNotNull(NpgsqlDataReader r, int i) => r.GetInt64(i);

    private static int? Int(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static double? Double(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}

/// <param name="Mos">The average MOS of each call that got QoS reports, with the call's HEP node.</param>
public sealed record DialogUpsertResult(int Rows, IReadOnlyList<CountedCall> Calls, IReadOnlyList<(string Node, double Value)> Mos)
{
    public static readonly DialogUpsertResult Empty = new(0, [], []);
}

/// <summary>An ended call as counted into the statistics (dialog KPIs are per HEP node; capture id 0).</summary>
public sealed record CountedCall(DateTime StartedAt, string Node, string State, int? FinalStatus, long? PddMs, long? SetupMs,
    long? DurationMs, bool Answered, long MessageCount, long Retransmissions)
{
    /// <summary>
    /// The outcome class. ASR and NER follow RFC 6076 (SER, SEER): redirected attempts are left out of the
    /// denominator, and so is an attempt that only got a 401/407 (an auth challenge that was never answered).
    /// </summary>
    public string Outcome => Answered ? CallOutcomes.Answered
        : State == "CANCELLED" ? CallOutcomes.Cancelled
        : FinalStatus is 401 or 407 ? CallOutcomes.ChallengeOnly
        : State == "REDIRECTED" || FinalStatus is >= 300 and < 400 ? CallOutcomes.Redirected
        : FinalStatus >= 600 ? CallOutcomes.Failed6xx
        : FinalStatus >= 500 ? CallOutcomes.Failed5xx
        : FinalStatus >= 400 ? CallOutcomes.Failed4xx
        : CallOutcomes.NoFinal;

    public bool IsAttempt => Outcome is not (CallOutcomes.ChallengeOnly or CallOutcomes.Redirected);

    /// <summary>RFC 6076 SEER: answered, or ended by the user (480, 486, 600, 603).</summary>
    public bool IsUserEffective => !Answered && FinalStatus is 480 or 486 or 600 or 603;

    public void AddTo(StatsDelta delta)
    {
        void Add(string metric, string key, long count = 1, double total = 0) => delta.Add(StartedAt, metric, key, Node, 0, count, total);
        Add(StatsMetrics.Call, Outcome);
        if (IsAttempt)
            Add(StatsMetrics.Call, CallOutcomes.Attempt);
        if (IsUserEffective)
            Add(StatsMetrics.Call, CallOutcomes.UserEffective);
        if (PddMs is { } pdd)
            Add(StatsMetrics.PddHistogram, StatsHistogram.KeyOf(pdd), 1, pdd);
        if (Answered && SetupMs is { } setup)
            Add(StatsMetrics.SetupHistogram, StatsHistogram.KeyOf(setup), 1, setup);
        if (Answered && DurationMs is { } duration)
            Add(StatsMetrics.Duration, "", 1, duration / 1000.0);
        Add(StatsMetrics.Retransmissions, "messages", MessageCount);
        Add(StatsMetrics.Retransmissions, "retransmissions", Retransmissions);
    }
}
