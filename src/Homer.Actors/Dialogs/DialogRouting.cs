using Akka.Actor;
using Homer.Actors.Contracts;
using Homer.Actors.Ingest;
using Homer.Storage;

namespace Homer.Actors.Dialogs;

/// <summary>
/// The seam between ingest and dialogs: what of a captured message goes to which dialog. Called by the ingest
/// graph for every stored message; must not block and must not throw.
/// </summary>
public static class DialogRouting
{
    /// <summary>Tells the dialog of the message's Call-ID about it; false when the message belongs to no dialog.</summary>
    public static bool TryRoute(CapturedMessage message, IActorRef dialogRegion)
    {
        if (message.CallId is null || message.ProtocolType != HepMessageDecoder.SipProtocolType)
            return false;
        dialogRegion.Tell(new DialogCommands.RecordSipMessage(
            message.CallId, message.TimestampMicros, message.Method, message.StatusCode ?? 0,
            message.CSeqNumber ?? 0, message.CSeqMethod, message.FromTag, message.ToTag));
        return true;
    }
}
