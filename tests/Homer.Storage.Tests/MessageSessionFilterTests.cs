using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>
/// The session filters that have no index of their own (CSeq, reason phrase, Diversion, transaction type), on a
/// small known store spread over two days so the time range prunes as it does in production.
/// </summary>
public sealed class MessageSessionFilterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private StoreDatabase _db = null!;
    private NpgsqlDataSource _dataSource = null!;
    private NpgsqlDataSource _lookup = null!;
    private MessageQueries _queries = null!;

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync();
        _dataSource = _db.DataSource;
        _lookup = MessageQueries.CreateLookupDataSource(_db.ConnectionString);
        _queries = new MessageQueries(_dataSource, _lookup);
        const string divert = """{"diversion":"\"Desk 900\" <sip:900@pbx.example.com;user=phone>;reason=unconditional;counter=1"}""";
        const string divertTel = """{"diversion":"<tel:+4930123456>;reason=user-busy"}""";
        var rows = new List<CapturedMessage>
        {
            Row(0, "a", MessageProfile.Call, "INVITE", null, null, 102, "INVITE", divert),
            Row(1, "a", MessageProfile.Call, null, 100, "Trying", 102, "INVITE", null),
            Row(2, "a", MessageProfile.Call, null, 486, "Busy Here", 102, "INVITE", null),
            Row(3, "a", MessageProfile.Call, "ACK", null, null, 102, "ACK", null),
            Row(4, "b", MessageProfile.Registration, "REGISTER", null, null, 1, "REGISTER", null),
            Row(5, "b", MessageProfile.Registration, null, 401, "Unauthorized", 1, "REGISTER", null),
            Row(6, "c", MessageProfile.Default, "OPTIONS", null, null, 7, "OPTIONS", null),
            Row(7, "c", MessageProfile.Default, null, 200, "OK", 7, "OPTIONS", null),
            Row(8, "d", MessageProfile.Call, "INVITE", null, null, 1, "INVITE", divertTel),
            Row(9, "d", MessageProfile.Call, null, 480, "Temporarily Unavailable (busy_lamp%)", 1, "INVITE", null),
            // The next day: the same CSeq and reason, outside the searched range.
            Row(86_400, "e", MessageProfile.Call, null, 486, "Busy here", 102, "INVITE", divert),
        };
        var manager = new PartitionManager(_dataSource, new StorageOptions { ConnectionString = "unused" }, NullLogger<PartitionManager>.Instance);
        await manager.EnsurePartitionsAsync(T0);
        await manager.EnsurePartitionsAsync(T0.AddDays(1));
        await new MessageStoreWriter(_dataSource).WriteAsync(rows);
    }

    public async Task DisposeAsync()
    {
        await _lookup.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>Within the first day, as the dashboard always sends a range.</summary>
    private async Task<IReadOnlyList<string>> Find(MessageFilter filter) =>
        (await _queries.SearchAsync(filter with { From = filter.From ?? T0, To = filter.To ?? T0.AddHours(1) }, 100)).Nodes
        .Select(n => $"{n.CallId}:{n.Method ?? n.StatusCode.ToString()}").ToList();

    [Fact]
    public async Task CSeq_matches_number_method_or_both_as_typed_and_replies_follow_their_request()
    {
        Assert.Equal(["a:INVITE", "a:100", "a:486"], await Find(new MessageFilter { CSeq = "102 INVITE" }));
        Assert.Equal(["a:INVITE", "a:100", "a:486", "a:ACK"], await Find(new MessageFilter { CSeq = " 102 " }));
        Assert.Equal(["b:REGISTER", "b:401"], await Find(new MessageFilter { CSeq = "register" }));
        Assert.Equal(["d:INVITE", "d:480"], await Find(new MessageFilter { CSeq = "1\tInvite" }));
        Assert.Empty(await Find(new MessageFilter { CSeq = "103 INVITE" }));
        // Without a range the next day's reply is found too.
        Assert.Equal(4, (await _queries.SearchAsync(new MessageFilter { CSeq = "102 INVITE" }, 100)).TotalCount);
        foreach (var bad in new[] { "INVITE 102", "1 2", "-1", "102 INVITE x", "99999999999" })
        {
            var e = await Assert.ThrowsAsync<MessageFilterException>(() => Find(new MessageFilter { CSeq = bad }));
            Assert.Contains("cseq", e.Message);
        }
    }

    [Fact]
    public async Task Reason_is_a_case_insensitive_substring_with_wildcards_and_literal_LIKE_characters()
    {
        Assert.Equal(["a:486", "d:480"], await Find(new MessageFilter { Reason = "busy" }));
        Assert.Equal(["a:486"], await Find(new MessageFilter { Reason = "busy here" }));
        Assert.Equal(["a:486"], await Find(new MessageFilter { Reason = "b*y h" }));
        Assert.Equal(["b:401"], await Find(new MessageFilter { Reason = " UNAUTHORIZED " }));
        Assert.Equal(["d:480"], await Find(new MessageFilter { Reason = "busy_lamp%" }));
        Assert.Empty(await Find(new MessageFilter { Reason = "busy lamp" }));
        Assert.Equal(["a:486", "d:480"], await Find(new MessageFilter { Reason = "b?sy" }));
        // Requests carry no reason phrase.
        Assert.Empty(await Find(new MessageFilter { Reason = "INVITE" }));
    }

    [Fact]
    public async Task Diversion_matches_the_user_or_user_at_host_of_sip_and_tel_URIs()
    {
        Assert.Equal(["a:INVITE"], await Find(new MessageFilter { Diversion = "900" }));
        Assert.Equal(["a:INVITE"], await Find(new MessageFilter { Diversion = "900@PBX.example.com" }));
        Assert.Equal(["a:INVITE"], await Find(new MessageFilter { Diversion = "<sip:900@pbx.example.com>" }));
        Assert.Equal(["a:INVITE"], await Find(new MessageFilter { Diversion = "9*@*.example.com" }));
        Assert.Equal(["d:INVITE"], await Find(new MessageFilter { Diversion = "+4930123456" }));
        Assert.Equal(["d:INVITE"], await Find(new MessageFilter { Diversion = "tel:+4930*" }));
        Assert.Equal(["a:INVITE", "d:INVITE"], await Find(new MessageFilter { Diversion = "*" }));
        // Parts of a user, the display name, another host or a parameter do not match.
        Assert.Empty(await Find(new MessageFilter { Diversion = "90" }));
        Assert.Empty(await Find(new MessageFilter { Diversion = "Desk" }));
        Assert.Empty(await Find(new MessageFilter { Diversion = "900@pbx" }));
        Assert.Empty(await Find(new MessageFilter { Diversion = "unconditional" }));
        Assert.Empty(await Find(new MessageFilter { Diversion = "4930123456" }));
        var e = await Assert.ThrowsAsync<MessageFilterException>(() => Find(new MessageFilter { Diversion = "900@" }));
        Assert.Contains("diversion", e.Message);
    }

    [Fact]
    public async Task Transaction_type_is_the_profile_and_combines_with_the_other_filters()
    {
        Assert.Equal(["b:REGISTER", "b:401"], await Find(new MessageFilter { Profiles = [MessageProfile.Registration] }));
        Assert.Equal(["c:OPTIONS", "c:200"], await Find(new MessageFilter { Profiles = [MessageProfile.Default] }));
        Assert.Equal(6, (await Find(new MessageFilter { Profiles = [MessageProfile.Call] })).Count);
        Assert.Equal(["b:401", "c:200"], await Find(new MessageFilter { Profiles = [MessageProfile.Registration, MessageProfile.Default], StatusCodes = [401, 200] }));
        Assert.Equal(["a:486"], await Find(new MessageFilter { Profiles = [MessageProfile.Call], CSeq = "102", Reason = "here", CallId = "a" }));
        Assert.Empty(await Find(new MessageFilter { Profiles = [MessageProfile.Registration], Diversion = "900" }));
    }

    [Fact]
    public async Task A_transaction_type_search_reads_only_its_own_table_and_the_partitions_of_the_range()
    {
        // The plan the search runs, with the same parameters: other profiles' tables and other days are not scanned.
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var explain = new NpgsqlCommand("""
            EXPLAIN (COSTS OFF) SELECT id FROM messages
            WHERE ts >= $1 AND ts <= $2 AND profile = ANY($3) AND cseq = $4 AND reason ILIKE $5
            """, connection);
        explain.Parameters.Add(new NpgsqlParameter { Value = T0.UtcDateTime });
        explain.Parameters.Add(new NpgsqlParameter { Value = T0.AddHours(1).UtcDateTime });
        explain.Parameters.Add(new NpgsqlParameter { Value = new short[] { (short)MessageProfile.Call } });
        explain.Parameters.Add(new NpgsqlParameter { Value = 102L });
        explain.Parameters.Add(new NpgsqlParameter { Value = "%busy%" });
        var plan = new StringBuilder();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.AppendLine(reader.GetString(0));
        var text = plan.ToString();
        Assert.Contains("hep_call_", text);
        foreach (var other in new[] { "hep_registration", "hep_default", "hep_qos", "hep_rtcp", "hep_log", "hep_generic" })
            Assert.DoesNotContain(other, text);
        Assert.DoesNotContain("20261128", text);
    }

    [Fact]
    public void The_diversion_pattern_escapes_what_the_engineer_typed()
    {
        Assert.Equal(@"(^|[<\s""])(sips?|tel):900([@;>?]|$)", MessageQueries.DiversionPattern("900"));
        Assert.Equal(@"(^|[<\s""])(sips?|tel):a\.b@h\.example([:;>?]|$)", MessageQueries.DiversionPattern("sips:a.b@h.example"));
        Assert.Equal(@"(^|[<\s""])(sips?|tel):\+49[^@;>?]*([@;>?]|$)", MessageQueries.DiversionPattern("+49*"));
        Assert.Equal(new CSeqFilter(102, "INVITE"), CSeqFilter.Parse("102 invite"));
        Assert.Null(CSeqFilter.Parse("  "));
    }

    private static CapturedMessage Row(int second, string callId, MessageProfile profile, string? method, int? status, string? reason,
        long cseq, string cseqMethod, string? headers) => new()
    {
        TimestampMicros = (T0.AddSeconds(second) - DateTimeOffset.UnixEpoch).Ticks / 10,
        Profile = profile,
        ProtocolType = 1,
        IpProtocol = 17,
        SourceIp = IPAddress.Parse("10.0.0.1"),
        SourcePort = 5060,
        DestinationIp = IPAddress.Parse("10.0.0.2"),
        DestinationPort = 5060,
        CaptureId = 1,
        CallId = callId,
        Method = method,
        StatusCode = status,
        ReasonPhrase = reason,
        CSeqNumber = cseq,
        CSeqMethod = cseqMethod,
        HeadersJson = headers,
        Payload = Encoding.UTF8.GetBytes(method is null
            ? $"SIP/2.0 {status} {reason}\r\nCall-ID: {callId}\r\nCSeq: {cseq} {cseqMethod}\r\n\r\n"
            : $"{method} sip:x@y SIP/2.0\r\nCall-ID: {callId}\r\nCSeq: {cseq} {cseqMethod}\r\n\r\n"),
    };
}
