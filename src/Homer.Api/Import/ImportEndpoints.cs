using System.Diagnostics;
using System.Globalization;
using System.Net;
using Homer.Actors.Contracts;
using Homer.Api.Auth;
using Homer.Api.Export;
using Homer.Api.Rest;
using Homer.Storage.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homer.Api.Import;

/// <summary>
/// <c>POST /api/import/pcap?captureId=N[&amp;node=name]</c>, the capture file as the request body (role user): its SIP
/// (UDP, TCP) and HEP packets go into this node's HEP ingest with the capture id asked for and their capture times, so
/// they are stored, searched and correlated like live traffic. Answers with what was imported and what was skipped, and
/// why. Needs a node with the ingest role; at most <see cref="ApiOptions.MaxImportBytes"/>.
/// </summary>
public static class ImportEndpoints
{
    public static void MapImport(this WebApplication app) => app.MapPost("/api/import/pcap", (Delegate)ImportAsync);

    private static async Task ImportAsync(HttpContext http)
    {
        if (await ExportEndpoints.RequireAsync(http, HomerRole.User) is not { } caller)
            return;
        var sink = http.RequestServices.GetService<IHepIngestSink>();
        if (sink is null)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "This node does not ingest (no ingest role): import on a node that does.");
            return;
        }
        var query = http.Request.Query;
        if (!uint.TryParse(query["captureId"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var captureId))
        {
            await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, "captureId is required: the capture id (a whole number, 0 to 4294967295) the imported messages get.");
            return;
        }
        var node = query["node"].ToString() is { Length: > 0 } n ? n : null;
        if (node is { Length: > 128 } || (node is not null && Transport.TextValuesRule.Problem(node) is not null))
        {
            await ApiError.WriteAsync(http, StatusCodes.Status400BadRequest, "node must be a short name (at most 128 characters, no control characters).");
            return;
        }

        var max = http.RequestServices.GetRequiredService<ApiOptions>().MaxImportBytes;
        if (http.Request.ContentLength > max)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, TooLarge(max));
            return;
        }
        // Kestrel's own body limit (30 MB) would cut a legal upload; ours is checked as the bytes arrive.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = max + 1;

        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Homer.Api.Import");
        var uploader = new IPEndPoint(http.Connection.RemoteIpAddress ?? IPAddress.Loopback, 0);
        var body = new LimitedStream(http.Request.Body, max);
        var importer = new PcapImporter(sink, captureId, node, uploader);
        var watch = Stopwatch.StartNew();
        ImportSummary summary;
        try
        {
            summary = await importer.RunAsync(new PcapReader(body), http.RequestAborted);
        }
        catch (PcapFormatException e)
        {
            // What came before the damage is already in ingest; the message says where it stopped.
            await ApiError.WriteAsync(http, e.NotACapture ? StatusCodes.Status415UnsupportedMediaType : StatusCodes.Status400BadRequest, e.Message);
            return;
        }
        catch (TooLargeException)
        {
            await ApiError.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, TooLarge(max) + " What came before the limit was imported.");
            return;
        }
        logger.LogInformation("{User} imported {Imported} messages ({Sip} SIP, {Hep} HEP) of {Packets} packets from a {Format} file of {Bytes} bytes with capture id {CaptureId} in {Seconds:0.0} s",
            caller.Username, summary.Imported, summary.SipMessages, summary.HepPackets, summary.Packets, summary.Format, summary.Bytes, captureId, watch.Elapsed.TotalSeconds);
        await http.Response.WriteAsJsonAsync(new ImportAnswer(
            summary.Format, summary.Packets, summary.Bytes, summary.Imported, summary.SipMessages, summary.HepPackets, summary.CaptureId, node,
            summary.First?.UtcDateTime.ToString(GraphQL.DateTimeScalar.Format, CultureInfo.InvariantCulture),
            summary.Last?.UtcDateTime.ToString(GraphQL.DateTimeScalar.Format, CultureInfo.InvariantCulture),
            summary.IpDatagramsReassembled, summary.Skipped, Math.Round(watch.Elapsed.TotalSeconds, 3)), http.RequestAborted);
    }

    private static string TooLarge(long max) =>
        string.Create(CultureInfo.InvariantCulture, $"The file is larger than the import limit of {max >> 20} MB (HOMER_IMPORT_MAX_MB): split it (editcap -c) or raise the limit.");

    private sealed class TooLargeException : Exception;

    /// <summary>The request body, refusing to read past the limit (a chunked upload has no Content-Length to check first).</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read;
            try
            {
                read = await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                throw new TooLargeException();
            }
            _position += read;
            if (_position > limit)
                throw new TooLargeException();
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
