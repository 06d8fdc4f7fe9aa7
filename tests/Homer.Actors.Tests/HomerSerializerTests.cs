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
            // Appended: samples.txt and superseded.txt refer to the samples above by index.
            new CallEvents.Batch(BatchedEvents),
            new CallEvents.Batch([]),
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

    /// <summary>One of every call event, as a dialog node publishes them a window at a time.</summary>
    private static readonly CallEvents.ICallEvent[] BatchedEvents =
    [
        new CallEvents.DialogStarted("c", 1, DialogKinds.Call, "a", null, "b") { Method = "INVITE", Node = "n" },
        new CallEvents.DialogStateChanged("c", 2, DialogKinds.Call, DialogStatus.Failed, 486, "Busy Here"),
        new CallEvents.QosAttached("c", 3, Qos),
        new CallEvents.LegLinked("c", 4, "d", "c"),
        new CallEvents.DialogEnded("c", 5, DialogKinds.Call, DialogStatus.Completed, 200, 12_000, true) { MessageCount = 7 },
        new CallEvents.AlarmObserved("c", 6, AlarmKinds.BadMos, "MOS 2.1"),
        new CallEvents.RequestRejected("r", 7, DialogKinds.Registration, "REGISTER", 401, "192.0.2.1", null, "n"),
    ];

    [Fact]
    public void A_batch_of_call_events_comes_back_event_for_event_in_its_order()
    {
        var batch = new CallEvents.Batch(BatchedEvents);
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(batch);
        var back = (CallEvents.Batch)serializer.FromBinary(serializer.ToBinary(batch), serializer.Manifest(batch));
        Assert.Equal(BatchedEvents, back.Events);
    }

    [Fact]
    public void A_dialog_state_survives_the_journal_field_for_field()
    {
        var state = RichState();
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new LedgerEvents.Checkpointed(state));
        var back = (LedgerEvents.Checkpointed)serializer.FromBinary(serializer.ToBinary(new LedgerEvents.Checkpointed(state, 9)), "Lk");
        Assert.Equal(9, back.AtMicros);
        Assert.Equal(state.Applied, back.State.Applied);
        Assert.Equal(state.AppliedThroughMicros, back.State.AppliedThroughMicros);
        Assert.Equal(state.ToSnapshot() with { Transactions = [], Legs = [], QosReports = [], Logs = [] },
            back.State.ToSnapshot() with { Transactions = [], Legs = [], QosReports = [], Logs = [] });
        Assert.Equal(state.Transactions, back.State.Transactions, (a, b) => a with { SeenResponses = [] } == b with { SeenResponses = [] } && a.SeenResponses.SequenceEqual(b.SeenResponses));
        // The 100 without a To tag stays without one; the 180 and the 200 share their tag again after the journal.
        var invite = back.State.Transactions.Single(t => t.Method == "INVITE");
        Assert.Equal(new SeenResponse(100, null), invite.SeenResponses[0]);
        Assert.Same(invite.SeenResponses[1].ToTag, invite.SeenResponses[2].ToTag);
        Assert.Equal(state.MediaEndpoints, back.State.MediaEndpoints);
        Assert.Equal(state.Legs, back.State.Legs);
        Assert.Equal(state.QosReports, back.State.QosReports);
        Assert.Equal(state.Logs, back.State.Logs);
        Assert.Equal((state.MosMin, state.MosSum, state.MosCount, state.AlarmsSeen, state.CallerTag, state.ChallengePending),
            (back.State.MosMin, back.State.MosSum, back.State.MosCount, back.State.AlarmsSeen, back.State.CallerTag, back.State.ChallengePending));
    }

    /// <summary>
    /// Every property of the state comes back from the ledger, compared by reflection: a field added to
    /// <see cref="DialogState"/> but not to <c>DialogStateWire</c> fails here. The state sets every property, so a new one
    /// must be given a value in <see cref="EveryFieldSet"/> first.
    /// </summary>
    [Fact]
    public void Every_property_of_a_dialog_state_survives_the_ledger()
    {
        var state = EveryFieldSet();
        var empty = DialogState.Empty("x");
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new LedgerEvents.Checkpointed(state));
        var back = ((LedgerEvents.Checkpointed)serializer.FromBinary(serializer.ToBinary(new LedgerEvents.Checkpointed(state, 9)), "Lk")).State;
        foreach (var property in typeof(DialogState).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            var value = property.GetValue(state);
            Assert.False(DeepEqual(value, property.GetValue(empty)), $"{nameof(EveryFieldSet)} should give {property.Name} a value that is not its default");
            Assert.True(DeepEqual(value, property.GetValue(back)), $"{property.Name} did not survive the ledger");
        }
    }

    /// <summary>The same for the snapshot a query answers, as it is shown (<c>ToSnapshot</c>) and as it crosses the wire.</summary>
    [Fact]
    public void Every_property_of_a_dialog_snapshot_survives_the_wire()
    {
        var snapshot = EveryFieldSet().ToSnapshot();
        var empty = new DialogQueries.DialogSnapshot("x", 0, 0, 0);
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(snapshot);
        var back = serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot));
        foreach (var property in typeof(DialogQueries.DialogSnapshot).GetProperties())
        {
            var value = property.GetValue(snapshot);
            Assert.False(DeepEqual(value, property.GetValue(empty)), $"{nameof(EveryFieldSet)} should give the snapshot's {property.Name} a value that is not its default");
            Assert.True(DeepEqual(value, property.GetValue(back)), $"the snapshot's {property.Name} did not survive the wire");
        }
    }

    /// <summary><see cref="RichState"/> with the properties a successful call leaves at their defaults set too.</summary>
    private static DialogState EveryFieldSet() => RichState() with
    {
        State = DialogStatus.Cancelled,
        FinalReason = "Bye",
        Q850Cause = 16,
        HangupBy = "callee",
        EndedByTimeout = true,
        CancelPending = true,
        CallerIp = "192.0.2.1",
        CalleeIp = "192.0.2.2",
        UserAgent = "ua",
        Node = "node-1",
        CorrelationGroup = "group",
        MediaEndpoints = ["192.0.2.1:4000"],
    };

    /// <summary>Values equal, lists element by element, records of ours property by property (their lists compare by reference).</summary>
    private static bool DeepEqual(object? a, object? b)
    {
        if (Equals(a, b))
            return true;
        if (a is null || b is null || a.GetType() != b.GetType())
            return a is System.Collections.IEnumerable x && b is System.Collections.IEnumerable y && a is not string && x.Cast<object?>().SequenceEqual(y.Cast<object?>(), DeepComparer.Instance);
        if (a is System.Collections.IEnumerable xs and not string)
            return xs.Cast<object?>().SequenceEqual(((System.Collections.IEnumerable)b).Cast<object?>(), DeepComparer.Instance);
        return a.GetType().Assembly == typeof(DialogState).Assembly
            && a.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0).All(p => DeepEqual(p.GetValue(a), p.GetValue(b)));
    }

    private sealed class DeepComparer : IEqualityComparer<object?>
    {
        public static readonly DeepComparer Instance = new();
        public new bool Equals(object? x, object? y) => DeepEqual(x, y);
        public int GetHashCode(object? obj) => 0;
    }

    [Fact]
    public void A_state_from_a_newer_node_is_read_and_its_unknown_fields_skipped()
    {
        // A newer writer appends fields inside the state's frame and inside each transaction's; this reader reads
        // what it knows, skips the rest and goes on with what follows the frame (the checkpoint's time).
        var state = RichState();
        var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.WriteFramed(state, static (x, s) =>
            {
                DialogStateWire.WriteFields(x, s);
                x.Write("a field from the future");
                x.Write(42L);
            });
            w.Write(1_764_000_000_000_009L);
        }
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new LedgerEvents.Checkpointed(state));
        var back = (LedgerEvents.Checkpointed)serializer.FromBinary(stream.ToArray(), "Lk");
        Assert.Equal(1_764_000_000_000_009L, back.AtMicros);
        Assert.Equal(serializer.ToBinary(new LedgerEvents.Checkpointed(state, 9)), serializer.ToBinary(back with { AtMicros = 9 }));
    }

    /// <summary>
    /// Layouts that were replaced, as deployed journals hold them (Fixtures/wire/superseded.txt: "index manifest hex",
    /// the index of the sample in <see cref="Samples"/> they were written from; the update of samples.txt moves replaced
    /// lines there). Each still reads, to its sample as far as it carries it: every property the sample's, or the default
    /// a field gets when the record is older than the field.
    /// </summary>
    [Fact]
    public void Superseded_layouts_still_read_to_their_samples()
    {
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(DialogCommands.StopDialog.Instance);
        var samples = Samples();
        var lines = File.ReadAllLines(SupersededPath);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            var sample = samples[int.Parse(parts[0])];
            var back = serializer.FromBinary(Convert.FromHexString(parts[2]), parts[1]);
            Assert.True(ReadsAs(back, sample), $"line {parts[0]} ({parts[1]}) does not read as its sample");
        }
    }

    private static readonly DialogState EmptyState = DialogState.Empty("");

    /// <summary><paramref name="old"/> is <paramref name="sample"/> but for fields that have their default in it.</summary>
    private static bool ReadsAs(object? old, object? sample, object? defaultValue = null)
    {
        if (DeepEqual(old, sample) || DeepEqual(old, defaultValue))
            return true;
        if (old is System.Collections.IEnumerable xs and not string && sample is System.Collections.IEnumerable ys)
        {
            // Lists of any type (an array read, a collection expression written).
            var (a, b) = (xs.Cast<object?>().ToArray(), ys.Cast<object?>().ToArray());
            return a.Length == b.Length && Enumerable.Range(0, a.Length).All(i => ReadsAs(a[i], b[i]));
        }
        if (old is null || sample is null || old.GetType() != sample.GetType())
            return old is null || (old is System.Collections.IEnumerable e && !e.Cast<object>().Any());
        var type = old.GetType();
        if (type.Assembly != typeof(DialogState).Assembly && type.Assembly != typeof(IHomerSerializable).Assembly)
            return type.IsValueType && Equals(old, Activator.CreateInstance(type));
        return type.GetProperties().Where(p => p.GetIndexParameters().Length == 0)
            .All(p => ReadsAs(p.GetValue(old), p.GetValue(sample), old is DialogState ? p.GetValue(EmptyState) : null));
    }

    [Fact]
    public void Ledger_events_written_before_applied_keys_existed_still_read()
    {
        // The V1 layouts are the V2 ones (superseded.txt) without the state's tail (the watermark and the applied keys)
        // and the wall-clock time.
        var superseded = File.ReadAllLines(SupersededPath).Select(l => l.Split(' ')).Where(p => p[1] is "Ld" or "Lt")
            .ToDictionary(p => int.Parse(p[0]), p => Convert.FromHexString(p[2]));
        var samples = Samples();
        var state = RichState();
        var tail = 8 + 1 + 16 * state.Applied.Count; // watermark, the 7-bit count of the list, its keys
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(new LedgerEvents.Checkpointed(state));

        var checkpointedAt = Array.FindIndex(samples, s => s is LedgerEvents.Checkpointed);
        var checkpointed = (LedgerEvents.Checkpointed)serializer.FromBinary(superseded[checkpointedAt][..^(tail + 8)], "Lc");
        Assert.Equal(state.MessageCount, checkpointed.State.MessageCount);
        Assert.Equal(state.Revision, checkpointed.State.Revision);
        Assert.Empty(checkpointed.State.Applied);
        Assert.Equal(0, checkpointed.State.AppliedThroughMicros);

        // One state in the list: drop its tail and the snapshot's closed flag and time.
        var snapshotAt = Array.FindIndex(samples, s => s is LedgerEvents.LedgerSnapshot { Dialogs.Count: 1 });
        var old = (LedgerEvents.LedgerSnapshot)serializer.FromBinary(superseded[snapshotAt][..^(tail + 1 + 8)], "Ls");
        Assert.Equal(state.CallId, Assert.Single(old.Dialogs).CallId);
        Assert.Equal(state.Logs, old.Dialogs[0].Logs);
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
    /// (a field appended to a framed layout, or a new manifest), with HOMER_UPDATE_WIRE=1: the replaced lines move to
    /// superseded.txt, which must still read.
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
            // What deployed journals hold stays readable: the lines a new layout replaces move to superseded.txt.
            File.AppendAllLines(SupersededPath, File.ReadAllLines(path).Except(lines));
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

    private static string SupersededPath => Path.Combine(SourceDirectory(), "Fixtures", "wire", "superseded.txt");

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
