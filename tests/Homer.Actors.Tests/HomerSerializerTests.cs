using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Actors.Serialization;

namespace Homer.Actors.Tests;

public sealed class HomerSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-spec", ConfigurationFactory.ParseString("""
        akka.actor {
          serializers.homer = "Homer.Actors.Serialization.HomerSerializer, Homer.Actors"
          serialization-bindings { "Homer.Actors.Contracts.IHomerSerializable, Homer.Actors.Contracts" = homer }
        }
        """));

    private static readonly QosReport Qos = new("rtcp-xr", 1_764_000_000_000_001, 4.2, null, 0.5, 12.25, "10.0.0.1");
    private static readonly LogEntry Log = new(1_764_000_000_000_002, "ünïcode log line");

    /// <summary>A state with every field set, from a real flow plus QoS, a log, a leg and a pending challenge flag.</summary>
    private static DialogState RichState()
    {
        var s = SipFixture.Run(SipFixture.Commands("success.sip"));
        s = s.ApplyAll(s.Process(new DialogCommands.AttachQos(s.CallId, Qos), DialogSettings.Default));
        s = s.ApplyAll(s.Process(new DialogCommands.AttachLog(s.CallId, Log), DialogSettings.Default));
        s = s.ApplyAll(s.Process(new DialogCommands.LinkLeg(s.CallId, "other-leg")));
        s = s.Remember(new AppliedMessage(s.LastSeenMicros, MessageKeys.Of(new DialogCommands.AttachLog(s.CallId, Log))), DialogSettings.Default.AppliedKeyWindow)
            .Remember(new AppliedMessage(s.LastSeenMicros - 1, -42), DialogSettings.Default.AppliedKeyWindow);
        return s with { ChallengePending = true, ExpiresMicros = 5, RequestedExpires = 60, AlarmsSeen = 3 };
    }

    /// <summary>One sample of every serializable type; the completeness test fails when a new type is not listed.</summary>
    private static IHomerSerializable[] Samples()
    {
        var sip = SipFixture.Commands("success.sip");
        var state = RichState();
        return
        [
            sip[0],
            sip[4] with { CorrelationId = "x-cid", ReasonProtocol = "Q.850", ReasonCause = 16, ReasonText = "Normal", HasCredentials = true, ContactStar = true },
            new DialogCommands.RecordSipMessage { CallId = "c2", TimestampMicros = 1 },
            DialogCommands.StopDialog.Instance,
            new DialogCommands.AttachQos("c", Qos),
            new DialogCommands.AttachLog("c", Log),
            new DialogCommands.LinkLeg("a", "b"),
            new DialogCommands.ShardBatch("42", [sip[0], sip[4], new DialogCommands.AttachQos("c", Qos), new DialogCommands.AttachLog("c", Log),
                new DialogCommands.LinkLeg("a", "b")]),
            Qos,
            Log,
            new DialogQueries.GetDialog("ünïcode-call-id"),
            state.ToSnapshot(),
            new DialogQueries.DialogSnapshot("c", 7, 100, 200),
            new CallEvents.DialogStarted("c", 1, DialogKinds.Call, "a", null, "b"),
            new CallEvents.DialogStateChanged("c", 2, DialogKinds.Call, DialogStatus.Failed, 486, "Busy Here"),
            new CallEvents.QosAttached("c", 3, Qos),
            new CallEvents.LegLinked("c", 4, "d", "c"),
            new CallEvents.DialogEnded("c", 5, DialogKinds.Call, DialogStatus.Completed, 200, 12_000, true),
            new CallEvents.AlarmObserved("c", 6, AlarmKinds.BadMos, "MOS 2.1"),
            new CallEvents.DialogStarted("c", 1, DialogKinds.Registration, null, null, null)
                { Method = "REGISTER", UserAgent = "ua", ClientIp = "192.0.2.1", Server = "192.0.2.2:5060", Node = "n" },
            new CallEvents.DialogEnded("c", 5, DialogKinds.Call, DialogStatus.Failed, 407, null, false)
                { Method = "INVITE", UserAgent = "ua", ClientIp = "192.0.2.1", Server = "192.0.2.2:5060", Node = "n", EndedOnChallenge = true, MessageCount = 3, Retransmissions = 1 },
            new CallEvents.RequestRejected("c", 7, DialogKinds.Registration, "REGISTER", 401, "192.0.2.1", null, "n"),
            new AlarmNotices.AlarmChanged(AlarmChangeKind.Raised, 1, 2, "SCANNER", AlarmSeverity.Warning, AlarmState.Active, "192.0.2.1", "ip:192.0.2.1", "m", 3, 4, 5,
                ["a", "b"], null, null),
            new AlarmNotices.AlarmChanged(AlarmChangeKind.Resolved, 1, 2, "SCANNER", AlarmSeverity.Warning, AlarmState.Resolved, "k", "s", "m", 3, 4, 5, [], "admin", 9),
            new AlarmNotices.RulesChanged(4),
            new LedgerCommands.Checkpoint("17", state),
            new LedgerCommands.Retire("17", "c"),
            new LedgerCommands.Retire("17", "c", 42),
            new LedgerCommands.Restore("17", "c"),
            new LedgerCommands.Restored("c", state),
            new LedgerCommands.Restored("c", null),
            new LedgerCommands.Restored("c", state, 1_764_000_000_000_000),
            new LedgerCommands.Wake("17"),
            new LedgerCommands.Wake("17", 1_764_000_000_000_000, 1_764_000_000_000_001),
            new LedgerCommands.WakeDialog("c"),
            new LedgerCommands.WakeDialog("c", 1_764_000_000_000_000),
            new LedgerEvents.Checkpointed(state, 1_764_000_000_000_003),
            new LedgerEvents.Retired("c", 1_764_000_000_000_004),
            new LedgerEvents.Batch([state, DialogState.Empty("other")], ["c", "d"], 1_764_000_000_000_007),
            new LedgerEvents.Batch([], ["c"], 8),
            new LedgerEvents.LedgerSnapshot([state, DialogState.Empty("empty")]),
            new LedgerEvents.LedgerSnapshot([state], Closed: true, AtMicros: 7),
            new LedgerEvents.Opened(1_764_000_000_000_005),
            new LedgerEvents.Closed(1_764_000_000_000_006),
            new MediaIndexCommands.Announce(3, "c", ["10.0.0.1:4000", "10.0.0.1:4001"]),
            new MediaIndexCommands.Withdraw(3, "c", ["10.0.0.1:4000"]),
            new MediaIndexCommands.ResolveQos(3, "10.0.0.1:4001", "10.0.0.2:5001", Qos),
            NodeAdmin.GetNodeStatus.Instance,
            NodeAdmin.GetNodeConfig.Instance,
            new NodeAdmin.Count("received", 42),
            new NodeAdmin.NodeStatus("akka.tcp://homer@10.0.0.5:4053", "node-1", ["api", "ingest"], true,
                [new NodeAdmin.Count("received", 1000), new NodeAdmin.Count("stored", 990)], [new NodeAdmin.Count("BufferFull", 10)],
                120.5, 119.0, 0.5, 10, 4096, 2, 3600),
            new NodeAdmin.ConfigEntry("HOMER_DB", "Host=db;Password=********", "settings"),
            new NodeAdmin.NodeConfig("akka.tcp://homer@10.0.0.5:4053", "node-1",
                [new NodeAdmin.ConfigEntry("HOMER_ROLES", "ingest,api", "settings"), new NodeAdmin.ConfigEntry("akka.cluster.min-nr-of-members", "1", "cluster-config")]),
        ];
    }

    [Fact]
    public void Every_serializable_type_has_a_sample()
    {
        var types = new[] { typeof(IHomerSerializable).Assembly, typeof(DialogHost).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IHomerSerializable).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToHashSet();
        Assert.Equal(types.OrderBy(t => t.FullName), Samples().Select(s => s.GetType()).Distinct().OrderBy(t => t.FullName));
    }

    [Fact]
    public void Every_sample_goes_through_our_serializer_and_round_trips()
    {
        var serialization = _system.Serialization;
        foreach (var sample in Samples())
        {
            var serializer = serialization.FindSerializerFor(sample);
            Assert.IsType<HomerSerializer>(serializer);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
            var bytes = serializer.ToBinary(sample);
            var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.IsType(sample.GetType(), back);
            // Records holding lists compare lists by reference, so equality of the re-serialized bytes is the check;
            // flat records must also be equal as values.
            Assert.Equal(bytes, serializer.ToBinary(back));
            if (sample is NodeAdmin.Count or NodeAdmin.ConfigEntry or NodeAdmin.GetNodeStatus or NodeAdmin.GetNodeConfig or QosReport or LogEntry or CallEvents.ICallEvent or DialogCommands.LinkLeg or DialogQueries.GetDialog or LedgerCommands.Retire
                or LedgerCommands.Wake or LedgerCommands.WakeDialog or LedgerEvents.Retired or LedgerEvents.Opened or LedgerEvents.Closed)
                Assert.Equal(sample, back);
            Assert.True(manifest.Length <= 2, $"manifest '{manifest}' of {sample.GetType().Name} should stay short");
        }
    }

    [Fact]
    public void A_dialog_state_survives_the_journal_field_for_field()
    {
        var state = RichState();
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new LedgerEvents.Checkpointed(state));
        var back = (LedgerEvents.Checkpointed)serializer.FromBinary(serializer.ToBinary(new LedgerEvents.Checkpointed(state, 9)), "Ld");
        Assert.Equal(9, back.AtMicros);
        Assert.Equal(state.Applied, back.State.Applied);
        Assert.Equal(state.AppliedThroughMicros, back.State.AppliedThroughMicros);
        Assert.Equal(state.ToSnapshot() with { Transactions = [], Legs = [], QosReports = [], Logs = [] },
            back.State.ToSnapshot() with { Transactions = [], Legs = [], QosReports = [], Logs = [] });
        Assert.Equal(state.Transactions, back.State.Transactions, (a, b) => a with { SeenResponses = [] } == b with { SeenResponses = [] } && a.SeenResponses.SequenceEqual(b.SeenResponses));
        Assert.Equal(state.MediaEndpoints, back.State.MediaEndpoints);
        Assert.Equal(state.Legs, back.State.Legs);
        Assert.Equal(state.QosReports, back.State.QosReports);
        Assert.Equal(state.Logs, back.State.Logs);
        Assert.Equal((state.MosMin, state.MosSum, state.MosCount, state.AlarmsSeen, state.CallerTag, state.ChallengePending),
            (back.State.MosMin, back.State.MosSum, back.State.MosCount, back.State.AlarmsSeen, back.State.CallerTag, back.State.ChallengePending));
    }

    [Fact]
    public void Ledger_events_written_before_applied_keys_existed_still_read()
    {
        // The old layouts are the new ones without the state's tail (watermark, empty key list) and the wall-clock time.
        var state = RichState() with { Applied = [], AppliedThroughMicros = 0 };
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new LedgerEvents.Checkpointed(state));
        const int tail = 8 + 1; // watermark + the 7-bit count of an empty list
        var v2 = serializer.ToBinary(new LedgerEvents.Checkpointed(state, 0));
        var checkpointed = (LedgerEvents.Checkpointed)serializer.FromBinary(v2[..^(tail + 8)], "Lc");
        Assert.Equal(state.ToSnapshot().MessageCount, checkpointed.State.MessageCount);
        Assert.Equal(state.Revision, checkpointed.State.Revision);
        Assert.Empty(checkpointed.State.Applied);

        var snapshot = serializer.ToBinary(new LedgerEvents.LedgerSnapshot([state], false, 0));
        // One state in the list: drop its tail and the snapshot's closed flag and time.
        var old = (LedgerEvents.LedgerSnapshot)serializer.FromBinary(snapshot[..^(tail + 1 + 8)], "Ls");
        Assert.Equal(state.CallId, Assert.Single(old.Dialogs).CallId);
        Assert.False(old.Closed);
        Assert.Equal(0, old.AtMicros);

        var retired = (LedgerEvents.Retired)serializer.FromBinary(serializer.ToBinary(new LedgerEvents.Retired("c", 5))[..^8], "Lr");
        Assert.Equal(new LedgerEvents.Retired("c", 0), retired);

        // A retirement from a node without revisions removes whatever the ledger holds, as it did there.
        var retire = (LedgerCommands.Retire)serializer.FromBinary(serializer.ToBinary(new LedgerCommands.Retire("17", "c", 3))[..^8], "LR");
        Assert.Equal(new LedgerCommands.Retire("17", "c", long.MaxValue), retire);
    }

    /// <summary>
    /// The bytes of every sample as the journal of deployed nodes holds them (Fixtures/wire/samples.txt, one
    /// "index manifest hex" line each): a refactor of the serializer or of the types it writes (strings that became
    /// enums) must write the same bytes and read the recorded ones back. Regenerate only for a deliberate new layout
    /// (a new manifest), with HOMER_UPDATE_WIRE=1, and keep reading the old one.
    /// </summary>
    [Fact]
    public void Every_sample_is_written_and_read_with_the_bytes_deployed_journals_hold()
    {
        var serialization = _system.Serialization;
        var lines = Samples().Select((sample, i) =>
        {
            var serializer = (SerializerWithStringManifest)serialization.FindSerializerFor(sample);
            return $"{i} {serializer.Manifest(sample)} {Convert.ToHexString(serializer.ToBinary(sample))}";
        }).ToArray();
        var path = Path.Combine(SourceDirectory(), "Fixtures", "wire", "samples.txt");
        if (Environment.GetEnvironmentVariable("HOMER_UPDATE_WIRE") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllLines(path, lines);
        }
        var recorded = File.ReadAllLines(path);
        Assert.Equal(recorded, lines);
        var homer = (SerializerWithStringManifest)serialization.FindSerializerFor(DialogCommands.StopDialog.Instance);
        foreach (var line in recorded)
        {
            var parts = line.Split(' ');
            var bytes = Convert.FromHexString(parts[2]);
            Assert.Equal(bytes, homer.ToBinary(homer.FromBinary(bytes, parts[1])));
        }
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [Fact]
    public void An_unknown_manifest_is_a_clear_error()
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(DialogCommands.StopDialog.Instance);
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "??"));
        Assert.Contains("??", e.Message);
    }

    public void Dispose() => _system.Dispose();
}
