using Microsoft.Extensions.Logging;

namespace Homer.Actors.Ingest;

/// <summary>The ingest's summarised logs: packets refused (warnings) and payloads kept raw because they did not parse.</summary>
public sealed record IngestLogs(RefusalLog Refused, RefusalLog KeptRaw) : IAsyncDisposable
{
    public static IngestLogs For(ILogger logger, TimeSpan interval) => new(
        new RefusalLog(logger, interval, "Refused HEP packets"),
        new RefusalLog(logger, interval, "Kept unparsable payloads raw", LogLevel.Information));

    public async ValueTask DisposeAsync()
    {
        await Refused.DisposeAsync();
        await KeptRaw.DisposeAsync();
    }
}
