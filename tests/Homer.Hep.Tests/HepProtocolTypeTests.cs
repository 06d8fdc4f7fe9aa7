using Homer.Hep;

namespace Homer.Hep.Tests;

/// <summary>
/// The groups of payload types as docs/hep-protocol.md lists them: every type from 0 to 255 is checked, so a number
/// added to or dropped from a group shows here.
/// </summary>
public sealed class HepProtocolTypeTests
{
    private static IEnumerable<byte> Where(Func<byte, bool> group) =>
        Enumerable.Range(0, 256).Select(t => (byte)t).Where(group);

    [Fact]
    public void The_qos_table_takes_32_34_35_38_and_99()
    {
        Assert.Equal([32, 34, 35, 38, 99], Where(HepProtocolType.IsQosReport));
    }

    [Fact]
    public void A_call_quality_is_read_from_rtcp_and_every_qos_report()
    {
        Assert.Equal([5, 32, 34, 35, 38, 99], Where(HepProtocolType.IsQualityReport));
    }

    [Fact]
    public void Dialogs_take_every_quality_report_but_the_oracle_sbc_one()
    {
        Assert.Equal([5, 32, 34, 35, 99], Where(HepProtocolType.IsDialogQuality));
        Assert.Equal([HepProtocolType.OracleSbcQos], Where(HepProtocolType.IsQualityReport).Except(Where(HepProtocolType.IsDialogQuality)));
    }
}
