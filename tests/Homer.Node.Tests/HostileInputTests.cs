using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Homer.Hep;
using Homer.Storage;
using Npgsql;

namespace Homer.Node.Tests;

/// <summary>
/// Hostile input among good traffic, over real UDP into a whole node with real PostgreSQL: every SIP field and every
/// HEP chunk that becomes text carries a NUL, invalid UTF-8, 10 KB and "64 KB". A HEP3 packet's length is 16 bits, so
/// no HEP packet (UDP or TCP) can carry 64 KB: the largest value sent is 60 000 bytes, which with the rest of the
/// message and the HEP header fits one UDP datagram (65 507 bytes). Every good call must be stored and correlated,
/// and every hostile message stored (escaped where text needs it, the raw payload byte-exact) or counted as refused.
/// </summary>
public sealed class HostileInputTests : IClassFixture<NodeFixture>
{
    private const int LargestValue = 60_000;
    private readonly NodeFixture _node;

    public HostileInputTests(NodeFixture node) => _node = node;

    private sealed record Hostile(string Name, byte[] Datagram, byte[] Payload, string Marker);

    private static readonly (string Name, byte[] Bytes)[] Values =
    [
        ("nul", "a\0b"u8.ToArray()),
        ("invalid-utf8", [(byte)'a', 0xFF, 0xFE, 0xC0, 0x80, 0xE2, 0x82, (byte)'b']),
        ("10kb", Random(10 * 1024)),
        ("60kb", Random(LargestValue)),
    ];

    private static readonly string[] SipFields = ["call-id", "from", "to", "ruri", "via", "contact", "user-agent", "cseq", "body"];

    private static readonly string[] HepChunks = ["correlation-id", "node-name", "payload"];

