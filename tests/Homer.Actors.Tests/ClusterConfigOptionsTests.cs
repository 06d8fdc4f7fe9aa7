using Akka.Configuration;
using Homer.Actors.Dialogs;
using Homer.Actors.Hosting;
using Homer.Actors.Ingest;

namespace Homer.Actors.Tests;

/// <summary>
/// The dialog feature and the ingest graph read their <c>homer.dialog</c> settings themselves
/// (<see cref="DialogOptions.FromConfig"/>, <see cref="HepIngestOptions.WithDialogRouting"/>): every key reaches its
/// setting, and cluster-config/akka.conf, the home of the defaults, says what the code falls back to.
/// </summary>
public sealed class ClusterConfigOptionsTests
{
    private static readonly HepIngestOptions Ingest = new() { Listeners = [] };

    [Fact]
    public void Every_homer_dialog_key_reaches_its_setting()
    {
        var config = ConfigurationFactory.ParseString("""
            homer.dialog {
              shard-count = 7
              route-window = 35ms
              route-window-messages = 123
              checkpoint-delay = 3s
              ledger-flush-delay = 50ms
              recovery {
                margin = 20s
                max-window = 3m
                second-pass = 11s
                detection-allowance = 16s
                max-dialog-ids = 17
                max-messages-per-dialog = 18
                read-concurrency = 3
                dialogs-per-read = 19
                read-yield-max = 6s
                after-open = 7s
                read-attempts = 8
                read-retry-delay = 2s
                max-pending-live = 21
              }
              rows {
                max-pending-rows = 22
                max-pending-bytes = 1MiB
              }
            }
            """);
        var dialogs = DialogOptions.FromConfig(config, DialogSettings.Default);
        Assert.Equal(7, dialogs.ShardCount);
        Assert.Equal(TimeSpan.FromSeconds(3), dialogs.Settings.CheckpointDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(50), dialogs.Ledger.FlushDelay);
        Assert.Equal(new CatchUpSettings
        {
            Margin = TimeSpan.FromSeconds(20), MaxWindow = TimeSpan.FromMinutes(3), SecondPass = TimeSpan.FromSeconds(11),
            DetectionAllowance = TimeSpan.FromSeconds(16), MaxDialogIds = 17, MaxMessagesPerDialog = 18, ReadConcurrency = 3,
            DialogsPerRead = 19, ReadYieldMax = TimeSpan.FromSeconds(6), AfterOpen = TimeSpan.FromSeconds(7), ReadAttempts = 8,
            ReadRetryDelay = TimeSpan.FromSeconds(2), MaxPendingLive = 21,
        }, dialogs.CatchUp);
        Assert.Equal(new DialogRowWriterSettings { MaxPendingRows = 22, MaxPendingBytes = 1 << 20 }, dialogs.Rows);

        var ingest = Ingest.WithDialogRouting(config);
        Assert.Equal(7, ingest.DialogShardCount);
        Assert.Equal(TimeSpan.FromMilliseconds(35), ingest.DialogRouteWindow);
        Assert.Equal(123, ingest.DialogRouteWindowMessages);
    }

    [Fact]
    public void Cluster_config_defaults_are_the_ones_the_code_falls_back_to()
    {
        var shipped = ConfigurationFactory.ParseString(File.ReadAllText(AkkaConf()));
        var empty = Config.Empty;
        var fromFile = DialogOptions.FromConfig(shipped, DialogSettings.Default);
        var fallback = DialogOptions.FromConfig(empty, DialogSettings.Default);
        Assert.Equal(fallback.ShardCount, fromFile.ShardCount);
        Assert.Equal(fallback.Settings.CheckpointDelay, fromFile.Settings.CheckpointDelay);
        Assert.Equal(fallback.Ledger, fromFile.Ledger);
        Assert.Equal(fallback.CatchUp, fromFile.CatchUp);
        Assert.Equal(fallback.Rows, fromFile.Rows);
        // And with no cluster-config at all, a node runs with the options a test builds by hand.
        Assert.Equal(new DialogOptions().CatchUp, fallback.CatchUp);
        Assert.Equal(new DialogOptions().Rows, fallback.Rows);
        Assert.Equal(new DialogOptions().Ledger, fallback.Ledger);
        Assert.Equal(new DialogOptions().ShardCount, fallback.ShardCount);

        var ingestFromFile = Ingest.WithDialogRouting(shipped);
        Assert.Equal((Ingest.DialogShardCount, Ingest.DialogRouteWindow, Ingest.DialogRouteWindowMessages),
            (ingestFromFile.DialogShardCount, ingestFromFile.DialogRouteWindow, ingestFromFile.DialogRouteWindowMessages));
        Assert.Equal(Ingest, Ingest.WithDialogRouting(empty));
    }

    private static string AkkaConf()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "cluster-config", "akka.conf");
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException("cluster-config/akka.conf above " + AppContext.BaseDirectory);
    }
}
