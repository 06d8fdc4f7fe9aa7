using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Homer.Node.Tests;

/// <summary>A raw graphql-transport-ws client over ClientWebSocket: the test speaks the protocol message by message.</summary>
public sealed class GraphQLWsClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public WebSocket Socket => _socket;

    public static async Task<GraphQLWsClient> ConnectAsync(Uri httpBase, string? subProtocol = "graphql-transport-ws")
    {
        var client = new GraphQLWsClient();
        if (subProtocol is not null)
            client._socket.Options.AddSubProtocol(subProtocol);
        var uri = new UriBuilder(httpBase) { Scheme = httpBase.Scheme == "https" ? "wss" : "ws", Path = "/graphql" }.Uri;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client._socket.ConnectAsync(uri, timeout.Token);
        return client;
    }

    /// <summary>Connects and completes the handshake with <paramref name="token"/>.</summary>
    public static async Task<GraphQLWsClient> InitialisedAsync(Uri httpBase, string token)
    {
        var client = await ConnectAsync(httpBase);
        await client.SendAsync(new { type = "connection_init", payload = new { token } });
        var ack = await client.ReceiveAsync();
        Assert.Equal("connection_ack", ack.GetProperty("type").GetString());
        return client;
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SubscribeAsync(string id, string query, object? variables = null) =>
        SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    /// <summary>The next message; fails if the server closes first or nothing comes in time.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        var message = await TryReceiveAsync(timeout ?? TimeSpan.FromSeconds(20));
        Assert.True(message is not null, $"Expected a message, the socket closed: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
        return message.Value;
    }

    /// <summary>Null when the server closed the socket.</summary>
    public async Task<JsonElement?> TryReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
                return null;
            text.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
                return JsonDocument.Parse(text.ToArray()).RootElement.Clone();
        }
    }

    /// <summary>Reads until the server closes and returns its close code.</summary>
    public async Task<int> ClosedWithAsync(TimeSpan? timeout = null)
    {
        while (await TryReceiveAsync(timeout ?? TimeSpan.FromSeconds(20)) is not null)
        {
        }
        return (int)_socket.CloseStatus!.Value;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }
        _socket.Dispose();
    }
}
