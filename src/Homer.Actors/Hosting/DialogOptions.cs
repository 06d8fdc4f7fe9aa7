using Akka.Configuration;
using Homer.Actors.Dialogs;
using Homer.Storage;
using Npgsql;

namespace Homer.Actors.Hosting;

public sealed record DialogOptions
{
    public int ShardCount { get; init; } = DialogMessageExtractor.DefaultShardCount;
    public DialogSettings Settings { get; init; } = DialogSettings.Default;
    public LedgerSettings Ledger { get; init; } = LedgerSettings.Default;
    public DialogRowWriterSettings Rows { get; init; } = new();
    /// <summary>Write the dialogs table (needs an <see cref="NpgsqlDataSource"/> in the services).</summary>
    public bool WriteRows { get; init; } = true;
    /// <summary>Publish <see cref="CallEvents"/> on DistributedPubSub.</summary>
    public bool PublishEvents { get; init; } = true;
    /// <summary>How the node's call events are gathered into publications (cluster-config: homer.dialog.events).</summary>
    public CallEventSettings Events { get; init; } = CallEventSettings.Default;
    /// <summary>
    /// How long a starting dialog waits (stashing its messages) for its shard's ledger before it goes on with an empty
    /// state. After a node failure the ledgers of every moved shard recover from the journal at once while the split
    /// brain resolver settles; 10 s proved too short for that on a 2-core node, and going on empty loses the call's
    /// earlier state, while waiting longer only delays it.
    /// </summary>
    public TimeSpan RestoreTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The catch-up from the message store after a dialog node crashed (cluster-config: homer.dialog.recovery).</summary>
    public CatchUpSettings CatchUp { get; init; } = CatchUpSettings.Default;
    /// <summary>Read the message store after a crash (needs an <see cref="NpgsqlDataSource"/> in the services).</summary>
    public bool CatchUpFromStore { get; init; } = true;
    /// <summary>Where the catch-up reads; null: the message store of the node's <see cref="NpgsqlDataSource"/>.</summary>
    public IDialogHistory? History { get; init; }

    /// <summary>
    /// The dialog feature's settings from <c>homer.dialog</c> of cluster-config (the defaults live in
    /// cluster-config/akka.conf; a key that is not set keeps the code's default). <paramref name="settings"/> are the
    /// node's own (appsettings, environment), whose checkpoint delay the HOCON key overrides.
    /// </summary>
    public static DialogOptions FromConfig(Config config, DialogSettings settings)
    {
        var catchUp = CatchUpSettings.Default;
        var rows = new DialogRowWriterSettings();
        return new DialogOptions
        {
            Settings = settings with
            {
                CheckpointDelay = config.GetTimeSpan("homer.dialog.checkpoint-delay", settings.CheckpointDelay, allowInfinite: false),
            },
            Ledger = LedgerSettings.Default with
            {
                FlushDelay = config.GetTimeSpan("homer.dialog.ledger-flush-delay", LedgerSettings.Default.FlushDelay, allowInfinite: false),
            },
            ShardCount = DialogMessageExtractor.ShardCountFrom(config),
            Events = new CallEventSettings(
                config.GetTimeSpan("homer.dialog.events.window", CallEventSettings.Default.Window, allowInfinite: false),
                Math.Max(1, config.GetInt("homer.dialog.events.max-events", CallEventSettings.Default.MaxEvents)),
                Math.Max(1, config.GetInt("homer.dialog.events.max-waiting", CallEventSettings.Default.MaxWaiting))),
            CatchUp = new CatchUpSettings
            {
                Margin = config.GetTimeSpan("homer.dialog.recovery.margin", catchUp.Margin, allowInfinite: false),
                MaxWindow = config.GetTimeSpan("homer.dialog.recovery.max-window", catchUp.MaxWindow, allowInfinite: false),
                SecondPass = config.GetTimeSpan("homer.dialog.recovery.second-pass", catchUp.SecondPass, allowInfinite: false),
                DetectionAllowance = config.GetTimeSpan("homer.dialog.recovery.detection-allowance", catchUp.DetectionAllowance, allowInfinite: false),
                MaxDialogIds = config.GetInt("homer.dialog.recovery.max-dialog-ids", catchUp.MaxDialogIds),
                MaxMessagesPerDialog = config.GetInt("homer.dialog.recovery.max-messages-per-dialog", catchUp.MaxMessagesPerDialog),
                ReadConcurrency = config.GetInt("homer.dialog.recovery.read-concurrency", catchUp.ReadConcurrency),
                ReadYieldMax = config.GetTimeSpan("homer.dialog.recovery.read-yield-max", catchUp.ReadYieldMax, allowInfinite: false),
                AfterOpen = config.GetTimeSpan("homer.dialog.recovery.after-open", catchUp.AfterOpen, allowInfinite: false),
                ReadAttempts = config.GetInt("homer.dialog.recovery.read-attempts", catchUp.ReadAttempts),
                ReadRetryDelay = config.GetTimeSpan("homer.dialog.recovery.read-retry-delay", catchUp.ReadRetryDelay, allowInfinite: false),
                DialogsPerRead = config.GetInt("homer.dialog.recovery.dialogs-per-read", catchUp.DialogsPerRead),
                MaxPendingLive = config.GetInt("homer.dialog.recovery.max-pending-live", catchUp.MaxPendingLive),
            },
            Rows = rows with
            {
                MaxPendingRows = config.GetInt("homer.dialog.rows.max-pending-rows", rows.MaxPendingRows),
                MaxPendingBytes = config.GetByteSize("homer.dialog.rows.max-pending-bytes") ?? rows.MaxPendingBytes,
            },
        };
    }
}
