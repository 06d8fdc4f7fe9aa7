using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Homer.Api.Rest;

// The JSON bodies of the REST endpoints (the rest of the API is GraphQL), written with ASP.NET Core's web defaults:
// camelCase names in declaration order, nulls written. The dashboard's TypeScript for them,
// src/Homer.Dashboard/src/api/rest.generated.ts, is generated from these records by Homer.Node.Tests'
// RestAnswerTypesTests, which fails while the two differ.

/// <summary>Every REST endpoint's error body, whatever the status.</summary>
public sealed record ApiError(string Error)
{
    public static Task WriteAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new ApiError(message), JsonSerializerOptions.Web), http.RequestAborted);
    }
}

/// <summary><c>POST /api/import/pcap</c>: what the import did (times in the API's DateTime format).</summary>
public sealed record ImportAnswer(
    string Format, long Packets, long Bytes, long Imported, long SipMessages, long HepPackets, long CaptureId, string? Node,
    string? First, string? Last, long IpDatagramsReassembled, IReadOnlyDictionary<string, long> Skipped, double Seconds);

/// <summary><c>GET /api/share/{token}</c>: the calls of a share link and their messages, in capture order.</summary>
public sealed record SharedCallsAnswer(string CallId, IReadOnlyList<string> CallIds, DateTimeOffset ExpiresAt, IEnumerable<SharedMessage> Messages);

/// <summary>One message of a shared call: what the ladder and the message view show, no ids.</summary>
public sealed record SharedMessage(
    string Timestamp, string? CallId, string SrcIp, int SrcPort, string DstIp, int DstPort, string Transport, byte ProtocolType,
    string? Method, int? StatusCode, string? Reason, string Payload);
