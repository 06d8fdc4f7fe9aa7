using System.Globalization;
using System.Text;
using System.Text.Json;
using GraphQL.Types;
using Homer.Api.Auth;
using Homer.Api.Rest;
using Homer.Api.Transport;
using Homer.Storage;
using Homer.Storage.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homer.Api.Export;

/// <summary>
/// <c>POST /api/export/messages</c>: the whole result of a <c>messages</c> search (its <c>filter</c>, order and
/// <c>dedup</c>) as PCAP, text or CSV, streamed from PostgreSQL to the client a row at a time, at most <c>limit</c>
/// messages (<see cref="ApiOptions.MaxSearchExportRows"/> at most and by default). Role user: exports hold payloads.
/// </summary>
/// <remarks>
/// The response starts only once the first row is read, so a bad filter is a 400 with the reason. The cap is sent
/// before the data (<c>X-Homer-Export-Limit</c>); whether it cut the result is known only at the end, so text and CSV
/// end with a line that says so, and the dashboard compares the search's total with the cap before it asks.
/// </remarks>
public static class SearchExport
{
    public const string LimitHeader = "X-Homer-Export-Limit";
    private const int BodyLimit = 64 * 1024;
    private const int StreamBuffer = 64 * 1024;

    public static readonly string[] CsvColumns =
    [
        "timestamp", "transport", "src_ip", "src_port", "dst_ip", "dst_port", "proto_type", "method", "status", "reason", "call_id",
        "from_user", "to_user", "ruri_user", "user_agent", "cseq", "capture_id", "node", "correlation_id",
    ];

    public static void MapSearchExport(this WebApplication app) => app.MapPost("/api/export/messages", (Delegate)ExportAsync);

    private sealed record Request(string Format, MessageFilter Filter, int Limit, bool Descending, bool Dedup);

