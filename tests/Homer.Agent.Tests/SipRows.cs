using System.Text;
using Homer.Hep;
using Homer.Sip;

namespace Homer.Agent.Tests;

public static class SipRows
{
    public static SipRow Of(HepMessage m)
    {
        var payload = m.Payload.Span;
        Assert.True(SipParser.TryParse(payload, out var sip, out var error), $"not SIP ({error}): {Encoding.UTF8.GetString(payload)}");
        return new SipRow(m.TimestampUnixMicros, m.SourceAddress.ToString(), m.SourcePort, m.DestinationAddress.ToString(),
            m.DestinationPort, sip.CallId.ToString(payload), $"{sip.CSeqNumber} {sip.CSeqMethod.ToString(payload)}");
    }

    public static List<SipRow> Sorted(IEnumerable<SipRow> rows) =>
        rows.OrderBy(r => r.Micros).ThenBy(r => r.CallId, StringComparer.Ordinal).ThenBy(r => r.CSeq, StringComparer.Ordinal)
            .ThenBy(r => r.SourcePort).ToList();
}
