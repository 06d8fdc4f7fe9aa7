using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>
/// <c>POST /api/export/messages</c>: the result of a messages search as PCAP (read back by tshark), text and CSV, with
/// its cap, against a real node and PostgreSQL over loopback HTTP.
/// </summary>
public sealed class SearchExportTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    /// <summary>Three calls from one user and one from another, stored; the filter that finds the first three.</summary>
    private async Task<(object Filter, List<SipCalls.Leg> Legs, string User)> StoreCalls()
    {
        var user = "exp" + Guid.NewGuid().ToString("N")[..8];
        var start = SipCalls.NowMicros().AddMinutes(-5);
        var legs = new List<SipCalls.Leg>();
        for (var i = 0; i < 3; i++)
            legs.AddRange(SipCalls.BasicCall($"{user}-{i}@example.com", user, "bob", start.AddSeconds(i * 40)));
        var other = SipCalls.BasicCall($"{user}-other@example.com", "someone-else", "bob", start.AddSeconds(10));
        await node.SendHep([.. legs.Concat(other).Select(l => SipCalls.Hep3(l))]);
        var filter = new
        {
            from = start.AddMinutes(-1).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            to = start.AddMinutes(5).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            fromUser = user,
        };
        await node.Eventually(async () =>
            (await node.GraphQL("query ($f: MessageFilter!) { messages(filter: $f, first: 0) { totalCount } }", new { f = filter }))
                .GetProperty("messages").GetProperty("totalCount").GetInt64() == legs.Count, "the calls to be stored");
        return (filter, legs.OrderBy(l => l.Timestamp).ToList(), user);
    }

    private Task<HttpResponseMessage> Export(object body, HttpClient? client = null) =>
        (client ?? node.Http).PostAsJsonAsync("/api/export/messages", body);

    [Fact]
    public async Task Csv_and_text_hold_every_message_the_search_finds_in_its_order()
    {
        var (filter, legs, user) = await StoreCalls();

        using var csv = await Export(new { format = "csv", filter });
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1000000", csv.Headers.GetValues("X-Homer-Export-Limit").Single());
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("timestamp,transport,src_ip,src_port,dst_ip,dst_port,proto_type,method,status,reason,call_id,from_user,to_user,ruri_user,user_agent,cseq,capture_id,node,correlation_id", lines[0]);
        Assert.Equal(legs.Count, lines.Length - 1);
        var first = lines[1].Split(',');
        Assert.Equal(legs[0].Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture), first[0]);
        Assert.Equal(("192.0.2.10", "5060", "INVITE", $"{user}-0@example.com", user, "1 INVITE", "2001"),
            (first[2], first[3], first[7], first[10], first[11], first[15], first[16]));
        Assert.Equal(legs.Select(l => l.Method ?? "").ToList(), lines.Skip(1).Select(l => l.Split(',')[7]).ToList());

        // Newest first, as text.
        using var text = await Export(new { format = "text", filter, descending = true });
        var body = await text.Content.ReadAsStringAsync();
        var headers = body.Split('\n').Where(l => l.StartsWith("U ", StringComparison.Ordinal)).ToList();
        Assert.Equal(legs.Count, headers.Count);
        Assert.StartsWith($"U {legs[^1].Timestamp.UtcDateTime:yyyy/MM/dd HH:mm:ss.ffffff} ", headers[0]);
        Assert.Contains(legs[^1].Text, body);
        Assert.DoesNotContain("# export stopped", body);
    }

    [Fact]
    public async Task The_limit_cuts_the_export_and_text_and_csv_say_so()
    {
        var (filter, legs, _) = await StoreCalls();
        using var csv = await Export(new { format = "csv", filter, limit = 5 });
        Assert.Equal("5", csv.Headers.GetValues("X-Homer-Export-Limit").Single());
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 5 + 1, lines.Length);
        Assert.StartsWith("# export stopped at its limit of 5 messages", lines[^1]);

        // Exactly the total is not cut.
        using var exact = await Export(new { format = "csv", filter, limit = legs.Count });
        Assert.DoesNotContain("# export stopped", await exact.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pcap_of_a_search_reads_back_in_tshark_with_every_message()
    {
        var (filter, legs, user) = await StoreCalls();
        using var response = await Export(new { format = "pcap", filter });
        Assert.Equal("application/vnd.tcpdump.pcap", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment; filename=\"homer-messages-", response.Content.Headers.ContentDisposition?.ToString());
        var file = Path.Combine(Path.GetTempPath(), "homer-search-export-" + Guid.NewGuid().ToString("N") + ".pcap");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        try
        {
            var lines = await Tshark(file, "-Y", "sip", "-T", "fields", "-E", "separator=|", "-e", "frame.time_epoch", "-e", "sip.Call-ID");
            Assert.Equal(legs.Count, lines.Count);
            for (var i = 0; i < legs.Count; i++)
            {
                var f = lines[i].Split('|');
                Assert.Equal((legs[i].Timestamp - DateTimeOffset.UnixEpoch).Ticks / 10,
                    (long)Math.Round(decimal.Parse(f[0], CultureInfo.InvariantCulture) * 1_000_000m));
                Assert.StartsWith(user + "-", f[1]);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_the_reason()
    {
        var range = new { from = "2026-01-01T00:00:00Z", to = "2026-01-01T01:00:00Z" };
        async Task<string> Refused(object body, HttpStatusCode status, HttpClient? client = null)
        {
            using var response = await Export(body, client);
            Assert.Equal(status, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
        }
        Assert.Contains("format must be", await Refused(new { format = "xls", filter = range }, HttpStatusCode.BadRequest));
        Assert.Contains("filter is required", await Refused(new { format = "csv" }, HttpStatusCode.BadRequest));
        Assert.Contains("filter.nope is not a field of MessageFilter", await Refused(new { format = "csv", filter = new { nope = 1 } }, HttpStatusCode.BadRequest));
        Assert.Contains("filter.srcPort", await Refused(new { format = "csv", filter = new { srcPort = "many" } }, HttpStatusCode.BadRequest));
        Assert.Contains("from must not be after to", await Refused(new { format = "csv", filter = new { from = range.to, to = range.from } }, HttpStatusCode.BadRequest));
        Assert.Contains("limit may be at most 1000000", await Refused(new { format = "csv", filter = range, limit = 2_000_000 }, HttpStatusCode.BadRequest));
        Assert.Contains("'first' is not an export parameter", await Refused(new { format = "csv", filter = range, first = 1 }, HttpStatusCode.BadRequest));

        using var anonymous = node.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Export(new { format = "csv", filter = range }, anonymous)).StatusCode);
        var name = "search-export-viewer-" + Guid.NewGuid().ToString("N")[..6];
        await node.GraphQL("mutation ($u: String!) { createUser(username: $u, password: \"viewer-pass\", role: VIEWER) { id } }", new { u = name });
        using var viewer = node.Client(await node.Login(name, "viewer-pass"));
        Assert.Contains("needs the user role", await Refused(new { format = "csv", filter = range }, HttpStatusCode.Forbidden, viewer));

        // An empty result is an empty file, not an error: the search simply found nothing.
        using var empty = await Export(new { format = "csv", filter = range });
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Single((await empty.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<List<string>> Tshark(string file, params string[] args)
    {
        var start = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-n", "-r", file, .. args])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"tshark failed ({process.ExitCode}): {await error}");
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
