namespace Homer.Api.Subscriptions;

/// <summary>
/// How many events of one subscription may be on their way to the socket. The subscriber's queue hands on an event
/// only with a credit, and the transport returns the credit once the event is written, so a client that stops
/// reading stalls its own queue (which then drops and counts) instead of growing memory behind it.
/// </summary>
public sealed class DeliveryCredits(int initial) : IDisposable
{
    private readonly SemaphoreSlim _credits = new(initial);

    public Task WaitAsync(CancellationToken ct) => _credits.WaitAsync(ct);

    public void Return() => _credits.Release();

    public void Dispose() => _credits.Dispose();
}
