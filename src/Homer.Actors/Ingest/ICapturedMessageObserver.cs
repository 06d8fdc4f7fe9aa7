using Homer.Storage;

namespace Homer.Actors.Ingest;

/// <summary>
/// Sees every message the ingest graph keeps (after decode, before the store), e.g. for a live tail. Called on the
/// graph's thread: it must return at once and never throw; <see cref="IsListening"/> lets it cost nothing when idle.
/// </summary>
public interface ICapturedMessageObserver
{
    bool IsListening { get; }

    void OnMessage(CapturedMessage message);
}
