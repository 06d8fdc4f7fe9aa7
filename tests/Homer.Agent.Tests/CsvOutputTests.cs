using System.Globalization;
using System.Text;
using CsvHelper;
using Homer.Agent.Output;

namespace Homer.Agent.Tests;

/// <summary>The CSV output, read back with CsvHelper (an independent RFC 4180 reader).</summary>
public sealed class CsvOutputTests : IDisposable
{
    private const long T0 = 1_700_000_000_123_456;
    private readonly string _dir = Directory.CreateTempSubdirectory("homer-agent-csv").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static List<string[]> ReadCsv(string path)
    {
        // Strict: malformed quoting or a row with another field count fails the test instead of being "recovered".
        using var csv = CsvReader.FromFile(path, new CsvReaderOptions
        {
            HasHeader = false,
            SkipEmptyLines = false,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
        });
        var rows = new List<string[]>();
        while (csv.Read()) rows.Add(Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToArray());
        return rows;
    }

    [Fact]
    public async Task Sip_with_commas_quotes_and_crlf_round_trips_through_a_csv_reader_beside_the_hep_output()
    {
        // Display names with a comma and quotes, a body with a quoted string and bare commas: every quoting case.
        var invite = "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
            + "From: \"Doe, John \\\"JD\\\"\" <sip:john@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
            + "Call-ID: csv-1@test\r\nCSeq: 1 INVITE\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\n\"a\",b,,c\r\n\"\"\"\r\n";
        var ok = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\nFrom: <sip:john@example.com>;tag=1\r\n"
            + "To: <sip:bob@example.com>;tag=2\r\ni: csv-1@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        var messages = new[] { invite, ok, Frames.Sip("OPTIONS", "csv-2@test", 7) };
        var pcap = Frames.WritePcap(Path.Combine(_dir, "csv.pcap"), messages.Select((m, i) => new Frames.Frame(T0 + i * 1000,
            Frames.Ethernet(Frames.Ipv4Udp("10.9.0.1", 5060, "10.9.0.2", 5062, Encoding.UTF8.GetBytes(m))))));
        await using var receiver = HepReceiver.Udp();
        var path = Path.Combine(_dir, "out", "messages.csv");
        var run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--csv", path, "--summary", "json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await receiver.WaitForAsync(3, TimeSpan.FromSeconds(10)));

        var rows = ReadCsv(path);
        Assert.Equal(CsvOutput.Columns, rows[0]);
        Assert.Equal(4, rows.Count);
        var col = CsvOutput.Columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        Assert.Equal(messages, rows.Skip(1).Select(r => r[col["payload"]]));
        Assert.All(rows.Skip(1), r => Assert.Equal(CsvOutput.Columns.Length, r.Length));
        var first = rows[1];
        Assert.Equal("2023-11-14T22:13:20.123456Z", first[col["time"]]);
        Assert.Equal(T0.ToString(CultureInfo.InvariantCulture), first[col["timestamp_us"]]);
        Assert.Equal(["sip", "udp", "10.9.0.1", "5060", "10.9.0.2", "5062", "", "INVITE", "", "csv-1@test"],
            new[] { "type", "protocol", "src_ip", "src_port", "dst_ip", "dst_port", "vlan", "method", "status", "call_id" }.Select(c => first[col[c]]));
        Assert.Equal(["", "200", "csv-1@test"], new[] { "method", "status", "call_id" }.Select(c => rows[2][col[c]]));
        Assert.Equal("OPTIONS", rows[3][col["method"]]);

        // A second run appends rows, not a second header.
        run = await AgentRun.RunAsync(["capture", "--pcap", pcap, "--to", receiver.Target, "--csv", path, "--summary", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        rows = ReadCsv(path);
        Assert.Equal(7, rows.Count);
        Assert.Single(rows, r => r[0] == "time");
    }

    [Fact]
    public async Task A_csv_output_in_the_configuration_takes_what_the_plan_sends_it()
    {
        var pcap = Frames.WritePcap(Path.Combine(_dir, "plan.pcap"), new[] { "REGISTER", "OPTIONS" }.Select((m, i) => new Frames.Frame(T0 + i,
            Frames.Ethernet(Frames.Ipv4Udp("10.9.0.1", 5060, "10.9.0.2", 5060, Encoding.UTF8.GetBytes(Frames.Sip(m, $"plan-{i}@test", 1)))))));
        var path = Path.Combine(_dir, "plan.csv");
        var config = Path.Combine(_dir, "agent.yaml");
        File.WriteAllText(config, $"""
            outputs:
              rows: {"{"} type: csv, file: "{path}" {"}"}
            inputs:
              - name: file
                pcap: "{pcap}"
                plan: p
            plans:
              p:
                - if: {"{"} method: [REGISTER] {"}"}
                  then: ["send:rows"]
            """);
        var run = await AgentRun.RunAsync(["--config", config, "--summary", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var rows = ReadCsv(path);
        Assert.Equal(2, rows.Count);
        Assert.Equal("REGISTER", rows[1][Array.IndexOf(CsvOutput.Columns, "method")]);
    }
}
