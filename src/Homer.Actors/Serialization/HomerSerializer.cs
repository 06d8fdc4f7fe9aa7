using System.Text;
using Akka.Actor;
using Akka.Serialization;
using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;

namespace Homer.Actors.Serialization;

/// <summary>
/// Compact binary serializer for every <see cref="IHomerSerializable"/> type: what crosses the wire between nodes
/// and what sits in the journal. Manifests are short and stable; a type's layout only ever grows at the end.
/// </summary>
public sealed class HomerSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4201;

    public override int Identifier => Id;

    public override string Manifest(object o) => ManifestOf(o);

    private static string ManifestOf(object o) => o switch
    {
        DialogCommands.RecordSipMessage => "DR",
        DialogCommands.StopDialog => "DS",
        DialogCommands.AttachQos => "DQ",
        DialogCommands.AttachLog => "DL",
        DialogCommands.LinkLeg => "DK",
        DialogCommands.ShardBatch => "DB",
        QosReport => "QR",
        LogEntry => "LE",
        DialogQueries.GetDialog => "DG",
        DialogQueries.DialogSnapshot => "DN",
        CallEvents.DialogStarted => "E1",
        CallEvents.DialogStateChanged => "E2",
        CallEvents.QosAttached => "E3",
        CallEvents.LegLinked => "E4",
        CallEvents.DialogEnded => "E5",
        CallEvents.AlarmObserved => "E6",
        CallEvents.RequestRejected => "E7",
        AlarmNotices.AlarmChanged => "A1",
        AlarmNotices.RulesChanged => "A2",
        // Manifests of the types that carry a DialogState changed when the state gained its applied keys ("LC", "LA",
        // "Lc", "Ls" before): a state nested in a list cannot grow at the end. The old ones are still read.
        LedgerCommands.Checkpoint => "LD",
        LedgerCommands.Retire => "LR",
        LedgerCommands.Restore => "LQ",
        LedgerCommands.Restored => "LB",
        LedgerCommands.Wake => "LW",
        LedgerCommands.WakeDialog => "DW",
        LedgerEvents.Checkpointed => "Ld",
        LedgerEvents.Retired => "Lr",
        LedgerEvents.Batch => "Lb",
        LedgerEvents.LedgerSnapshot => "Lt",
        LedgerEvents.Opened => "Lo",
        LedgerEvents.Closed => "Lx",
        MediaIndexCommands.Announce => "MA",
        MediaIndexCommands.Withdraw => "MW",
        MediaIndexCommands.ResolveQos => "MR",
        _ when NodeAdminWire.ManifestOf(o) is { } nodeAdmin => nodeAdmin,
        _ => throw new ArgumentException($"{o.GetType()} is not serializable by {nameof(HomerSerializer)}", nameof(o)),
    };

    // A writer per thread, kept between calls: a fresh 128-byte stream doubled its way up to every ledger batch (tens
    // of KB, a copy per doubling), 4 % of the node's allocations at 15 000 messages/s. One that grew past
    // RetainedBytes (a big ledger snapshot) is let go rather than held by the thread.
    [ThreadStatic] private static BinaryWriter? t_writer;
    private const int RetainedBytes = 1 << 20;

    public override byte[] ToBinary(object obj)
    {
        // Taken off the thread while in use, so a serialization nested in another (there is none today) gets its own.
        var w = t_writer ?? new BinaryWriter(new MemoryStream(4096), Encoding.UTF8);
        t_writer = null;
        var stream = (MemoryStream)w.BaseStream;
        stream.SetLength(0);
        try
        {
            Write(w, obj);
            w.Flush();
            return stream.ToArray();
        }
        finally
        {
            if (stream.Capacity <= RetainedBytes)
                t_writer = w;
        }
    }

    private static void Write(BinaryWriter w, object obj)
    {
        switch (obj)
        {
            case DialogCommands.RecordSipMessage m:
                WriteSip(w, m);
                break;
            case DialogCommands.StopDialog:
                break;
            case DialogCommands.AttachQos q:
                w.Write(q.CallId);
                WriteQos(w, q.Report);
                break;
            case DialogCommands.AttachLog l:
                w.Write(l.CallId);
                WriteLog(w, l.Entry);
                break;
            case DialogCommands.LinkLeg l:
                w.Write(l.CallId);
                w.Write(l.LegCallId);
                break;
            case DialogCommands.ShardBatch b:
                // Each command with its own manifest; only dialog commands, whose layouts need no end-of-stream checks.
                w.Write(b.ShardId);
                w.Write(b.Commands.Count);
                foreach (var command in b.Commands)
                {
                    w.Write(BatchedManifest(command));
                    Write(w, command);
                }
                break;
            case QosReport q:
                WriteQos(w, q);
                break;
            case LogEntry l:
                WriteLog(w, l);
                break;
            case DialogQueries.GetDialog q:
                w.Write(q.CallId);
                break;
            case DialogQueries.DialogSnapshot s:
                WriteSnapshot(w, s);
                break;
            case CallEvents.DialogStarted e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Kind); Opt(w, e.FromUser); Opt(w, e.ToUser); Opt(w, e.RuriUser);
                Opt(w, e.Method); Opt(w, e.UserAgent); Opt(w, e.ClientIp); Opt(w, e.Server); Opt(w, e.Node);
                break;
            case AlarmNotices.AlarmChanged a:
                w.Write(a.Change); w.Write(a.Id); w.Write(a.RuleId); w.Write(a.RuleType); w.Write(a.Severity); w.Write(a.State);
                w.Write(a.Key); w.Write(a.Scope); w.Write(a.Message); w.Write(a.Count); w.Write(a.FirstSeenMicros); w.Write(a.LastSeenMicros);
                WriteList(w, a.ExampleCallIds, (x, v) => x.Write(v)); Opt(w, a.AcknowledgedBy); Opt(w, a.ResolvedAtMicros);
                break;
            case AlarmNotices.RulesChanged c:
                w.Write(c.RuleId);
                break;
            case CallEvents.RequestRejected e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Kind); w.Write(e.Method); w.Write(e.Status); Opt(w, e.ClientIp);
                Opt(w, e.UserAgent); Opt(w, e.Node);
                break;
            case CallEvents.DialogStateChanged e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Kind); w.Write(e.State); Opt(w, e.FinalStatus); Opt(w, e.FinalReason);
                break;
            case CallEvents.QosAttached e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); WriteQos(w, e.Report);
                break;
            case CallEvents.LegLinked e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.LegCallId); w.Write(e.CorrelationGroup);
                break;
            case CallEvents.DialogEnded e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Kind); w.Write(e.State); Opt(w, e.FinalStatus); Opt(w, e.DurationMs);
                w.Write(e.EndedByTimeout);
                Opt(w, e.Method); Opt(w, e.UserAgent); Opt(w, e.ClientIp); Opt(w, e.Server); Opt(w, e.Node);
                w.Write(e.Answered); w.Write(e.EndedOnChallenge); w.Write(e.MessageCount); w.Write(e.Retransmissions);
                break;
            case CallEvents.AlarmObserved e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Alarm); w.Write(e.Detail);
                break;
            case LedgerCommands.Checkpoint c:
                w.Write(c.ShardId); WriteState(w, c.State); w.Write(c.Final);
                break;
            case LedgerCommands.Retire r:
                w.Write(r.ShardId); w.Write(r.CallId); w.Write(r.Revision);
                break;
            case LedgerCommands.Restore r:
                w.Write(r.ShardId); w.Write(r.CallId);
                break;
            case LedgerCommands.Restored r:
                w.Write(r.CallId);
                w.Write(r.State is not null);
                if (r.State is not null)
                    WriteState(w, r.State);
                Opt(w, r.CatchUpFromMicros);
                break;
            case LedgerCommands.Wake k:
                w.Write(k.ShardId);
                Opt(w, k.CatchUpFromMicros);
                Opt(w, k.OpenedSinceMicros);
                break;
            case LedgerCommands.WakeDialog k:
                w.Write(k.CallId);
                Opt(w, k.CatchUpFromMicros);
                break;
            case LedgerEvents.Checkpointed c:
                WriteState(w, c.State);
                w.Write(c.AtMicros);
                break;
            case LedgerEvents.Retired r:
                w.Write(r.CallId);
                w.Write(r.AtMicros);
                break;
            case LedgerEvents.Batch b:
                WriteList(w, b.Checkpointed, WriteState);
                WriteList(w, b.Retired, (x, v) => x.Write(v));
                w.Write(b.AtMicros);
                break;
            case LedgerEvents.LedgerSnapshot s:
                WriteList(w, s.Dialogs, WriteState);
                w.Write(s.Closed);
                w.Write(s.AtMicros);
                break;
            case LedgerEvents.Opened o:
                w.Write(o.AtMicros);
                break;
            case LedgerEvents.Closed c:
                w.Write(c.AtMicros);
                break;
            case MediaIndexCommands.Announce a:
                w.Write(a.Bucket); w.Write(a.CallId); WriteList(w, a.Endpoints, (x, v) => x.Write(v));
                break;
            case MediaIndexCommands.Withdraw a:
                w.Write(a.Bucket); w.Write(a.CallId); WriteList(w, a.Endpoints, (x, v) => x.Write(v));
                break;
            case MediaIndexCommands.ResolveQos r:
                w.Write(r.Bucket); w.Write(r.Endpoint); Opt(w, r.Alternative); WriteQos(w, r.Report);
                break;
            default:
                if (NodeAdminWire.TryWrite(w, obj))
                    break;
                throw new ArgumentException($"{obj.GetType()} is not serializable by {nameof(HomerSerializer)}", nameof(obj));
        }
    }

    private static string BatchedManifest(IWithCallId command) =>
        command is DialogCommands.RecordSipMessage or DialogCommands.AttachQos or DialogCommands.AttachLog or DialogCommands.LinkLeg
            ? ManifestOf(command)
            : throw new ArgumentException($"{command.GetType()} cannot travel in a {nameof(DialogCommands.ShardBatch)}", nameof(command));

    private static DialogCommands.ShardBatch ReadBatch(BinaryReader r)
    {
        var shardId = r.ReadString();
        var count = r.ReadInt32();
        var commands = new IWithCallId[count];
        for (var i = 0; i < count; i++)
            commands[i] = (IWithCallId)Read(r, r.ReadString());
        return new DialogCommands.ShardBatch(shardId, commands);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return Read(r, manifest);
    }

    private static object Read(BinaryReader r, string manifest)
    {
        return manifest switch
        {
            "DB" => ReadBatch(r),
            "DR" => ReadSip(r),
            "DS" => DialogCommands.StopDialog.Instance,
            "DQ" => new DialogCommands.AttachQos(r.ReadString(), ReadQos(r)),
            "DL" => new DialogCommands.AttachLog(r.ReadString(), ReadLog(r)),
            "DK" => new DialogCommands.LinkLeg(r.ReadString(), r.ReadString()),
            "QR" => ReadQos(r),
            "LE" => ReadLog(r),
            "DG" => new DialogQueries.GetDialog(r.ReadString()),
            "DN" => ReadSnapshot(r),
            "E1" => new CallEvents.DialogStarted(r.ReadString(), r.ReadInt64(), r.ReadString(), OptString(r), OptString(r), OptString(r))
            {
                Method = OptString(r), UserAgent = OptString(r), ClientIp = OptString(r), Server = OptString(r), Node = OptString(r),
            },
            "A1" => new AlarmNotices.AlarmChanged(r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadString(), r.ReadString(),
                r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), ReadList(r, x => x.ReadString()),
                OptString(r), OptLong(r)),
            "A2" => new AlarmNotices.RulesChanged(r.ReadInt64()),
            "E7" => new CallEvents.RequestRejected(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString(), r.ReadInt32(), OptString(r),
                OptString(r), OptString(r)),
            "E2" => new CallEvents.DialogStateChanged(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString(), OptInt(r), OptString(r)),
            "E3" => new CallEvents.QosAttached(r.ReadString(), r.ReadInt64(), ReadQos(r)),
            "E4" => new CallEvents.LegLinked(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString()),
            "E5" => new CallEvents.DialogEnded(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString(), OptInt(r), OptLong(r), r.ReadBoolean())
            {
                Method = OptString(r), UserAgent = OptString(r), ClientIp = OptString(r), Server = OptString(r), Node = OptString(r),
                Answered = r.ReadBoolean(), EndedOnChallenge = r.ReadBoolean(), MessageCount = r.ReadInt64(), Retransmissions = r.ReadInt64(),
            },
            "E6" => new CallEvents.AlarmObserved(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString()),
            "LC" => new LedgerCommands.Checkpoint(r.ReadString(), ReadStateV1(r), r.ReadBoolean()),
            "LD" => new LedgerCommands.Checkpoint(r.ReadString(), ReadState(r), r.ReadBoolean()),
            // The revision was added later: a retirement from an older node has none and removes unconditionally.
            "LR" => new LedgerCommands.Retire(r.ReadString(), r.ReadString(), r.BaseStream.Position < r.BaseStream.Length ? r.ReadInt64() : long.MaxValue),
            "LQ" => new LedgerCommands.Restore(r.ReadString(), r.ReadString()),
            "LA" => new LedgerCommands.Restored(r.ReadString(), r.ReadBoolean() ? ReadStateV1(r) : null),
            "LB" => new LedgerCommands.Restored(r.ReadString(), r.ReadBoolean() ? ReadState(r) : null, OptLong(r)),
            "LW" => new LedgerCommands.Wake(r.ReadString(), OptLong(r), OptLong(r)),
            "DW" => new LedgerCommands.WakeDialog(r.ReadString(), OptLong(r)),
            "Lc" => new LedgerEvents.Checkpointed(ReadStateV1(r)),
            "Ld" => new LedgerEvents.Checkpointed(ReadState(r), r.ReadInt64()),
            // Grew at the end: the wall-clock time.
            "Lr" => new LedgerEvents.Retired(r.ReadString(), r.BaseStream.Position < r.BaseStream.Length ? r.ReadInt64() : 0),
            "Lb" => new LedgerEvents.Batch(ReadList(r, ReadState), ReadList(r, x => x.ReadString()), r.ReadInt64()),
            "Ls" => new LedgerEvents.LedgerSnapshot(ReadList(r, ReadStateV1)),
            "Lt" => new LedgerEvents.LedgerSnapshot(ReadList(r, ReadState), r.ReadBoolean(), r.ReadInt64()),
            "Lo" => new LedgerEvents.Opened(r.ReadInt64()),
            "Lx" => new LedgerEvents.Closed(r.ReadInt64()),
            "MA" => new MediaIndexCommands.Announce(r.ReadInt32(), r.ReadString(), ReadList(r, x => x.ReadString())),
            "MW" => new MediaIndexCommands.Withdraw(r.ReadInt32(), r.ReadString(), ReadList(r, x => x.ReadString())),
            "MR" => new MediaIndexCommands.ResolveQos(r.ReadInt32(), r.ReadString(), OptString(r), ReadQos(r)),
            _ when NodeAdminWire.Owns(manifest) => NodeAdminWire.Read(r, manifest),
            _ => throw new System.Runtime.Serialization.SerializationException($"Unknown manifest '{manifest}' for {nameof(HomerSerializer)}"),
        };
    }

    // ------------------------------------------------------------ SIP message

    private static void WriteSip(BinaryWriter w, DialogCommands.RecordSipMessage m)
    {
        w.Write(m.CallId);
        w.Write(m.TimestampMicros);
        Opt(w, m.Method);
        w.Write(m.StatusCode);
        Opt(w, m.ReasonPhrase);
        w.Write(m.CSeqNumber);
        Opt(w, m.CSeqMethod);
        Opt(w, m.ViaBranch);
        Opt(w, m.FromTag);
        Opt(w, m.ToTag);
        Opt(w, m.FromUser);
        Opt(w, m.ToUser);
        Opt(w, m.RuriUser);
        Opt(w, m.SourceIp);
        w.Write(m.SourcePort);
        Opt(w, m.DestinationIp);
        w.Write(m.DestinationPort);
        w.Write(m.Expires);
        w.Write(m.ContactExpires);
        w.Write(m.ContactStar);
        w.Write(m.HasCredentials);
        Opt(w, m.ReasonProtocol);
        w.Write(m.ReasonCause);
        Opt(w, m.ReasonText);
        Opt(w, m.CorrelationId);
        Opt(w, m.UserAgent);
        WriteList(w, m.MediaEndpoints, (x, v) => x.Write(v));
        Opt(w, m.NodeName);
    }

    private static DialogCommands.RecordSipMessage ReadSip(BinaryReader r) => new()
    {
        CallId = r.ReadString(),
        TimestampMicros = r.ReadInt64(),
        Method = OptString(r),
        StatusCode = r.ReadInt32(),
        ReasonPhrase = OptString(r),
        CSeqNumber = r.ReadInt64(),
        CSeqMethod = OptString(r),
        ViaBranch = OptString(r),
        FromTag = OptString(r),
        ToTag = OptString(r),
        FromUser = OptString(r),
        ToUser = OptString(r),
        RuriUser = OptString(r),
        SourceIp = OptString(r),
        SourcePort = r.ReadInt32(),
        DestinationIp = OptString(r),
        DestinationPort = r.ReadInt32(),
        Expires = r.ReadInt32(),
        ContactExpires = r.ReadInt32(),
        ContactStar = r.ReadBoolean(),
        HasCredentials = r.ReadBoolean(),
        ReasonProtocol = OptString(r),
        ReasonCause = r.ReadInt32(),
        ReasonText = OptString(r),
        CorrelationId = OptString(r),
        UserAgent = OptString(r),
        MediaEndpoints = ReadList(r, x => x.ReadString()),
        NodeName = OptString(r),
    };

    // ------------------------------------------------------------ QoS, logs, views

    private static void WriteQos(BinaryWriter w, QosReport q)
    {
        w.Write(q.Source);
        w.Write(q.TimestampMicros);
        Opt(w, q.MosLq);
        Opt(w, q.MosCq);
        Opt(w, q.PacketLossPct);
        Opt(w, q.JitterMs);
        Opt(w, q.Reporter);
    }

    private static QosReport ReadQos(BinaryReader r) =>
        new(r.ReadString(), r.ReadInt64(), OptDouble(r), OptDouble(r), OptDouble(r), OptDouble(r), OptString(r));

    private static void WriteLog(BinaryWriter w, LogEntry l)
    {
        w.Write(l.TimestampMicros);
        w.Write(l.Text);
    }

    private static LogEntry ReadLog(BinaryReader r) => new(r.ReadInt64(), r.ReadString());

    private static void WriteSnapshot(BinaryWriter w, DialogQueries.DialogSnapshot s)
    {
        w.Write(s.CallId);
        w.Write(s.MessageCount);
        w.Write(s.FirstSeenMicros);
        w.Write(s.LastSeenMicros);
        w.Write(s.Kind);
        w.Write(s.State);
        w.Write(s.StartedMicros);
        Opt(w, s.AnsweredMicros);
        Opt(w, s.EndedMicros);
        Opt(w, s.PddMs);
        Opt(w, s.SetupMs);
        Opt(w, s.DurationMs);
        Opt(w, s.FinalStatus);
        Opt(w, s.FinalReason);
        Opt(w, s.Q850Cause);
        Opt(w, s.HangupBy);
        w.Write(s.EndedByTimeout);
        Opt(w, s.ExpiresMicros);
        w.Write(s.Retransmissions);
        Opt(w, s.FromUser);
        Opt(w, s.ToUser);
        Opt(w, s.RuriUser);
        Opt(w, s.CorrelationGroup);
        WriteList(w, s.Transactions, (x, t) =>
        {
            x.Write(t.Method); x.Write(t.CSeq); x.Write(t.Branch); Opt(x, t.FinalStatus); x.Write(t.State); x.Write(t.Requests); x.Write(t.Responses);
            Opt(x, t.Client); Opt(x, t.Server);
        });
        WriteList(w, s.Legs, (x, v) => x.Write(v));
        WriteList(w, s.QosReports, WriteQos);
        WriteList(w, s.Logs, WriteLog);
    }

    private static DialogQueries.DialogSnapshot ReadSnapshot(BinaryReader r) => new(r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64())
    {
        Kind = r.ReadString(),
        State = r.ReadString(),
        StartedMicros = r.ReadInt64(),
        AnsweredMicros = OptLong(r),
        EndedMicros = OptLong(r),
        PddMs = OptLong(r),
        SetupMs = OptLong(r),
        DurationMs = OptLong(r),
        FinalStatus = OptInt(r),
        FinalReason = OptString(r),
        Q850Cause = OptInt(r),
        HangupBy = OptString(r),
        EndedByTimeout = r.ReadBoolean(),
        ExpiresMicros = OptLong(r),
        Retransmissions = r.ReadInt64(),
        FromUser = OptString(r),
        ToUser = OptString(r),
        RuriUser = OptString(r),
        CorrelationGroup = OptString(r),
        Transactions = ReadList(r, x => new DialogQueries.TransactionView(x.ReadString(), x.ReadInt64(), x.ReadString(), OptInt(x), x.ReadString(), x.ReadInt32(), x.ReadInt32())
        {
            Client = OptString(x),
            Server = OptString(x),
        }),
        Legs = ReadList(r, x => x.ReadString()),
        QosReports = ReadList(r, ReadQos),
        Logs = ReadList(r, ReadLog),
    };

    // ------------------------------------------------------------ dialog state (ledger)

    private static void WriteState(BinaryWriter w, DialogState s)
    {
        w.Write(s.CallId);
        w.Write(s.Kind);
        w.Write(s.State);
        w.Write(s.MessageCount);
        w.Write(s.Retransmissions);
        w.Write(s.FirstSeenMicros);
        w.Write(s.LastSeenMicros);
        Opt(w, s.StartedMicros);
        Opt(w, s.RingingMicros);
        Opt(w, s.AnsweredMicros);
        Opt(w, s.EndedMicros);
        Opt(w, s.FinalStatus);
        Opt(w, s.FinalReason);
        Opt(w, s.Q850Cause);
        Opt(w, s.HangupBy);
        w.Write(s.EndedByTimeout);
        w.Write(s.IsEnded);
        w.Write(s.ChallengePending);
        w.Write(s.CancelPending);
        Opt(w, s.ExpiresMicros);
        w.Write(s.RequestedExpires);
        Opt(w, s.FromUser);
        Opt(w, s.ToUser);
        Opt(w, s.RuriUser);
        Opt(w, s.CallerTag);
        Opt(w, s.CallerIp);
        Opt(w, s.CalleeIp);
        Opt(w, s.UserAgent);
        Opt(w, s.Node);
        Opt(w, s.CorrelationGroup);
        WriteList(w, s.Transactions, WriteTransaction);
        WriteList(w, s.Legs, (x, v) => x.Write(v));
        WriteList(w, s.QosReports, WriteQos);
        Opt(w, s.MosMin);
        w.Write(s.MosSum);
        w.Write(s.MosCount);
        WriteList(w, s.Logs, WriteLog);
        WriteList(w, s.MediaEndpoints, (x, v) => x.Write(v));
        w.Write(s.AlarmsSeen);
        w.Write(s.Revision);
        w.Write(s.AppliedThroughMicros);
        WriteList(w, s.Applied, (x, a) =>
        {
            x.Write(a.TimestampMicros);
            x.Write(a.Key);
        });
    }

    private static DialogState ReadState(BinaryReader r) => ReadStateV1(r) with
    {
        AppliedThroughMicros = r.ReadInt64(),
        Applied = ReadList(r, x => new AppliedMessage(x.ReadInt64(), x.ReadInt64())),
    };

    /// <summary>The state as checkpoints were written before it kept applied keys.</summary>
    private static DialogState ReadStateV1(BinaryReader r) => new()
    {
        CallId = r.ReadString(),
        Kind = r.ReadString(),
        State = r.ReadString(),
        MessageCount = r.ReadInt64(),
        Retransmissions = r.ReadInt64(),
        FirstSeenMicros = r.ReadInt64(),
        LastSeenMicros = r.ReadInt64(),
        StartedMicros = OptLong(r),
        RingingMicros = OptLong(r),
        AnsweredMicros = OptLong(r),
        EndedMicros = OptLong(r),
        FinalStatus = OptInt(r),
        FinalReason = OptString(r),
        Q850Cause = OptInt(r),
        HangupBy = OptString(r),
        EndedByTimeout = r.ReadBoolean(),
        IsEnded = r.ReadBoolean(),
        ChallengePending = r.ReadBoolean(),
        CancelPending = r.ReadBoolean(),
        ExpiresMicros = OptLong(r),
        RequestedExpires = r.ReadInt32(),
        FromUser = OptString(r),
        ToUser = OptString(r),
        RuriUser = OptString(r),
        CallerTag = OptString(r),
        CallerIp = OptString(r),
        CalleeIp = OptString(r),
        UserAgent = OptString(r),
        Node = OptString(r),
        CorrelationGroup = OptString(r),
        Transactions = ReadList(r, ReadTransaction),
        Legs = ReadList(r, x => x.ReadString()),
        QosReports = ReadList(r, ReadQos),
        MosMin = OptDouble(r),
        MosSum = r.ReadDouble(),
        MosCount = r.ReadInt32(),
        Logs = ReadList(r, ReadLog),
        MediaEndpoints = ReadList(r, x => x.ReadString()),
        AlarmsSeen = r.ReadInt32(),
        Revision = r.ReadInt64(),
    };

    private static void WriteTransaction(BinaryWriter w, Transaction t)
    {
        w.Write(t.Key);
        w.Write(t.Method);
        w.Write(t.CSeq);
        w.Write(t.Branch);
        w.Write(t.Initial);
        w.Write(t.StartedMicros);
        w.Write(t.Requests);
        w.Write(t.Responses);
        Opt(w, t.FinalStatus);
        Opt(w, t.FinalReason);
        w.Write((byte)t.State);
        w.Write(t.Acked);
        WriteList(w, t.SeenResponses, (x, v) => x.Write(v));
        Opt(w, t.Client);
        Opt(w, t.Server);
    }

    private static Transaction ReadTransaction(BinaryReader r) => new(
        r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadBoolean(), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(),
        OptInt(r), OptString(r), (TransactionState)r.ReadByte(), r.ReadBoolean(), ReadList(r, x => x.ReadString()))
    {
        Client = OptString(r),
        Server = OptString(r),
    };

    // ------------------------------------------------------------ primitives

    private static void WriteList<T>(BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.Write7BitEncodedInt(items.Count);
        foreach (var item in items)
            write(w, item);
    }

    private static T[] ReadList<T>(BinaryReader r, Func<BinaryReader, T> read)
    {
        var count = r.Read7BitEncodedInt();
        if (count == 0)
            return [];
        var items = new T[count];
        for (var i = 0; i < count; i++)
            items[i] = read(r);
        return items;
    }

    private static void Opt(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
            w.Write(value);
    }

    private static void Opt(BinaryWriter w, long? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
            w.Write(v);
    }

    private static void Opt(BinaryWriter w, int? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
            w.Write(v);
    }

    private static void Opt(BinaryWriter w, double? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
            w.Write(v);
    }

    private static string? OptString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static long? OptLong(BinaryReader r) => r.ReadBoolean() ? r.ReadInt64() : null;

    private static int? OptInt(BinaryReader r) => r.ReadBoolean() ? r.ReadInt32() : null;

    private static double? OptDouble(BinaryReader r) => r.ReadBoolean() ? r.ReadDouble() : null;
}
