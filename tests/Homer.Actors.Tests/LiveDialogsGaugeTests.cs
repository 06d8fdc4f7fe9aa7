using Homer.Actors.Stats;
using Prometheus;

namespace Homer.Actors.Tests;

/// <summary>Alone: every other test that hosts dialogs moves the same process-wide count.</summary>
[CollectionDefinition(nameof(LiveDialogsGaugeTests), DisableParallelization = true)]
public sealed class LiveDialogsGaugeCollection;

[Collection(nameof(LiveDialogsGaugeTests))]
public sealed class LiveDialogsGaugeTests
{
    [Fact]
    public async Task A_scrape_shows_every_dialog_started_and_stopped_on_any_thread()
    {
        // The gauge is registered with the host's statics, as when a dialog node starts.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(ShardMetricsActor).TypeHandle);
        var before = await Scraped();
        const int Started = 200_000, Stopped = 150_000;
        using var go = new Barrier(2);
        var hosts = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
        {
            go.SignalAndWait();
            for (var i = 0; i < Started; i++)
                ShardMetricsActor.DialogStarted();
            for (var i = 0; i < Stopped; i++)
                ShardMetricsActor.DialogStopped();
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(hosts);

        Assert.Equal(before + 2 * (Started - Stopped), await Scraped());

        for (var i = 0; i < 2 * (Started - Stopped); i++)
            ShardMetricsActor.DialogStopped();
        Assert.Equal(before, await Scraped());
    }

    private static async Task<double> Scraped()
    {
        using var text = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(text);
        var line = System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n')
            .Single(l => l.StartsWith("homer_dialogs_active ", StringComparison.Ordinal));
        return double.Parse(line["homer_dialogs_active ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