    [Fact]
    public async Task Good_calls_among_hostile_fields_and_chunks_are_all_stored_and_correlated_and_nothing_hostile_is_lost()
    {
        var start = SipCalls.NowMicros();
        var hostile = Cases(start).ToList();
        var calls = Enumerable.Range(0, 24).Select(i => (CallId: $"good-{i:D2}-{Guid.NewGuid():N}", From: $"alice{i}", To: $"bob{i}")).ToList();
        var good = calls.SelectMany((c, i) => SipCalls.BasicCall(c.CallId, c.From, c.To, start.AddMilliseconds(i * 50)).Select(leg => SipCalls.Hep3(leg))).ToList();
        var droppedBefore = _node.Counters.DroppedTotal;

        // Interleaved, so hostile rows share COPY batches and dialog batches with good ones.
        using (var udp = new UdpClient(AddressFamily.InterNetwork))
        {
            var next = 0;
            for (var i = 0; i < good.Count; i++)
            {
                await udp.SendAsync(good[i], _node.HepEndpoint);
                if (i % 3 == 0 && next < hostile.Count)
                    await udp.SendAsync(hostile[next++].Datagram, _node.HepEndpoint);
                if (i % 10 == 0)
                    await Task.Delay(5);
            }
            while (next < hostile.Count)
                await udp.SendAsync(hostile[next++].Datagram, _node.HepEndpoint);
        }

        await using var db = NpgsqlDataSource.Create(_node.Database.ConnectionString);
        var ids = calls.Select(c => c.CallId).ToArray();
        await _node.Eventually(async () =>
        {
            await using var cmd = db.CreateCommand("SELECT count(*) FROM dialogs WHERE call_id = ANY($1) AND state = 'COMPLETED' AND message_count = 7");
            cmd.Parameters.Add(new NpgsqlParameter { Value = ids });
            return (long)(await cmd.ExecuteScalarAsync())! == calls.Count;
        }, "every good call's dialog row completed");

        // Every good call: all its messages stored, and its dialog row exact.
        await using (var cmd = db.CreateCommand("""
            SELECT d.call_id, d.from_user, d.to_user, d.final_status, d.message_count,
                   (SELECT count(*) FROM messages m WHERE m.call_id = d.call_id)
            FROM dialogs d WHERE d.call_id = ANY($1)
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = ids });
            var rows = new Dictionary<string, (string? From, string? To, int? Status, long Count, long Stored)>();
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
                rows[r.GetString(0)] = (r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                    r.IsDBNull(3) ? null : r.GetInt32(3), r.GetInt64(4), r.GetInt64(5));
            foreach (var call in calls)
                Assert.Equal((call.From, call.To, (int?)200, 7L, 7L), rows[call.CallId]);
        }

        // Every hostile message: stored once with its payload byte-exact, or counted as refused.
        var refused = _node.Counters.DroppedTotal - droppedBefore;
        var stored = 0;
        var missing = new List<string>();
        await _node.Eventually(async () => await StoredCount(db, hostile) + (_node.Counters.DroppedTotal - droppedBefore) >= hostile.Count,
            "every hostile message stored or counted as refused");
        foreach (var h in hostile)
        {
            await using var cmd = db.CreateCommand("SELECT payload, headers::text, call_id, from_user, node, correlation_id FROM messages WHERE position($1 in payload) > 0");
            cmd.Parameters.Add(new NpgsqlParameter { Value = Encoding.ASCII.GetBytes(h.Marker) });
            await using var r = await cmd.ExecuteReaderAsync();
            if (!await r.ReadAsync())
            {
                missing.Add(h.Name);
                continue;
            }
            stored++;
            Assert.Equal(h.Payload, r.GetFieldValue<byte[]>(0));
            if (!r.IsDBNull(1))
                System.Text.Json.JsonDocument.Parse(r.GetString(1)).Dispose();
            for (var column = 1; column < 6; column++)
            {
                if (r.IsDBNull(column))
                    continue;
                var text = r.GetString(column);
                Assert.True(StorableText.IsClean(text) && !text.Contains('\0'), $"{h.Name}: column {column} holds what PostgreSQL should have refused");
            }
            if (h.Name.StartsWith("call-id/nul", StringComparison.Ordinal))
                Assert.Contains("a\u2400b", r.GetString(2));
            if (h.Name.StartsWith("from/invalid-utf8", StringComparison.Ordinal))
                Assert.Contains("a\uFFFD", r.GetString(3));
            Assert.False(await r.ReadAsync(), $"{h.Name} stored twice");
        }
        refused = _node.Counters.DroppedTotal - droppedBefore;
        Assert.True(stored + refused >= hostile.Count, $"lost without a count: {string.Join(", ", missing)}");
        // With values made storable at decode time, nothing here is refused at all.
        Assert.Empty(missing);

        // The hostile INVITEs with a huge or escaped Call-ID have their dialog rows too (the row writer was not stuck on them).
        foreach (var (name, _) in Values)
        {
            await _node.Eventually(async () =>
            {
                await using var cmd = db.CreateCommand("SELECT count(*) FROM dialogs WHERE left(call_id, 256) LIKE $1 AND call_id LIKE $1");
                cmd.Parameters.Add(new NpgsqlParameter { Value = $"hostile-call-id/{name}-%" });
                return (long)(await cmd.ExecuteScalarAsync())! == 1;
            }, $"the dialog row of the {name} Call-ID");
        }
    }

    private static async Task<int> StoredCount(NpgsqlDataSource db, IReadOnlyList<Hostile> hostile)
    {
        await using var cmd = db.CreateCommand("SELECT count(*) FROM messages WHERE position('hostile-case-'::bytea in payload) > 0");
        return (int)(long)(await cmd.ExecuteScalarAsync())!;
    }

    private static IEnumerable<Hostile> Cases(DateTimeOffset start)
    {
        var n = 0;
        foreach (var (valueName, value) in Values)
        {
            foreach (var field in SipFields)
            {
                var marker = $"hostile-case-{n++:D3};";
                var payload = Invite(field, value, $"hostile-{field}/{valueName}-{marker}", marker);
                yield return new Hostile($"{field}/{valueName}", Encode(payload, start, null, null), payload, marker);
            }
            foreach (var chunk in HepChunks)
            {
                var marker = $"hostile-case-{n++:D3};";
                var payload = chunk == "payload"
                    ? [.. Encoding.ASCII.GetBytes(marker), .. value.Take(LargestValue - marker.Length)]
                    : Invite("none", [], $"hostile-{chunk}/{valueName}-{marker}", marker);
                var datagram = chunk switch
                {
                    "correlation-id" => Encode(payload, start, value, null),
                    "node-name" => Encode(payload, start, null, value),
                    _ => Encode(payload, start, null, null),
                };
                yield return new Hostile($"{chunk}/{valueName}", datagram, payload, marker);
            }
        }
    }

    /// <summary>An INVITE whose <paramref name="field"/> carries <paramref name="value"/> as raw bytes; the others are ordinary.</summary>
    private static byte[] Invite(string field, byte[] value, string callId, string marker)
    {
        byte[] Part(string name, string ordinary) => field == name ? value : Encoding.ASCII.GetBytes(ordinary);
        var body = Part("body", "hello");
        var message = new List<byte>();
        void Add(params object[] parts)
        {
            foreach (var part in parts)
                message.AddRange(part as byte[] ?? Encoding.ASCII.GetBytes((string)part));
        }
        Add("INVITE sip:", Part("ruri", "bob"), "@example.net SIP/2.0\r\n");
        Add("Via: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bK", Part("via", "h1"), "\r\n");
        Add("Max-Forwards: 70\r\n");
        Add("From: <sip:", Part("from", "mallory"), "@example.com>;tag=h1\r\n");
        Add("To: <sip:", Part("to", "bob"), "@example.net>\r\n");
        Add("Call-ID: ", Encoding.ASCII.GetBytes(callId), field == "call-id" ? value : Array.Empty<byte>(), "\r\n");
        Add("CSeq: 1", Part("cseq", ""), " INVITE\r\n");
        Add("Contact: <sip:", Part("contact", "mallory"), "@192.0.2.99>\r\n");
        Add("User-Agent: ", Part("user-agent", "Hostile/1.0"), "\r\n");
        Add("X-Hostile: ", marker, "\r\n");
        Add("Content-Type: text/plain\r\n");
        Add($"Content-Length: {body.Length}\r\n\r\n", body);
        // Keep within one HEP packet: a 60 000-byte value plus this message plus the HEP header.
        return message.Count > 65_300 ? message.Take(65_300).ToArray() : message.ToArray();
    }

    /// <summary>HEP3 with the correlation id or node name chunk carrying raw bytes (the encoder takes strings: patched after).</summary>
    private static byte[] Encode(byte[] payload, DateTimeOffset at, byte[]? correlationId, byte[]? nodeName)
    {
        // Placeholders of the same byte length, unique enough to find and overwrite.
        string? Placeholder(byte[]? raw, char fill) => raw is null ? null : new string(fill, raw.Length);
        var room = 65_400 - payload.Length - 200;
        correlationId = correlationId is { } c && c.Length > room ? c[..room] : correlationId;
        nodeName = nodeName is { } nn && nn.Length > room ? nn[..room] : nodeName;
        var datagram = HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = 2,
            IpProtocol = 17,
            SourceAddress = IPAddress.Parse("192.0.2.99"),
            DestinationAddress = IPAddress.Parse("198.51.100.20"),
            SourcePort = 5060,
            DestinationPort = 5060,
            Timestamp = at,
            ProtocolType = 1,
            CaptureId = 2001,
            Payload = payload,
            CorrelationId = Placeholder(correlationId, '\u0001'),
            NodeName = Placeholder(nodeName, '\u0002'),
        });
        Patch(datagram, correlationId, 0x11, 0x01);
        Patch(datagram, nodeName, 0x13, 0x02);
        return datagram;
    }

    // Finds the chunk by its header (vendor 0, type, length including the header) followed by the placeholder.
    private static void Patch(byte[] datagram, byte[]? raw, byte chunkType, byte fill)
    {
        if (raw is null)
            return;
        var length = raw.Length + 6;
        byte[] chunk = [0, 0, 0, chunkType, (byte)(length >> 8), (byte)length, .. Enumerable.Repeat(fill, raw.Length)];
        var at = datagram.AsSpan().IndexOf(chunk);
        Assert.True(at >= 0, "placeholder chunk not found");
        raw.CopyTo(datagram, at + 6);
    }

    private static byte[] Random(int length) => Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(length / 2 + 1))[..length]);
}
