using System.Globalization;
using System.Net;
using System.Text;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Actors.Ingest;
using Homer.Hep;
using Homer.Sip;
using Homer.Storage;

namespace Homer.Actors.Tests;

/// <summary>
/// Reads a SIP flow fixture (Fixtures/sip/*.sip) and turns each message into what the dialog sees, through the real
/// path: HEP3 encode → ingest decoder → <see cref="DialogRouting.ToCommand"/>.
/// </summary>
public static class SipFixture
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);

    public sealed record Item(CapturedMessage Captured, DialogCommands.RecordSipMessage Command);

    /// <summary>A stored message of a payload type other than SIP that names its call by correlation id (QoS, logs).</summary>
    public static CapturedMessage Correlated(byte type, string correlationId, string payload) => new()
    {
        TimestampMicros = Start.ToUnixTimeMilliseconds() * 1000,
        Profile = HepMessageDecoder.ProfileOf(type, null),
        ProtocolType = type,
        SourceIp = IPAddress.Parse("10.1.1.9"),
        SourcePort = 0,
        DestinationIp = IPAddress.Parse("10.1.1.10"),
        DestinationPort = 0,
        CorrelationId = correlationId,
        Payload = Encoding.UTF8.GetBytes(payload),
    };

    public static IReadOnlyList<Item> Load(string name, string? callId = null, DateTimeOffset? start = null)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sip", name);
        var items = new List<Item>();
        string? header = null;
        var text = new StringBuilder();
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.StartsWith("# ", StringComparison.Ordinal) && header is null)
                continue;
            if (line.StartsWith("> ", StringComparison.Ordinal))
            {
                if (header is not null)
                    items.Add(Build(header, text.ToString(), callId, start ?? Start));
                header = line;
                text.Clear();
                continue;
            }
            text.Append(line).Append("\r\n");
        }
        if (header is not null)
            items.Add(Build(header, text.ToString(), callId, start ?? Start));
        return items;
    }

    /// <summary>Microsecond-aligned "now", as HEP carries it.</summary>
    public static DateTimeOffset NowMicros()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - now.Ticks % 10, TimeSpan.Zero);
    }

    public static IReadOnlyList<DialogCommands.RecordSipMessage> Commands(string name, string? callId = null) =>
        Load(name, callId).Select(i => i.Command).ToArray();

    private static Item Build(string header, string text, string? callId, DateTimeOffset start)
    {
        var parts = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var at = start.AddMilliseconds(double.Parse(parts[1], CultureInfo.InvariantCulture));
        var source = IPEndPoint.Parse(parts[2]);
        var destination = IPEndPoint.Parse(parts[3]);

        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var body = split < 0 ? "" : text[(split + 4)..];
        var headers = split < 0 ? text : text[..(split + 4)];
        headers = headers.Replace("[len]", Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var sip = headers + body;
        if (callId is not null)
        {
            var original = sip.Split("\r\n").First(l => l.StartsWith("Call-ID: ", StringComparison.Ordinal))[9..];
            sip = sip.Replace(original, callId, StringComparison.Ordinal);
        }

        var datagram = HepEncoder.Encode(new HepMessage
        {
            Version = HepVersion.V3,
            IpFamily = 2,
            IpProtocol = 17,
            SourceAddress = source.Address,
            DestinationAddress = destination.Address,
            SourcePort = (ushort)source.Port,
            DestinationPort = (ushort)destination.Port,
            Timestamp = at,
            ProtocolType = 1,
            CaptureId = 2001,
            Payload = Encoding.UTF8.GetBytes(sip),
        });
        var outcome = HepMessageDecoder.Decode(datagram, "fixture-node");
        var captured = outcome.Message ?? throw new InvalidOperationException($"fixture message did not decode: {outcome.Error}");
        Assert.Null(captured.ParseError);
        var payload = captured.Payload.Span;
        Assert.True(SipParser.TryParse(payload, out var parsed, out _));
        return new Item(captured, DialogRouting.ToCommand(captured, payload, parsed));
    }

    /// <summary>
    /// What the ingest workers plan for a fixture message: its SIP parsed as the decoder parses it, then
    /// <see cref="DialogRouting.PlanParsed"/>, the one planning entry point.
    /// </summary>
    public static DialogRoute Plan(CapturedMessage captured)
    {
        Assert.True(SipParser.TryParse(captured.Payload.Span, out var sip, out _));
        return DialogRouting.PlanParsed(captured, sip);
    }

    public static DialogState Run(IEnumerable<DialogCommands.RecordSipMessage> messages, DialogSettings? settings = null, string? callId = null)
    {
        var list = messages.ToList();
        var state = DialogState.Empty(callId ?? list[0].CallId);
        foreach (var m in list)
            state = state.ApplyAll(state.Process(m, settings ?? DialogSettings.Default));
        return state;
    }
}
