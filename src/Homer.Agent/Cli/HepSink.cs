using Homer.Agent.Capture;
using Homer.Agent.Output;

namespace Homer.Agent.Cli;

/// <summary>Capture pipeline sink that encodes each SIP message as HEP and hands it to one output group.</summary>
public sealed class HepSink(HepPacketWriter writer, HepOutputGroup group) : IPacketSink
{
    public long Encoded;
    public long EncodeErrors;

    public void OnSip(ref L4Packet packet)
    {
        ReadOnlySpan<byte> bytes;
        try
        {
            bytes = writer.Write(ref packet);
        }
        catch (ArgumentException)
        {
            // Too large for HEP3's uint16 length: counted, never sent half.
            EncodeErrors++;
            return;
        }

        Encoded++;
        group.Send(bytes);
    }
}
