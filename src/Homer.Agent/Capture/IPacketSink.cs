namespace Homer.Agent.Capture;

/// <summary>Receives each SIP message found; <see cref="L4Packet.Payload"/> is exactly one message and is only valid during the call.</summary>
public interface IPacketSink
{
    void OnSip(ref L4Packet packet);
}
