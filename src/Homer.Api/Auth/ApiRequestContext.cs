namespace Homer.Api.Auth;

/// <summary>What a resolver may need to know about the request beyond the caller (the login throttle keys on the client address).</summary>
public sealed class ApiRequestContext : Dictionary<string, object?>
{
    public string? ClientAddress { get; init; }

    /// <summary>Set for subscriptions over WebSocket: the transport returns a credit each time it has sent an event.</summary>
    public Subscriptions.DeliveryCredits? Credits { get; init; }

    /// <summary>Set for queries and mutations: what their result may still take (see <see cref="Transport.ResultBudget"/>).</summary>
    public Transport.ResultBudget? Budget { get; set; }

    /// <summary>Set for queries and mutations: the request's claim on its user's database slots.</summary>
    public Transport.DatabaseGate? Database { get; set; }
}
