using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Homer.Hep;

namespace Homer.Node.Tests;

/// <summary>PCAP and text export and share links against a real node, the PCAP checked by tshark.</summary>
public sealed class ExportTests(NodeFixture node) : IClassFixture<NodeFixture>
{
    private static readonly IPAddress CallerV6 = IPAddress.Parse("2001:db8::10");
    private static readonly IPAddress ProxyV6 = IPAddress.Parse("2001:db8:1::20");

    [Fact]
    public async Task Pcap_export_holds_every_stored_SIP_message_with_its_addresses_ports_and_time_as_tshark_reads_them()
    {
        var (udpCall, tcpCall) = await StoreTwoCalls();
        var callIds = new[] { CallIdOf(udpCall), CallIdOf(tcpCall) };

        using var response = await node.Http.GetAsync($"/api/export/pcap?callId={Uri.EscapeDataString(callIds[0])}&callId={Uri.EscapeDataString(callIds[1])}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.tcpdump.pcap", response.Content.Headers.ContentType?.MediaType);
        var file = Path.Combine(Path.GetTempPath(), "homer-export-" + Guid.NewGuid().ToString("N") + ".pcap");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        try
        {
            var lines = await Tshark(file, "-Y", "sip", "-T", "fields", "-E", "separator=|",
                "-e", "frame.time_epoch", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
                "-e", "udp.srcport", "-e", "udp.dstport", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "sip.Call-ID", "-e", "sip.CSeq.method", "-e", "sip.Status-Code");
            var expected = udpCall.Select(l => (Leg: l, Tcp: false)).Concat(tcpCall.Select(l => (Leg: l, Tcp: true))).OrderBy(x => x.Leg.Timestamp).ToList();

            var stored = (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}, first: 0) { totalCount } }", new { c = callIds[0] }))
                .GetProperty("messages").GetProperty("totalCount").GetInt64()
                + (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}, first: 0) { totalCount } }", new { c = callIds[1] }))
                .GetProperty("messages").GetProperty("totalCount").GetInt64();
            Assert.Equal(stored, lines.Count);
            Assert.Equal(expected.Count, lines.Count);

            for (var i = 0; i < lines.Count; i++)
            {
                var f = lines[i].Split('|');
                var (leg, tcp) = expected[i];
                var micros = decimal.Parse(f[0], CultureInfo.InvariantCulture) * 1_000_000m;
                Assert.Equal((leg.Timestamp - DateTimeOffset.UnixEpoch).Ticks / 10, (long)Math.Round(micros));
                if (tcp)
                {
                    Assert.Equal(leg.Source, IPAddress.Parse(f[3]));
                    Assert.Equal(leg.Destination, IPAddress.Parse(f[4]));
                    Assert.Equal(leg.SourcePort.ToString(CultureInfo.InvariantCulture), f[7]);
                    Assert.Equal(leg.DestinationPort.ToString(CultureInfo.InvariantCulture), f[8]);
                    Assert.Equal(callIds[1], f[9]);
                }
                else
                {
                    Assert.Equal(leg.Source.ToString(), f[1]);
                    Assert.Equal(leg.Destination.ToString(), f[2]);
                    Assert.Equal(leg.SourcePort.ToString(CultureInfo.InvariantCulture), f[5]);
                    Assert.Equal(leg.DestinationPort.ToString(CultureInfo.InvariantCulture), f[6]);
                    Assert.Equal(callIds[0], f[9]);
                }
                Assert.Equal(leg.Status?.ToString(CultureInfo.InvariantCulture) ?? "", f[11]);
            }

            // Checksums are right too: tshark flags nothing malformed.
            var malformed = await Tshark(file, "-Y", "_ws.malformed || _ws.expert.severity >= error");
            Assert.Empty(malformed);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Text_export_lists_each_message_with_time_and_addresses()
    {
        var (udpCall, tcpCall) = await StoreTwoCalls();
        var text = await node.Http.GetStringAsync($"/api/export/text?callId={Uri.EscapeDataString(CallIdOf(tcpCall))}");
        var headers = text.Split('\n').Where(l => l.StartsWith("T ", StringComparison.Ordinal) || l.StartsWith("U ", StringComparison.Ordinal)).ToList();
        Assert.Equal(tcpCall.Count, headers.Count);
        var first = tcpCall[0];
        Assert.Equal($"T {first.Timestamp.UtcDateTime:yyyy/MM/dd HH:mm:ss.ffffff} [{first.Source}]:{first.SourcePort} -> [{first.Destination}]:{first.DestinationPort}", headers[0]);
        Assert.Contains(first.Text, text);

        // The time range narrows the export.
        var from = Uri.EscapeDataString(udpCall[3].Timestamp.ToString("O"));
        var narrowed = await node.Http.GetStringAsync($"/api/export/text?callId={Uri.EscapeDataString(CallIdOf(udpCall))}&from={from}");
        Assert.Equal(udpCall.Count - 3, narrowed.Split('\n').Count(l => l.StartsWith("U ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Exports_need_a_token_with_the_user_role_and_say_what_is_wrong()
    {
        using var anonymous = node.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/export/pcap?callId=x")).StatusCode);

        var name = "export-viewer-" + Guid.NewGuid().ToString("N")[..6];
        await node.GraphQL("mutation ($u: String!) { createUser(username: $u, password: \"viewer-pass\", role: VIEWER) { id } }", new { u = name });
        using var viewer = node.Client(await node.Login(name, "viewer-pass"));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/export/text?callId=x")).StatusCode);

        using var none = await node.Http.GetAsync("/api/export/pcap");
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Contains("callId", await none.Content.ReadAsStringAsync());
        using var badTime = await node.Http.GetAsync("/api/export/pcap?callId=x&from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badTime.StatusCode);
        using var unknown = await node.Http.GetAsync("/api/export/pcap?callId=never-seen");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_share_link_shows_one_call_without_a_login_until_it_expires()
    {
        var (udpCall, _) = await StoreTwoCalls();
        var callId = CallIdOf(udpCall);
        var link = (await node.GraphQL("mutation ($c: String!) { createShareLink(callId: $c, expiresInMinutes: 5) { path expiresAt } }", new { c = callId }))
            .GetProperty("createShareLink");
        var path = link.GetProperty("path").GetString()!;

        using var anonymous = node.Client(null);
        var shared = JsonDocument.Parse(await anonymous.GetStringAsync(path)).RootElement;
        Assert.Equal(callId, shared.GetProperty("callId").GetString());
        Assert.Equal(udpCall.Count, shared.GetProperty("messages").GetArrayLength());
        Assert.Equal(udpCall[0].Text, shared.GetProperty("messages")[0].GetProperty("payload").GetString());

        // Any change to the link breaks its signature; a session token is not a share link either.
        var tampered = path[..^3] + (path[^3] == 'A' ? "B" : "A") + path[^2..];
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(tampered)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/api/share/" + node.AdminToken)).StatusCode);

        using var tooLong = await node.Http.PostAsJsonAsync("/graphql", new { query = "mutation { createShareLink(callId: \"x\", expiresInMinutes: 100000) { path } }" });
        Assert.Contains("expiresInMinutes must be between", await tooLong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_share_link_carries_several_sessions_and_shows_them_together()
    {
        var (udpCall, tcpCall) = await StoreTwoCalls();
        var ids = new[] { CallIdOf(udpCall), CallIdOf(tcpCall) };
        var path = (await node.GraphQL("mutation ($c: [String!]) { createShareLink(callIds: $c) { path } }", new { c = ids.Append(ids[0]).ToArray() }))
            .GetProperty("createShareLink").GetProperty("path").GetString()!;

        // The signed claims hold the Call-IDs once (the token is a URL that people paste into chats).
        var claims = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(path.Split('.')[1]));
        Assert.Single(claims.Split(ids[1])[1..]);
        Assert.DoesNotContain("AllCallIds", claims, StringComparison.Ordinal);
        using var anonymous = node.Client(null);
        var shared = JsonDocument.Parse(await anonymous.GetStringAsync(path)).RootElement;
        Assert.Equal(ids, shared.GetProperty("callIds").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(ids[0], shared.GetProperty("callId").GetString());
        var messages = shared.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(udpCall.Count + tcpCall.Count, messages.Count);
        Assert.Equal(ids.Order(), messages.Select(m => m.GetProperty("callId").GetString()!).Distinct().Order());
        // In capture order across both sessions.
        var times = messages.Select(m => m.GetProperty("timestamp").GetString()!).ToList();
        Assert.Equal(times.Order(StringComparer.Ordinal), times);

        async Task<string> Refused(string query)
        {
            using var response = await node.Http.PostAsJsonAsync("/graphql", new { query });
            return await response.Content.ReadAsStringAsync();
        }
        Assert.Contains("Give callId or callIds", await Refused("mutation { createShareLink(callIds: []) { path } }"));
        var many = string.Join(", ", Enumerable.Range(0, 21).Select(i => $"\"c{i}\""));
        Assert.Contains("at most 20 sessions", await Refused($"mutation {{ createShareLink(callIds: [{many}]) {{ path }} }}"));
    }

    [Fact]
    public async Task Share_links_expire_by_default_are_listed_for_their_maker_and_admins_and_stop_when_revoked_or_their_maker_is_disabled()
    {
        async Task<HttpClient> NewUser(string name)
        {
            await node.GraphQL("mutation ($u: String!) { createUser(username: $u, password: \"user-password\", role: USER) { id } }", new { u = name });
            return node.Client(await node.Login(name, "user-password"));
        }
        var suffix = Guid.NewGuid().ToString("N")[..6];
        using var alice = await NewUser("share-alice-" + suffix);
        using var bob = await NewUser("share-bob-" + suffix);
        const string Create = "mutation ($c: String!) { createShareLink(callId: $c) { id path expiresAt } }";
        var first = (await NodeFixture.GraphQL(alice, Create, new { c = "shared-a-" + suffix })).GetProperty("createShareLink");
        var second = (await NodeFixture.GraphQL(alice, Create, new { c = "shared-b-" + suffix })).GetProperty("createShareLink");
        var bobs = (await NodeFixture.GraphQL(bob, Create, new { c = "shared-c-" + suffix })).GetProperty("createShareLink");

        // Made without expiresInMinutes, a link still expires: a day later (HOMER_SHARE_LINK_HOURS).
        var expires = DateTimeOffset.Parse(first.GetProperty("expiresAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));

        const string List = "query ($all: Boolean) { shareLinks(all: $all) { id owner callIds createdAt expiresAt revokedAt } }";
        var alicesList = (await NodeFixture.GraphQL(alice, List)).GetProperty("shareLinks").EnumerateArray().ToList();
        Assert.Equal([second.GetProperty("id").GetString(), first.GetProperty("id").GetString()], alicesList.Select(l => l.GetProperty("id").GetString()));
        Assert.All(alicesList, l => Assert.Equal("share-alice-" + suffix, l.GetProperty("owner").GetString()));
        Assert.Equal(["shared-a-" + suffix], alicesList[1].GetProperty("callIds").EnumerateArray().Select(e => e.GetString()));
        using (var forbidden = await bob.PostAsJsonAsync("/graphql", new { query = "{ shareLinks(all: true) { id } }" }))
            Assert.Contains("needs the admin role", await forbidden.Content.ReadAsStringAsync());
        var everyone = (await node.GraphQL(List, new { all = true })).GetProperty("shareLinks").EnumerateArray().Select(l => l.GetProperty("id").GetString()).ToList();
        Assert.Contains(bobs.GetProperty("id").GetString(), everyone);
        Assert.Contains(first.GetProperty("id").GetString(), everyone);

        using var anonymous = node.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(first.GetProperty("path").GetString())).StatusCode);

        // Bob cannot revoke Alice's link; Alice can, and it stops at once.
        const string Revoke = "mutation ($id: ID!) { revokeShareLink(id: $id) }";
        Assert.False((await NodeFixture.GraphQL(bob, Revoke, new { id = first.GetProperty("id").GetString() })).GetProperty("revokeShareLink").GetBoolean());
        Assert.True((await NodeFixture.GraphQL(alice, Revoke, new { id = first.GetProperty("id").GetString() })).GetProperty("revokeShareLink").GetBoolean());
        using (var revoked = await anonymous.GetAsync(first.GetProperty("path").GetString()))
        {
            Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
            Assert.Contains("revoked", await revoked.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(second.GetProperty("path").GetString())).StatusCode);
        var afterRevoke = (await NodeFixture.GraphQL(alice, List)).GetProperty("shareLinks").EnumerateArray()
            .Single(l => l.GetProperty("id").GetString() == first.GetProperty("id").GetString());
        Assert.NotEqual(JsonValueKind.Null, afterRevoke.GetProperty("revokedAt").ValueKind);

        // An admin revokes anyone's; disabling a user revokes the links they made.
        Assert.True((await node.GraphQL(Revoke, new { id = bobs.GetProperty("id").GetString() })).GetProperty("revokeShareLink").GetBoolean());
        await node.GraphQL("mutation ($u: String!) { disableUser(username: $u) { disabled } }", new { u = "share-alice-" + suffix });
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(second.GetProperty("path").GetString())).StatusCode);
    }

    /// <summary>A call over UDP/IPv4 and one over TCP/IPv6, both stored.</summary>
    private async Task<(IReadOnlyList<SipCalls.Leg> Udp, IReadOnlyList<SipCalls.Leg> Tcp)> StoreTwoCalls()
    {
        var start = SipCalls.NowMicros().AddMinutes(-3);
        var udp = SipCalls.BasicCall("export-udp-" + Guid.NewGuid().ToString("N")[..10], "alice", "bob", start);
        var tcp = SipCalls.BasicCall("export-tcp-" + Guid.NewGuid().ToString("N")[..10], "carol", "dave", start.AddMilliseconds(400))
            .Select(l => l with
            {
                Source = l.Source.Equals(SipCalls.Caller) ? CallerV6 : ProxyV6,
                Destination = l.Destination.Equals(SipCalls.Caller) ? CallerV6 : ProxyV6,
                SourcePort = l.SourcePort == 5060 && l.Source.Equals(SipCalls.Caller) ? 40123 : l.SourcePort,
                DestinationPort = l.DestinationPort == 5060 && l.Destination.Equals(SipCalls.Caller) ? 40123 : l.DestinationPort,
            }).ToList();
        await node.SendHep(udp.Select(l => SipCalls.Hep3(l)).Concat(tcp.Select(TcpV6)).ToArray());
        foreach (var call in new[] { udp, tcp })
        {
            await node.Eventually(async () =>
                (await node.GraphQL("query ($c: String) { messages(filter: {callId: $c}, first: 0) { totalCount } }", new { c = CallIdOf(call) }))
                .GetProperty("messages").GetProperty("totalCount").GetInt64() == call.Count, "call stored");
        }
        return (udp, tcp);
    }

    private static byte[] TcpV6(SipCalls.Leg leg) => HepEncoder.Encode(new HepMessage
    {
        Version = HepVersion.V3,
        IpFamily = 10,
        IpProtocol = 6,
        SourceAddress = leg.Source,
        DestinationAddress = leg.Destination,
        SourcePort = (ushort)leg.SourcePort,
        DestinationPort = (ushort)leg.DestinationPort,
        Timestamp = leg.Timestamp,
        ProtocolType = 1,
        CaptureId = 2001,
        Payload = Encoding.UTF8.GetBytes(leg.Text),
    });

    private static string CallIdOf(IReadOnlyList<SipCalls.Leg> call)
    {
        var line = call[0].Text.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal));
        return line["Call-ID: ".Length..];
    }

    private static async Task<List<string>> Tshark(string file, params string[] args)
    {
        var start = new ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add("-r");
        start.ArgumentList.Add(file);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"tshark failed ({process.ExitCode}): {await error}");
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
