using Homer.Hep;

namespace Homer.Agent.Output;

/// <summary>What every HEP packet the agent writes carries besides the captured data.</summary>
public sealed record HepSettings
{
    public HepVersion Version { get; init; } = HepVersion.V3;
    public uint CaptureId { get; init; } = 2001;
    public string? NodeName { get; init; }
    public string? AuthKey { get; init; }
    public bool Compress { get; init; }
}