    private static async Task ExportAsync(HttpContext http)
    {
        var caller = await ExportEndpoints.RequireAsync(http, HomerRole.User);
        if (caller is null)
            return;
        var options = http.RequestServices.GetRequiredService<ApiOptions>();
        Request request;
        try
        {
            request = await ReadRequestAsync(http, options.MaxSearchExportRows);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidCastException)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, e.Message);
            return;
        }

        // An export is a search that may run for minutes: it takes one of the user's query slots for as long as it streams.
        var slots = http.RequestServices.GetRequiredService<UserQuerySlots>();
        if (!slots.TryTake(caller.Username))
        {
            await ApiError.WriteAsync(http, StatusCodes.Status429TooManyRequests,
                $"{caller.Username} already runs {slots.PerUser} searches or exports on this node; wait for one to finish.");
            return;
        }
        try
        {
            await StreamAsync(http, request);
        }
        finally
        {
            slots.Return(caller.Username);
        }
    }

    private static async Task StreamAsync(HttpContext http, Request request)
    {
        var queries = http.RequestServices.GetRequiredService<MessageQueries>();
        var ct = http.RequestAborted;
        var rows = queries.StreamForExportAsync(request.Filter,
            new MessageSearchOptions { Descending = request.Descending, Deduplicate = request.Dedup }, request.Limit, ct);
        await using var cursor = rows.GetAsyncEnumerator(ct);
        bool any;
        try
        {
            any = await cursor.MoveNextAsync();
        }
        catch (MessageFilterException e)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, e.Message);
            return;
        }

        var extension = request.Format switch { "pcap" => "pcap", "csv" => "csv", _ => "txt" };
        http.Response.ContentType = request.Format switch
        {
            "pcap" => ExportEndpoints.PcapContentType,
            "csv" => "text/csv; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        };
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{FileName(request.Filter)}.{extension}\"";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers[LimitHeader] = request.Limit.ToString(CultureInfo.InvariantCulture);

        // Kestrel flushes every write of the response stream: batch the small ones (a PCAP record header, a CSV row).
        await using var body = new BufferedStream(http.Response.Body, StreamBuffer);
        var written = 0;
        var cut = false;
        switch (request.Format)
        {
            case "pcap":
            {
                var pcap = new PcapWriter(body);
                await pcap.WriteHeaderAsync(ct);
                for (var more = any; more; more = await cursor.MoveNextAsync())
                {
                    if (written == request.Limit) { cut = true; break; }
                    await pcap.WriteAsync(ToExported(cursor.Current), ct);
                    written++;
                }
                break;
            }
            default:
            {
                await using var text = new StreamWriter(body, new UTF8Encoding(false), StreamBuffer, leaveOpen: true);
                var csv = request.Format == "csv";
                if (csv)
                    await text.WriteAsync(string.Join(',', CsvColumns) + "\r\n");
                for (var more = any; more; more = await cursor.MoveNextAsync())
                {
                    if (written == request.Limit) { cut = true; break; }
                    if (csv)
                        await text.WriteAsync(CsvRow(cursor.Current));
                    else
                        await TextExport.WriteAsync(text, ToExported(cursor.Current));
                    written++;
                }
                if (cut)
                    await text.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                        $"# export stopped at its limit of {request.Limit} messages: the search has more; narrow it or raise the limit (at most {http.RequestServices.GetRequiredService<ApiOptions>().MaxSearchExportRows})\r\n"));
                await text.FlushAsync(ct);
                break;
            }
        }
        await body.FlushAsync(ct);
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Homer.Api.Export")
            .LogInformation("Exported {Count} messages as {Format}{Cut}", written, request.Format, cut ? " (stopped at the limit)" : "");
    }

    private static async Task<Request> ReadRequestAsync(HttpContext http, int maxRows)
    {
        if (http.Request.ContentLength > BodyLimit)
            throw new FormatException($"The request body is larger than {BodyLimit / 1024} KiB.");
        using var document = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("The body must be a JSON object: { \"format\": \"pcap\" | \"text\" | \"csv\", \"filter\": { … }, \"limit\", \"descending\", \"dedup\" }.");
        foreach (var property in root.EnumerateObject())
            if (property.Name is not ("format" or "filter" or "limit" or "descending" or "dedup"))
                throw new FormatException($"'{property.Name}' is not an export parameter (format, filter, limit, descending, dedup).");
        var format = root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()!.ToLowerInvariant() : null;
        if (format is not ("pcap" or "text" or "csv"))
            throw new FormatException("format must be \"pcap\", \"text\" or \"csv\".");
        if (!root.TryGetProperty("filter", out var filterJson))
            throw new FormatException("filter is required: the messages search's filter, as the GraphQL messages query takes it.");
        var schema = http.RequestServices.GetRequiredService<ISchema>();
        schema.Initialize();
        var filterType = (IInputObjectGraphType)schema.AllTypes["MessageFilter"]!;
        var filter = (MessageFilter)InputJson.Parse(filterType, filterJson, "filter");

        var limit = maxRows;
        if (root.TryGetProperty("limit", out var l) && l.ValueKind != JsonValueKind.Null)
        {
            if (!l.TryGetInt32(out limit) || limit < 1)
                throw new FormatException("limit must be a positive whole number.");
            if (limit > maxRows)
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"limit may be at most {maxRows} (HOMER_EXPORT_MAX_ROWS)."));
        }
        return new Request(format, filter, limit, Bool(root, "descending"), Bool(root, "dedup"));
    }

    private static bool Bool(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new FormatException($"{name} must be true or false."),
        };

    public static ExportedMessage ToExported(ExportRow r) =>
        new(r.Timestamp, r.IpProtocol, r.SourceIp, r.SourcePort, r.DestinationIp, r.DestinationPort, r.ProtocolType, r.CallId, r.Method,
            r.StatusCode, r.ReasonPhrase, r.Payload);

    /// <summary>One RFC 4180 row (CRLF, fields quoted when they hold a comma, quote or line break).</summary>
    public static string CsvRow(ExportRow r)
    {
        var c = CultureInfo.InvariantCulture;
        string?[] values =
        [
            r.Timestamp.UtcDateTime.ToString(GraphQL.DateTimeScalar.Format, c),
            r.Transport ?? (r.IpProtocol == 6 ? "TCP" : "UDP"),
            r.SourceIp.ToString(), r.SourcePort.ToString(c), r.DestinationIp.ToString(), r.DestinationPort.ToString(c),
            r.ProtocolType.ToString(c), r.Method, r.StatusCode?.ToString(c), r.ReasonPhrase, r.CallId,
            r.FromUser, r.ToUser, r.RuriUser, r.UserAgent,
            r.CSeqNumber is { } n ? (n.ToString(c) + (r.CSeqMethod is null ? "" : " " + r.CSeqMethod)) : r.CSeqMethod,
            r.CaptureId.ToString(c), r.NodeName, r.CorrelationId,
        ];
        var line = new StringBuilder(256);
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
                line.Append(',');
            line.Append(CsvField(values[i]));
        }
        return line.Append("\r\n").ToString();
    }

    /// <summary>
    /// A CSV field. Text from the wire that a spreadsheet would run as a formula (=, @, or + and - not followed by a
    /// digit, so phone numbers such as +4930… stay numbers) gets a leading apostrophe.
    /// </summary>
    public static string CsvField(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value[0] is '=' or '@' or '\t' or '\r' || (value[0] is '+' or '-' && (value.Length == 1 || !char.IsAsciiDigit(value[1]))))
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string FileName(MessageFilter filter) =>
        "homer-messages" + (filter.From is { } from ? "-" + from.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) : "");
}
