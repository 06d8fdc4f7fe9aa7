using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using GraphQL;
using GraphQL.Transport;
using Homer.Api.Auth;
using Homer.Api.Subscriptions;
using Homer.Storage.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Homer.Api.Transport;

/// <summary>
/// <c>/graphql</c> over WebSocket with the <c>graphql-transport-ws</c> protocol (npm graphql-ws 6): connection_init
/// carries the token, then subscribe/next/error/complete per operation id, ping/pong either way, and the protocol's
/// close codes for every misuse.
/// </summary>
public sealed class GraphQLWebSocketEndpoint
{
    public const string SubProtocol = "graphql-transport-ws";
    public const int MaxMessageBytes = 256 * 1024;
    /// <summary>Events of one subscription written to the socket but not yet sent; see <see cref="DeliveryCredits"/>.</summary>
    public const int InFlightPerSubscription = 16;

    public static class CloseCodes
    {
        public const int BadRequest = 4400;
        public const int Unauthorized = 4401;
        public const int Forbidden = 4403;
        public const int SubprotocolNotAcceptable = 4406;
        public const int ConnectionInitTimeout = 4408;
        public const int SubscriberAlreadyExists = 4409;
        public const int TooManyInitRequests = 4429;
    }

    public static async Task Handle(HttpContext http)
    {
        if (!http.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol))
        {
            using var refused = await http.WebSockets.AcceptWebSocketAsync();
            await refused.CloseOutputAsync((WebSocketCloseStatus)CloseCodes.SubprotocolNotAcceptable, "Subprotocol not acceptable: use " + SubProtocol, http.RequestAborted);
            await DrainUntilClosed(refused);
            return;
        }
        using var socket = await http.WebSockets.AcceptWebSocketAsync(SubProtocol);
        var connection = new Connection(http, socket);
        await connection.RunAsync();
    }

    /// <summary>After our close frame, wait (briefly) for the client's, so it sees a clean close rather than a reset.</summary>
    private static async Task DrainUntilClosed(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.CloseSent)
            {
                if ((await socket.ReceiveAsync(buffer, timeout.Token)).MessageType == WebSocketMessageType.Close)
                    return;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }

    private sealed class Connection(HttpContext http, WebSocket socket)
    {
        private readonly IServiceProvider _services = http.RequestServices;
        private readonly ApiOptions _options = http.RequestServices.GetRequiredService<ApiOptions>();
        private readonly IGraphQLTextSerializer _serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        private readonly ILogger _log = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<GraphQLWebSocketEndpoint>();
        private readonly Channel<(byte[] Data, Action? Sent)> _outbox = Channel.CreateUnbounded<(byte[], Action?)>(new UnboundedChannelOptions { SingleReader = true });
        private readonly ConcurrentDictionary<string, Operation> _operations = new();
        private readonly CancellationTokenSource _closing = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        // A WebSocket allows one send at a time; close frames come from other tasks than the send loop.
        private readonly SemaphoreSlim _sendLock = new(1, 1);
        private int _initReceived;
        private volatile bool _acknowledged;
        private AuthResult _auth = AuthResult.Anonymous;

        private sealed record Operation(CancellationTokenSource Stop, DeliveryCredits Credits)
        {
            public IDisposable? Subscription { get; set; }
        }

        public async Task RunAsync()
        {
            var sender = Task.Run(SendLoop);
            _ = CloseUnlessInitialised();
            try
            {
                await ReceiveLoop();
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
            finally
            {
                foreach (var id in _operations.Keys.ToList())
                    Stop(id);
                _outbox.Writer.TryComplete();
                await DrainUntilClosed(socket);
                await _closing.CancelAsync();
                await sender;
            }
        }

        private async Task CloseUnlessInitialised()
        {
            try
            {
                await Task.Delay(_options.ConnectionInitTimeout, _closing.Token);
                if (Volatile.Read(ref _initReceived) == 0)
                    await Close(CloseCodes.ConnectionInitTimeout, "Connection initialisation timeout");
            }
            catch (OperationCanceledException)
            {
            }
        }

        /// <summary>
        /// A socket outlives the token it opened with: close it (4401 when the token expired, 4403 when it was revoked,
        /// logged out, its user disabled or demoted) within <see cref="Auth.AuthOptions.WebSocketRecheck"/>, and at the
        /// expiry itself.
        /// </summary>
        private async Task WatchToken(string? token)
        {
            var authenticator = _services.GetRequiredService<Authenticator>();
            var clock = _services.GetRequiredService<TimeProvider>();
            var every = _options.Auth.WebSocketRecheck;
            try
            {
                while (!_closing.IsCancellationRequested)
                {
                    var wait = every;
                    if (_auth.Caller?.ExpiresAt is { } expires)
                    {
                        // Tokens carry whole seconds: wake just after the expiry so the check sees it expired.
                        var untilExpiry = expires - clock.GetUtcNow() + TimeSpan.FromMilliseconds(50);
                        if (untilExpiry < wait)
                            wait = untilExpiry < TimeSpan.Zero ? TimeSpan.Zero : untilExpiry;
                    }
                    await Task.Delay(wait, clock, _closing.Token);
                    if (_auth.Caller?.ExpiresAt is { } expired && expired <= clock.GetUtcNow())
                    {
                        await CloseForAuth(CloseCodes.Unauthorized, "Unauthorized: the token has expired");
                        return;
                    }
                    AuthResult now;
                    try
                    {
                        now = await authenticator.AuthenticateAsync(token, _closing.Token);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The database did not answer: keep the socket (it was valid) and ask again next round.
                        _log.LogDebug(e, "Re-checking a WebSocket token failed");
                        continue;
                    }
                    if (now.Caller is null)
                    {
                        var expiredNow = now.Error?.Contains("expired", StringComparison.OrdinalIgnoreCase) == true;
                        await CloseForAuth(expiredNow ? CloseCodes.Unauthorized : CloseCodes.Forbidden,
                            (expiredNow ? "Unauthorized: " : "Forbidden: ") + (now.Error ?? "the token is no longer valid"));
                        return;
                    }
                    // A lower role may see less (payloads): its running subscriptions were authorised for more.
                    if (_auth.Caller is { } before && now.Caller.Role < before.Role)
                    {
                        await CloseForAuth(CloseCodes.Forbidden, $"Forbidden: the role changed to {now.Caller.Role.ToName()}; reconnect");
                        return;
                    }
                    _auth = now;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task CloseForAuth(int code, string reason)
        {
            foreach (var id in _operations.Keys.ToList())
                Stop(id);
            await Close(code, reason);
            // The client answers our close frame and the receive loop ends; one that does not is cut off.
            await Task.Delay(TimeSpan.FromSeconds(5), _closing.Token);
            await _closing.CancelAsync();
        }

        private async Task ReceiveLoop()
        {
            var buffer = new ArrayBufferWriter<byte>(4096);
            while (socket.State == WebSocketState.Open)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer.GetMemory(4096), _closing.Token);
                    buffer.Advance(received.Count);
                    if (buffer.WrittenCount > MaxMessageBytes)
                    {
                        await Close(CloseCodes.BadRequest, $"Message larger than {MaxMessageBytes} bytes");
                        return;
                    }
                } while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await CloseIfOpen(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }
                if (!await HandleMessage(buffer.WrittenMemory))
                    return;
            }
        }

        /// <summary>False once the connection is closed.</summary>
        private async Task<bool> HandleMessage(ReadOnlyMemory<byte> raw)
        {
            JsonElement message;
            try
            {
                using var document = JsonDocument.Parse(raw);
                message = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return await Close(CloseCodes.BadRequest, "Invalid message received: not JSON");
            }
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
                return await Close(CloseCodes.BadRequest, "Invalid message received: no 'type'");

            switch (typeElement.GetString())
            {
                case "connection_init":
                    if (Interlocked.Exchange(ref _initReceived, 1) == 1)
                        return await Close(CloseCodes.TooManyInitRequests, "Too many initialisation requests");
                    var token = TokenOf(message);
                    _auth = await _services.GetRequiredService<Authenticator>().AuthenticateAsync(token, _closing.Token);
                    if (_auth.Error is not null || _auth.Caller is null)
                        return await Close(CloseCodes.Forbidden, "Forbidden: " + (_auth.Error ?? "connection_init carries no token"));
                    _acknowledged = true;
                    Send(new { type = "connection_ack" });
                    if (_auth.Caller.Kind != Caller.AuthOffKind)
                        _ = WatchToken(token);
                    return true;

                case "ping":
                    Send(new { type = "pong" });
                    return true;

                case "pong":
                    return true;

                case "subscribe":
                    if (!_acknowledged)
                        return await Close(CloseCodes.Unauthorized, "Unauthorized");
                    if (!message.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String || idElement.GetString() is not { Length: > 0 } id)
                        return await Close(CloseCodes.BadRequest, "Invalid message received: subscribe needs an 'id'");
                    if (!message.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
                        return await Close(CloseCodes.BadRequest, "Invalid message received: subscribe needs a 'payload'");
                    GraphQLRequest? request;
                    try
                    {
                        request = _serializer.Deserialize<GraphQLRequest>(payload.GetRawText());
                    }
                    catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
                    {
                        return await Close(CloseCodes.BadRequest, "Invalid message received: the payload is not a GraphQL request");
                    }
                    if (request is null || string.IsNullOrWhiteSpace(request.Query))
                        return await Close(CloseCodes.BadRequest, "Invalid message received: the payload has no 'query'");
                    var operation = new Operation(CancellationTokenSource.CreateLinkedTokenSource(_closing.Token), new DeliveryCredits(InFlightPerSubscription));
                    if (!_operations.TryAdd(id, operation))
                        return await Close(CloseCodes.SubscriberAlreadyExists, $"Subscriber for {id} already exists");
                    _ = Task.Run(() => Execute(id, request, operation));
                    return true;

                case "complete":
                    if (message.TryGetProperty("id", out var completeId) && completeId.ValueKind == JsonValueKind.String)
                        Stop(completeId.GetString()!);
                    return true;

                default:
                    return await Close(CloseCodes.BadRequest, $"Invalid message received: unknown type '{typeElement.GetString()}'");
            }
        }

        private static string? TokenOf(JsonElement message)
        {
            if (!message.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
                return null;
            foreach (var property in payload.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                    continue;
                var value = property.Value.GetString()!;
                if (property.NameEquals("token"))
                    return value;
                if (string.Equals(property.Name, "authorization", StringComparison.OrdinalIgnoreCase))
                    return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value["Bearer ".Length..].Trim() : value;
            }
            return null;
        }

        private async Task Execute(string id, GraphQLRequest request, Operation operation)
        {
            try
            {
                var context = new ApiRequestContext { ClientAddress = http.Connection.RemoteIpAddress?.ToString(), Credits = operation.Credits };
                var result = await ApiExecution.ExecuteAsync(_services, request, _auth, context, allowMutations: true, operation.Stop.Token);
                if (!result.Executed || result.Errors is { Count: > 0 } && result.Streams is null)
                {
                    if (_operations.TryRemove(id, out _))
                        SendRaw(Envelope(id, "error", Encoding.UTF8.GetBytes(_serializer.Serialize(result.Errors ?? []))));
                    return;
                }
                if (result.Streams is not { Count: > 0 } streams)
                {
                    // A query or mutation over the socket: one result, then complete.
                    SendRaw(Envelope(id, "next", Encoding.UTF8.GetBytes(_serializer.Serialize(result))));
                    if (_operations.TryRemove(id, out _))
                        Send(new { id, type = "complete" });
                    return;
                }
                operation.Subscription = streams.Values.First().Subscribe(new StreamObserver(this, id, operation));
                // The client may have completed while execution ran: then nobody else will dispose it.
                if (!_operations.ContainsKey(id))
                    operation.Subscription.Dispose();
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                _log.LogWarning(e, "Subscription {Id} failed", id);
                if (_operations.TryRemove(id, out _))
                    SendRaw(Envelope(id, "error", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[] { new { message = "The operation failed on the server." } }))));
            }
        }

        private sealed class StreamObserver(Connection connection, string id, Operation operation) : IObserver<ExecutionResult>
        {
            public void OnNext(ExecutionResult value) =>
                connection._outbox.Writer.TryWrite((connection.Envelope(id, "next", Encoding.UTF8.GetBytes(connection._serializer.Serialize(value))), operation.Credits.Return));

            public void OnError(Exception error)
            {
                if (connection._operations.TryRemove(id, out _))
                    connection.SendRaw(connection.Envelope(id, "error", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[] { new { message = error.Message } }))));
            }

            public void OnCompleted()
            {
                if (connection._operations.TryRemove(id, out _))
                    connection.Send(new { id, type = "complete" });
            }
        }

        private void Stop(string id)
        {
            if (!_operations.TryRemove(id, out var operation))
                return;
            operation.Stop.Cancel();
            operation.Subscription?.Dispose();
        }

        private byte[] Envelope(string id, string type, byte[] payload)
        {
            var output = new ArrayBufferWriter<byte>(payload.Length + 64);
            using (var writer = new Utf8JsonWriter(output))
            {
                writer.WriteStartObject();
                writer.WriteString("id", id);
                writer.WriteString("type", type);
                writer.WritePropertyName("payload");
                writer.WriteRawValue(payload, skipInputValidation: true);
                writer.WriteEndObject();
            }
            return output.WrittenSpan.ToArray();
        }

        private void Send(object message) => SendRaw(JsonSerializer.SerializeToUtf8Bytes(message));

        private void SendRaw(byte[] data) => _outbox.Writer.TryWrite((data, null));

        private async Task SendLoop()
        {
            try
            {
                await foreach (var (data, sent) in _outbox.Reader.ReadAllAsync(_closing.Token))
                {
                    await _sendLock.WaitAsync(_closing.Token);
                    try
                    {
                        if (socket.State != WebSocketState.Open)
                            break;
                        await socket.SendAsync(data, WebSocketMessageType.Text, true, _closing.Token);
                    }
                    finally
                    {
                        _sendLock.Release();
                    }
                    sent?.Invoke();
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        /// <summary>Always false, so a handler can <c>return await Close(...)</c>.</summary>
        private async Task<bool> Close(int code, string reason)
        {
            await CloseIfOpen((WebSocketCloseStatus)code, reason);
            return false;
        }

        private async Task CloseIfOpen(WebSocketCloseStatus status, string reason)
        {
            await _sendLock.WaitAsync();
            try
            {
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    await socket.CloseOutputAsync(status, reason, CancellationToken.None);
            }
            catch (WebSocketException)
            {
            }
            finally
            {
                _sendLock.Release();
            }
        }
    }
}
