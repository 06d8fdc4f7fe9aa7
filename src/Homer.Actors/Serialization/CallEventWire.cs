using Homer.Actors.Contracts;
using Homer.Storage;

namespace Homer.Actors.Serialization;

/// <summary>The <see cref="CallEvents"/>' part of <see cref="HomerSerializer"/>: what dialogs publish on "call-events" (manifests E1–E8).</summary>
internal static class CallEventWire
{
    public static string? ManifestOf(object o) => o switch
    {
        CallEvents.DialogStarted => "E1",
        CallEvents.DialogStateChanged => "E2",
        CallEvents.QosAttached => "E3",
        CallEvents.LegLinked => "E4",
        CallEvents.DialogEnded => "E5",
        CallEvents.AlarmObserved => "E6",
        CallEvents.RequestRejected => "E7",
        CallEvents.Batch => "E8",
        _ => null,
    };

    public static bool TryWrite(BinaryWriter w, object o)
    {
        switch (o)
        {
            case CallEvents.DialogStarted e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Kind); w.WriteOptional(e.FromUser); w.WriteOptional(e.ToUser); w.WriteOptional(e.RuriUser);
                w.WriteOptional(e.Method); w.WriteOptional(e.UserAgent); w.WriteOptional(e.ClientIp); w.WriteOptional(e.Server); w.WriteOptional(e.Node);
                return true;
            case CallEvents.DialogStateChanged e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Kind); w.Write(e.State.ToText()); w.WriteOptional(e.FinalStatus); w.WriteOptional(e.FinalReason);
                return true;
            case CallEvents.QosAttached e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); DialogWire.WriteQos(w, e.Report);
                return true;
            case CallEvents.LegLinked e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.LegCallId); w.Write(e.CorrelationGroup);
                return true;
            case CallEvents.DialogEnded e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Kind); w.Write(e.State.ToText()); w.WriteOptional(e.FinalStatus); w.WriteOptional(e.DurationMs);
                w.Write(e.EndedByTimeout);
                w.WriteOptional(e.Method); w.WriteOptional(e.UserAgent); w.WriteOptional(e.ClientIp); w.WriteOptional(e.Server); w.WriteOptional(e.Node);
                w.Write(e.Answered); w.Write(e.EndedOnChallenge); w.Write(e.MessageCount); w.Write(e.Retransmissions);
                return true;
            case CallEvents.AlarmObserved e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Alarm); w.Write(e.Detail);
                return true;
            case CallEvents.RequestRejected e:
                w.Write(e.CallId); w.Write(e.TimestampMicros); w.Write(e.Kind); w.Write(e.Method); w.Write(e.Status); w.WriteOptional(e.ClientIp);
                w.WriteOptional(e.UserAgent); w.WriteOptional(e.Node);
                return true;
            case CallEvents.Batch b:
                w.Write(b.Events.Count);
                foreach (var e in b.Events)
                {
                    // Each event as it travels alone: its manifest, then its fields.
                    w.Write(ManifestOf(e) ?? throw new ArgumentException($"{e.GetType()} has no call event manifest", nameof(o)));
                    TryWrite(w, e);
                }
                return true;
            default:
                return false;
        }
    }

    private static CallEvents.Batch ReadBatch(BinaryReader r)
    {
        var events = new CallEvents.ICallEvent[r.ReadInt32()];
        for (var i = 0; i < events.Length; i++)
        {
            var manifest = r.ReadString();
            events[i] = manifest != "E8" && Read(r, manifest) is CallEvents.ICallEvent e
                ? e
                : throw new System.Runtime.Serialization.SerializationException($"Unknown call event manifest {manifest} in a batch");
        }
        return new CallEvents.Batch(events);
    }

    /// <summary>The event of <paramref name="manifest"/>, or null when the manifest is not a call event's.</summary>
    public static object? Read(BinaryReader r, string manifest) => manifest switch
    {
        "E1" => new CallEvents.DialogStarted(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadOptionalString(), r.ReadOptionalString(),
            r.ReadOptionalString())
        {
            Method = r.ReadOptionalString(), UserAgent = r.ReadOptionalString(), ClientIp = r.ReadOptionalString(), Server = r.ReadOptionalString(),
            Node = r.ReadOptionalString(),
        },
        "E2" => new CallEvents.DialogStateChanged(r.ReadString(), r.ReadInt64(), r.ReadString(), DialogStatusText.Parse(r.ReadString()), r.ReadOptionalInt32(),
            r.ReadOptionalString()),
        "E3" => new CallEvents.QosAttached(r.ReadString(), r.ReadInt64(), DialogWire.ReadQos(r)),
        "E4" => new CallEvents.LegLinked(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString()),
        "E5" => new CallEvents.DialogEnded(r.ReadString(), r.ReadInt64(), r.ReadString(), DialogStatusText.Parse(r.ReadString()), r.ReadOptionalInt32(), r.ReadOptionalInt64(),
            r.ReadBoolean())
        {
            Method = r.ReadOptionalString(), UserAgent = r.ReadOptionalString(), ClientIp = r.ReadOptionalString(), Server = r.ReadOptionalString(),
            Node = r.ReadOptionalString(), Answered = r.ReadBoolean(), EndedOnChallenge = r.ReadBoolean(), MessageCount = r.ReadInt64(),
            Retransmissions = r.ReadInt64(),
        },
        "E6" => new CallEvents.AlarmObserved(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString()),
        "E7" => new CallEvents.RequestRejected(r.ReadString(), r.ReadInt64(), r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadOptionalString(),
            r.ReadOptionalString(), r.ReadOptionalString()),
        "E8" => ReadBatch(r),
        _ => null,
    };
}
