using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>The search layer over a small known store: every filter, patterns, subnets, keyset pages, de-duplication.</summary>
public sealed class MessageSearchTests : IAsyncLifetime
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
        // As the node builds it: lookups without a time range go through prepared, generic-plan connections.
        _lookup = MessageQueries.CreateLookupDataSource(_db.ConnectionString);
        _queries = new MessageQueries(_dataSource, _lookup);
        var rows = new List<CapturedMessage>
        {
            Row(0, "c1", "INVITE", null, "alice", "example.com", "bob", "10.1.0.1", 5060, "10.2.0.1", 5060, 1, "Linphone/5.0"),
            Row(1, "c1", null, 100, "alice", "example.com", "bob", "10.2.0.1", 5060, "10.1.0.1", 5060, 1, "Kamailio"),
            Row(2, "c1", null, 486, "alice", "example.com", "bob", "10.2.0.1", 5060, "10.1.0.1", 5060, 1, "Kamailio"),
            Row(3, "c2", "REGISTER", null, "alicia", "example.org", "alicia", "192.168.7.9", 5070, "10.2.0.1", 5060, 2, "friendly-scanner"),
            Row(4, "c3", "OPTIONS", null, "b_ob", "example.net", "x%y", "2001:db8::5", 5060, "2001:db8::6", 5080, 3, null),
        };
        // The same INVITE as seen by a second agent 30 ms later, and again by the first agent 5 s later (a retransmission).
        rows.Add(rows[0] with { CaptureId = 9, TimestampMicros = rows[0].TimestampMicros + 30_000 });
        rows.Add(rows[0] with { TimestampMicros = rows[0].TimestampMicros + 5_000_000 });
        var manager = new PartitionManager(_dataSource, new StorageOptions { ConnectionString = "unused" }, NullLogger<PartitionManager>.Instance);
        await manager.EnsurePartitionsAsync(T0);
        await new MessageStoreWriter(_dataSource).WriteAsync(rows);
    }

    public async Task DisposeAsync()
    {
        await _lookup.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<IReadOnlyList<string>> Find(MessageFilter filter) =>
        (await _queries.SearchAsync(filter, 100)).Nodes.Select(n => $"{n.CallId}:{n.Method ?? n.StatusCode.ToString()}").ToList();

    [Fact]
    public async Task Each_typed_field_filters()
    {
        Assert.Equal(["c1:INVITE", "c1:INVITE", "c1:100", "c1:486", "c1:INVITE"], await Find(new MessageFilter { CallIds = ["c1"] }));
        Assert.Equal(["c2:REGISTER", "c3:OPTIONS"], await Find(new MessageFilter { Methods = ["register", "OPTIONS"] }));
        Assert.Equal(["c1:486"], await Find(new MessageFilter { StatusCodes = [486, 603] }));
        Assert.Equal(["c2:REGISTER"], await Find(new MessageFilter { UserAgent = "friendly-scanner" }));
        Assert.Equal(["c2:REGISTER"], await Find(new MessageFilter { CaptureId = 2 }));
        Assert.Equal(["c3:OPTIONS"], await Find(new MessageFilter { DestinationPort = 5080 }));
        Assert.Equal(["c2:REGISTER"], await Find(new MessageFilter { AnyPort = 5070 }));
        Assert.Equal(["c3:OPTIONS"], await Find(new MessageFilter { FromDomain = "example.net" }));
        Assert.Equal(["c2:REGISTER", "c3:OPTIONS"], await Find(new MessageFilter { From = T0.AddSeconds(3), To = T0.AddSeconds(4) }));
        Assert.Equal(["c1:100"], await Find(new MessageFilter { PayloadContains = "SIP/2.0 100" }));
    }

    [Fact]
    public async Task Users_and_domains_match_exactly_by_prefix_or_by_wildcard_with_LIKE_characters_taken_literally()
    {
        Assert.Equal(5, (await Find(new MessageFilter { FromUser = "alice" })).Count);
        Assert.Equal(6, (await Find(new MessageFilter { FromUser = "ali*" })).Count);
        Assert.Equal(["c2:REGISTER"], await Find(new MessageFilter { FromUser = "al?cia" }));
        Assert.Equal(["c3:OPTIONS"], await Find(new MessageFilter { FromUser = "b_o*" }));
        Assert.Empty(await Find(new MessageFilter { FromUser = "bxo*" }));
        Assert.Equal(["c3:OPTIONS"], await Find(new MessageFilter { ToUser = "x%*" }));
        Assert.Equal(["c2:REGISTER"], await Find(new MessageFilter { FromDomain = "*.org" }));
    }

    [Fact]
    public async Task Addresses_match_exactly_by_subnet_and_on_either_side()
    {
        Assert.Equal(["c1:INVITE", "c1:INVITE", "c1:INVITE"], await Find(new MessageFilter { SourceIp = "10.1.0.1" }));
        Assert.Equal(["c2:REGISTER"], await Find(new MessageFilter { SourceIp = "192.168.0.0/16" }));
        Assert.Equal(["c3:OPTIONS"], await Find(new MessageFilter { AnyIp = "2001:db8::/32" }));
        Assert.Equal(6, (await Find(new MessageFilter { AnyIp = "10.2.0.1" })).Count);
        var e = await Assert.ThrowsAsync<MessageFilterException>(() => Find(new MessageFilter { SourceIp = "not-an-ip" }));
        Assert.Contains("sourceIp", e.Message);
        await Assert.ThrowsAsync<MessageFilterException>(() => Find(new MessageFilter { From = T0, To = T0.AddDays(-1) }));
    }

    [Fact]
    public async Task Keyset_pages_walk_the_whole_result_once_in_both_directions_with_an_exact_total()
    {
        var seen = new List<long>();
        string? after = null;
        MessagePage page;
        do
        {
            page = await _queries.SearchAsync(new MessageFilter(), new MessageSearchOptions { First = 2, After = after });
            Assert.Equal(7, page.TotalCount);
            seen.AddRange(page.Nodes.Select(n => n.Id));
            after = page.EndCursor;
        }
        while (page.HasNextPage);
        Assert.Equal(7, seen.Count);
        Assert.Equal(seen.Distinct(), seen);

        var newest = await _queries.SearchAsync(new MessageFilter(), new MessageSearchOptions { First = 3, Descending = true });
        Assert.True(newest.HasNextPage);
        Assert.Equal(seen.AsEnumerable().Reverse().Take(3), newest.Nodes.Select(n => n.Id));
        await Assert.ThrowsAsync<MessageFilterException>(() => _queries.SearchAsync(new MessageFilter(), new MessageSearchOptions { After = "bogus" }));
    }

    [Fact]
    public async Task Deduplication_folds_copies_from_several_agents_but_keeps_a_later_retransmission()
    {
        var plain = await _queries.SearchAsync(new MessageFilter { Methods = ["INVITE"] }, new MessageSearchOptions());
        Assert.Equal(3, plain.TotalCount);

        var folded = await _queries.SearchAsync(new MessageFilter { Methods = ["INVITE"] }, new MessageSearchOptions { Deduplicate = true });
        Assert.Equal(2, folded.TotalCount);
        Assert.Equal([1L, 9L], folded.Nodes[0].CaptureIds.Order());
        Assert.Equal([1L], folded.Nodes[1].CaptureIds);
        Assert.Equal(T0.AddSeconds(5), folded.Nodes[1].Timestamp);
    }

    private static CapturedMessage Row(int second, string callId, string? method, int? status, string from, string fromDomain, string to,
        string src, int srcPort, string dst, int dstPort, long captureId, string? userAgent) => new()
    {
        TimestampMicros = (T0.AddSeconds(second) - DateTimeOffset.UnixEpoch).Ticks / 10,
        Profile = method == "REGISTER" ? MessageProfile.Registration : method == "OPTIONS" ? MessageProfile.Default : MessageProfile.Call,
        ProtocolType = 1,
        IpProtocol = 17,
        SourceIp = IPAddress.Parse(src),
        SourcePort = srcPort,
        DestinationIp = IPAddress.Parse(dst),
        DestinationPort = dstPort,
        CaptureId = captureId,
        CallId = callId,
        Method = method,
        StatusCode = status,
        FromUser = from,
        FromDomain = fromDomain,
        ToUser = to,
        UserAgent = userAgent,
        Payload = Encoding.UTF8.GetBytes(method is null ? $"SIP/2.0 {status} X\r\nCall-ID: {callId}\r\n\r\n" : $"{method} sip:{to}@x SIP/2.0\r\nCall-ID: {callId}\r\n\r\n"),
    };
}
