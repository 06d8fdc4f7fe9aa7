using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Homer.Api.Export;
using Homer.Storage;
using Xunit.Abstractions;

namespace Homer.Node.Tests;

/// <summary>
/// A capture of many calls imported in one upload: every packet is stored. 5 000 packets by default; with
/// HOMER_IMPORT_PACKETS=100000 it is the measurement docs/benchmarks.md quotes (import and storage time printed).
/// </summary>
public sealed class PcapImportVolumeTests(NodeFixture node, ITestOutputHelper output) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task Every_packet_of_a_large_capture_is_stored()
    {
        var packets = int.TryParse(Environment.GetEnvironmentVariable("HOMER_IMPORT_PACKETS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 5_000;
        var captureId = (uint)Random.Shared.Next(100_000, 1_000_000);
        var start = SipCalls.NowMicros().AddMinutes(-30);
        var file = Path.GetTempFileName();
        try
        {
            await using (var stream = File.Create(file))
            {
                var writer = new PcapWriter(stream);
                await writer.WriteHeaderAsync(CancellationToken.None);
                var written = 0;
                for (var call = 0; written < packets; call++)
                {
                    var legs = SipCalls.BasicCall($"vol-{captureId}-{call}@example.com", "u" + call, "v" + call, start.AddMilliseconds(call * 10));
                    foreach (var l in legs.Take(packets - written))
                    {
                        await writer.WriteAsync(new ExportedMessage(l.Timestamp, 17, l.Source, l.SourcePort, l.Destination, l.DestinationPort, 1,
                            null, null, null, null, Encoding.UTF8.GetBytes(l.Text)), CancellationToken.None);
                        written++;
                    }
                }
            }
            var size = new FileInfo(file).Length;

            var watch = Stopwatch.StartNew();
            await using var body = File.OpenRead(file);
            using var content = new StreamContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.tcpdump.pcap");
            using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", node.AdminToken);
            using var response = await http.PostAsync($"/api/import/pcap?captureId={captureId}", content);
            var summary = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(response.StatusCode == HttpStatusCode.OK, summary.ToString());
            var submitted = watch.Elapsed;
            Assert.Equal(packets, summary.GetProperty("sipMessages").GetInt64());

            var filter = new { captureId = (long)captureId, from = start.AddMinutes(-1).UtcDateTime.ToString("O"), to = start.AddHours(1).UtcDateTime.ToString("O") };
            await NodeFixture.WaitUntil(async () =>
                (await node.GraphQL("query ($f: MessageFilter!) { messages(filter: $f, first: 0) { totalCount } }", new { f = filter }))
                    .GetProperty("messages").GetProperty("totalCount").GetInt64() == packets,
                TimeSpan.FromMinutes(10), "every imported packet to be stored");
            var stored = watch.Elapsed;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{packets} packets ({size / 1e6:0.0} MB pcap): read and queued in {submitted.TotalSeconds:0.00} s ({packets / submitted.TotalSeconds:0} packets/s), all stored after {stored.TotalSeconds:0.00} s ({packets / stored.TotalSeconds:0} packets/s)"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
