using System.Net;
using System.Text;
using Npgsql;

namespace Homer.Storage.Tests;

/// <summary>
/// Search on any SIP header (a bounded scan of the payloads of the time range) and configured header fields (extracted
/// at ingest into the <c>fields</c> column), on real PostgreSQL with real SIP payloads.
/// </summary>
public sealed class HeaderSearchTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private StoreDatabase _db = null!;
    private MessageQueries _queries = null!;

    private const string InviteA = "INVITE sip:200@pbx.example.com SIP/2.0\r\n" +
        "v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa\r\n" +
        "f: <sip:100@pbx.example.com>;tag=1\r\n" +
        "t: <sip:200@pbx.example.com>\r\n" +
        "i: call-a@test\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "s: Gr\u00fc\u00dfe \\o/\r\n" +
        "P-Asserted-Identity: \"Alice\" <sip:+493012345@pbx.example.com;user=phone>\r\n" +
        "X-Trunk: carrier-1 ;tgrp=berlin\r\n" +
        "Content-Length: 23\r\n\r\n" +
        "X-Trunk: in-the-body\r\n\r\n";

    private const string InviteB = "INVITE sip:300@pbx.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/TCP 10.0.0.9:5060;branch=z9hG4bKb\r\n" +
        "From: <sip:101@pbx.example.com>;tag=2\r\n" +
        "To: <sip:300@pbx.example.com>\r\n" +
        "Call-ID: call-b@test\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "p-asserted-identity: <tel:+4989777>\r\n" +
        "X-Trunk: carrier-2\r\n" +
        "User-to-User: 00534243;encoding=hex\r\n" +
        "Content-Length: 0\r\n\r\n";

    public async Task InitializeAsync()
    {
        _db = await StoreDatabase.CreateAsync(T0);
        _queries = new MessageQueries(_db.DataSource, MessageQueries.CreateLookupDataSource(_db.ConnectionString));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static CapturedMessage Row(int second, string callId, string payload, HeaderFieldSet? fields = null, byte[]? raw = null)
    {
        var bytes = raw ?? Encoding.UTF8.GetBytes(payload);
        return new CapturedMessage
        {
            TimestampMicros = (T0.AddSeconds(second) - DateTimeOffset.UnixEpoch).Ticks / 10,
            Profile = MessageProfile.Call,
            ProtocolType = 1,
            IpProtocol = 17,
            SourceIp = IPAddress.Parse("10.0.0.1"),
            SourcePort = 5060,
            DestinationIp = IPAddress.Parse("10.0.0.2"),
            DestinationPort = 5060,
            CaptureId = 1,
            CallId = callId,
            Method = "INVITE",
            Payload = bytes,
            FieldsJsonUtf8 = fields?.Extract(bytes),
        };
    }

    private async Task<List<string?>> Find(params HeaderCondition[] headers) =>
        (await _queries.SearchAsync(new MessageFilter { From = T0, To = T0.AddHours(1), Headers = headers }, 100)).Nodes
        .Select(n => n.CallId).ToList();

    [Fact]
    public async Task Any_header_by_name_any_case_or_compact_form_with_exact_prefix_and_wildcard_values_ANDed()
    {
        // Bytes that are not UTF-8 in a header must neither fail the scan nor hide the message.
        var latin1 = Encoding.Latin1.GetBytes(InviteB.Replace("call-b@test", "call-c@test").Replace("X-Trunk: carrier-2", "X-Trunk: caf\u00e9"));
        await new MessageStoreWriter(_db.DataSource).WriteAsync([
            Row(1, "call-a@test", InviteA), Row(2, "call-b@test", InviteB), Row(3, "call-c@test", "", raw: latin1),
            Row(7200, "call-late@test", InviteA.Replace("call-a@test", "call-late@test"))]);

        Assert.Equal(["call-a@test"], await Find(new HeaderCondition("P-Asserted-Identity", "*+4930*")));
        Assert.Equal(["call-a@test", "call-b@test", "call-c@test"], await Find(new HeaderCondition("p-asserted-identity", "*+49*")));
        Assert.Equal(["call-b@test", "call-c@test"], await Find(new HeaderCondition("P-ASSERTED-IDENTITY", "<tel:+4989777>")));
        // Compact forms fold both ways: "From" finds "f:", "i" finds "Call-ID:".
        Assert.Equal(["call-a@test"], await Find(new HeaderCondition("From", "<sip:100@*")));
        Assert.Equal(["call-b@test"], await Find(new HeaderCondition("i", "call-b@test")));
        Assert.Equal(["call-a@test"], await Find(new HeaderCondition("Call-ID", "call-a@test")));
        // Exact means the whole value (trailing blanks aside); prefix; ? is one character.
        Assert.Equal(["call-a@test"], await Find(new HeaderCondition("X-Trunk", "carrier-1 ;tgrp=berlin")));
        Assert.Empty(await Find(new HeaderCondition("X-Trunk", "carrier-1")));
        Assert.Equal(["call-a@test", "call-b@test"], await Find(new HeaderCondition("X-Trunk", "carrier-?*")));
        Assert.Equal(["call-b@test"], await Find(new HeaderCondition("X-Trunk", "carrier-?")));
        // Values are case-sensitive; the body is not a header section.
        Assert.Empty(await Find(new HeaderCondition("X-Trunk", "Carrier-2")));
        Assert.Empty(await Find(new HeaderCondition("X-Trunk", "in-the-body")));
        // A header that is not UTF-8 (Latin-1 é) does not fail the scan and is found by a pattern around it; the same
        // text typed as UTF-8 is other bytes.
        Assert.Equal(["call-c@test"], await Find(new HeaderCondition("X-Trunk", "caf*")));
        Assert.Empty(await Find(new HeaderCondition("X-Trunk", "caf\u00e9")));
        // UTF-8 text and a backslash, under the compact form "s" of Subject.
        Assert.Equal(["call-a@test"], await Find(new HeaderCondition("Subject", "Gr\u00fc\u00dfe \\o/")));
        Assert.Equal(["call-a@test"], await Find(new HeaderCondition("subject", "Gr?*")));
        // Several conditions must all hold; regular-expression characters in a value are literal.
        Assert.Equal(["call-b@test", "call-c@test"], await Find(new HeaderCondition("User-to-User", "00534243;encoding=hex"), new HeaderCondition("v", "SIP/2.0/TCP *")));
        Assert.Equal(["call-b@test"], await Find(new HeaderCondition("User-to-User", "0053*"), new HeaderCondition("X-Trunk", "carrier-2")));
        Assert.Empty(await Find(new HeaderCondition("User-to-User", "00534243;encoding=hex"), new HeaderCondition("v", "SIP/2.0/UDP *")));
        Assert.Empty(await Find(new HeaderCondition("X-Trunk", "carrier.2")));

        var noRange = await Assert.ThrowsAsync<MessageFilterException>(() =>
            _queries.SearchAsync(new MessageFilter { Headers = [new HeaderCondition("X-Trunk", "carrier-2")] }, 10));
        Assert.Contains("time range", noRange.Message);
        var badName = await Assert.ThrowsAsync<MessageFilterException>(() => Find(new HeaderCondition("X Trunk", "a")));
        Assert.Contains("not a SIP header name", badName.Message);
    }

    [Fact]
    public async Task A_header_folded_over_several_lines_is_found_as_its_joined_value()
    {
        // RFC 3261 §7.3.1: a line starting with blanks continues the header; the value reads as if the break were a space.
        var folded = InviteA.Replace("call-a@test", "call-folded@test")
            .Replace("X-Trunk: carrier-1 ;tgrp=berlin\r\n", "X-Trunk: carrier-1\r\n\t;tgrp=berlin\r\n")
            .Replace("P-Asserted-Identity: \"Alice\" <sip:", "P-Asserted-Identity:\r\n  \"Alice\"\r\n <sip:");
        await new MessageStoreWriter(_db.DataSource).WriteAsync([Row(1, "call-a@test", InviteA), Row(2, "call-folded@test", folded)]);

        Assert.Equal(["carrier-1 ;tgrp=berlin"], SipHeaderNames.Values(Encoding.UTF8.GetBytes(folded), "X-Trunk"));
        Assert.Equal(["call-a@test", "call-folded@test"], await Find(new HeaderCondition("X-Trunk", "carrier-1 ;tgrp=berlin")));
        Assert.Equal(["call-a@test", "call-folded@test"], await Find(new HeaderCondition("X-Trunk", "carrier-1*berlin")));
        Assert.Equal(["call-a@test", "call-folded@test"], await Find(new HeaderCondition("P-Asserted-Identity", "\"Alice\" <sip:+4930*")));
        // A fold is one character to "?", as the joined value's space is; the first line alone is not the whole value.
        Assert.Equal(["call-a@test", "call-folded@test"], await Find(new HeaderCondition("X-Trunk", "carrier-1?;tgrp=berlin")));
        Assert.Empty(await Find(new HeaderCondition("X-Trunk", "carrier-1")));
        Assert.Empty(await Find(new HeaderCondition("X-Trunk", "carrier-1;tgrp=berlin")));
    }

    [Fact]
    public async Task Pages_over_a_long_range_come_in_order_in_both_directions_across_the_slices_read()
    {
        // Rows at 0:30, 1:30, 3:30 and 5:30: the slices read are [0, 1 h), [1 h, 3 h), [3 h, 7 h) ascending.
        int[] minutes = [30, 90, 210, 330];
        await new MessageStoreWriter(_db.DataSource).WriteAsync(
            minutes.Select(m => Row(m * 60, $"p{m}@test", InviteB.Replace("call-b@test", $"p{m}@test"))).ToList());
        var filter = new MessageFilter { From = T0, To = T0.AddHours(6), Headers = [new HeaderCondition("X-Trunk", "carrier-2")] };
        foreach (var descending in new[] { false, true })
        {
            var seen = new List<string?>();
            string? after = null;
            long total = -1;
            do
            {
                var page = await _queries.SearchAsync(filter, new MessageSearchOptions { First = 1, After = after, Descending = descending });
                seen.AddRange(page.Nodes.Select(n => n.CallId));
                total = page.TotalCount;
                after = page.HasNextPage ? page.EndCursor : null;
            }
            while (after is not null);
            var expected = minutes.Select(m => (string?)$"p{m}@test").ToList();
            if (descending)
                expected.Reverse();
            Assert.Equal(expected, seen);
            Assert.Equal(4, total);
        }
        var wide = await _queries.SearchAsync(filter, new MessageSearchOptions { First = 3, Descending = true });
        Assert.Equal(["p330@test", "p210@test", "p90@test"], wide.Nodes.Select(n => n.CallId));
        Assert.True(wide.HasNextPage);
    }

    [Fact]
    public void Header_values_are_read_from_the_header_section_with_compact_forms_and_folded_lines()
    {
        var payload = Encoding.UTF8.GetBytes(InviteA.Replace("X-Trunk: carrier-1 ;tgrp=berlin\r\n", "X-Trunk: carrier-1\r\n  ;tgrp=berlin\r\n"));
        Assert.Equal(["<sip:100@pbx.example.com>;tag=1"], SipHeaderNames.Values(payload, "from"));
        Assert.Equal(["carrier-1 ;tgrp=berlin"], SipHeaderNames.Values(payload, "x-trunk"));
        Assert.Empty(SipHeaderNames.Values(payload, "Organization"));
    }

    [Fact]
    public void Parts_of_a_header_value_user_host_parameter_and_regex_group()
    {
        const string pai = "\"Alice\" <sip:+493012345@pbx.example.com:5061;user=phone>;party=calling";
        Assert.Equal("+493012345", HeaderFieldSet.Part(pai, "user"));
        Assert.Equal("pbx.example.com", HeaderFieldSet.Part(pai, "host"));
        Assert.Equal("phone", HeaderFieldSet.Part(pai, "param:user"));
        Assert.Equal("calling", HeaderFieldSet.Part(pai, "param:party"));
        Assert.Equal("+4989777", HeaderFieldSet.Part("<tel:+4989777>", "user"));
        Assert.Equal("12345", HeaderFieldSet.Part(pai, "regex:\\+4930(\\d+)"));
        // Linear-time matching: the first alternative backtracks exponentially (a backtracking engine gives up at its
        // budget and finds nothing); the value still matches the second.
        var aaa = new string('a', 5000) + "!";
        Assert.Equal(aaa, HeaderFieldSet.Part(aaa, "regex:(?:a+)+b|a+!"));
        // A lookahead needs the backtracking engine, which still runs it.
        Assert.Equal("carrier", HeaderFieldSet.Part("carrier-1", "regex:^[a-z]+(?=-)"));
        Assert.Null(HeaderFieldSet.Part("carrier-2", "user"));
        Assert.Throws<MessageFilterException>(() => new HeaderFieldRule("x", "X-A", "regex:(").Validated());
        Assert.Throws<MessageFilterException>(() => new HeaderFieldRule("bad name", "X-A").Validated());
        Assert.Equal([new HeaderFieldRule("pai_user", "P-Asserted-Identity", "user"), new HeaderFieldRule("cid", "X-CID")],
            HeaderFieldRegistry.ParseSetting("PAI_user=P-Asserted-Identity:user, cid=X-CID"));
    }

    [Fact]
    public async Task Configured_fields_are_stored_at_ingest_and_searched_exact_through_the_index_or_by_pattern()
    {
        var store = new HeaderFieldStore(_db.DataSource);
        var registry = new HeaderFieldRegistry { Configured = [new HeaderFieldRule("trunk", "X-Trunk", "regex:^([^ ;]+)")] };
        var loader = new HeaderFieldLoader(store, registry);
        Assert.True(await loader.RefreshAsync());
        Assert.False(await loader.RefreshAsync());
        // Declared through the table (the admin mutation) on any node: the next refresh applies it, no restart.
        await store.UpsertAsync(new HeaderFieldRule("PAI_User", "p-asserted-identity", "user"), "admin");
        Assert.True(await loader.RefreshAsync());
        Assert.Equal(["pai_user", "trunk"], registry.Current!.Rules.Select(r => r.Name));

        var writer = new MessageStoreWriter(_db.DataSource);
        // A batch without any field is written with the old column list; one with fields adds the column.
        await writer.WriteAsync([Row(1, "plain@test", "OPTIONS sip:x SIP/2.0\r\nCall-ID: plain@test\r\n\r\n", registry.Current)]);
        await writer.WriteAsync([Row(2, "call-a@test", InviteA, registry.Current), Row(3, "call-b@test", InviteB, registry.Current)]);

        async Task<List<string?>> ByField(string name, string value, bool range = true) =>
            (await _queries.SearchAsync(new MessageFilter
            {
                From = range ? T0 : null,
                To = range ? T0.AddHours(1) : null,
                Fields = [new HeaderCondition(name, value)],
            }, 100)).Nodes.Select(n => n.CallId).ToList();

        Assert.Equal(["call-a@test"], await ByField("pai_user", "+493012345"));
        Assert.Equal(["call-b@test"], await ByField("PAI_USER", "+4989777", range: false));
        Assert.Equal(["call-a@test", "call-b@test"], await ByField("trunk", "carrier-*"));
        Assert.Empty(await ByField("trunk", "carrier-1 "));
        await Assert.ThrowsAsync<MessageFilterException>(() => ByField("trunk", "carrier-*", range: false));

        var page = await _queries.SearchAsync(new MessageFilter { CallId = "call-a@test" }, 10);
        Assert.Equal(new Dictionary<string, string> { ["pai_user"] = "+493012345", ["trunk"] = "carrier-1" },
            HeaderFieldJson.Parse(page.Nodes[0].FieldsJson));
        Assert.Null((await _queries.SearchAsync(new MessageFilter { CallId = "plain@test" }, 10)).Nodes[0].FieldsJson);

        // The exact search is answered by the partial GIN index, not by reading the day.
        await using var connection = await _db.DataSource.OpenConnectionAsync();
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
            await off.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand("""EXPLAIN SELECT id FROM messages WHERE fields @> '{"pai_user":"+493012345"}'""", connection);
        var plan = new StringBuilder();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.AppendLine(reader.GetString(0));
        Assert.Matches("Bitmap Index Scan on hep_call_\\w*fields", plan.ToString());

        Assert.True(await store.DeleteAsync("pai_user"));
        Assert.True(await loader.RefreshAsync());
        Assert.Equal(["trunk"], registry.Current!.Rules.Select(r => r.Name));
    }
}
