using Homer.Actors.Contracts;
using Homer.Actors.Dialogs;
using Homer.Actors.Ingest;
using Homer.Hep;
using Homer.Storage;

namespace Homer.Actors.Tests;

/// <summary>
/// Where each payload type goes, as docs/hep-protocol.md says: the store's table (the decoder's profile) and whether a
/// dialog gets it. The two lists differ by one type, Oracle SBC QoS (38), which is stored in the qos table and read
/// from there, but never routed to a dialog.
/// </summary>
public sealed class PayloadTypeRoutingTests
{
    [Theory]
    [InlineData(HepProtocolType.RtcpJson, MessageProfile.Rtcp)]
    [InlineData(HepProtocolType.QosLegacy, MessageProfile.Qos)]
    [InlineData(HepProtocolType.QosJson, MessageProfile.Qos)]
    [InlineData(HepProtocolType.RtcpXr, MessageProfile.Qos)]
    [InlineData(HepProtocolType.OracleSbcQos, MessageProfile.Qos)]
    [InlineData(HepProtocolType.RtcpXrPublish, MessageProfile.Qos)]
    [InlineData(HepProtocolType.Log, MessageProfile.Log)]
    [InlineData(HepProtocolType.M3ua, MessageProfile.Generic)]
    [InlineData(HepProtocolType.Dns, MessageProfile.Generic)]
    public void Each_payload_type_goes_to_its_table(byte type, MessageProfile profile)
    {
        Assert.Equal(profile, HepMessageDecoder.ProfileOf(type, null));
    }

    [Theory]
    [InlineData(HepProtocolType.QosJson, true)]
    [InlineData(HepProtocolType.RtcpXrPublish, true)]
    [InlineData(HepProtocolType.OracleSbcQos, false)]
    [InlineData(HepProtocolType.Dns, false)]
    public void A_correlated_json_quality_report_reaches_its_dialog_unless_it_is_the_oracle_sbc_one(byte type, bool routed)
    {
        var message = SipFixture.Correlated(type, "call-q", """{"MOS":3.9,"PACKET_LOSS":1.25,"JITTER":7}""");
        var route = DialogRouting.PlanParsed(message, default);
        if (routed)
            Assert.Equal("call-q", Assert.IsType<DialogCommands.AttachQos>(route.First).CallId);
        else
            Assert.True(route.IsEmpty);
        // After a crash the dialog reads the same from the store as it was routed live.
        Assert.Equal(routed ? 1 : 0, DialogCatchUp.CommandsFor("call-q", message).Count());
    }
}
