using Homer.Sip.Sdp;

namespace Homer.Sip.Tests;

/// <summary>
/// A real call: sipp uac → sipp uas on loopback, captured with tshark (Fixtures/sipp/sipp-uac-uas.pcap). The payloads
/// were exported as frame-NN.sip and tshark's own field values as tshark-fields.tsv; we must read the same values.
/// Re-create with: tshark -i lo -f "udp port 15071" -w x.pcap; sipp -sn uas -p 15071; sipp -sn uac 127.0.0.1:15071 -m 1.
/// </summary>
public class SippCaptureTests
{
    public static TheoryData<string> Rows()
    {
        var data = new TheoryData<string>();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "sipp", "tshark-fields.tsv")).Skip(1))
            data.Add(line);
        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Our_fields_equal_tsharks(string row)
    {
        var f = row.Split('\t');
        var d = Fixture.Bytes(Path.Combine("sipp", $"frame-{int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture):00}.sip"));

        Assert.True(SipParser.TryParse(d, out var m, out var error), error.ToString());

        Assert.Equal(f[1], m.IsRequest ? m.Method.ToString(d) : string.Empty);
        Assert.Equal(f[2], m.IsRequest ? string.Empty : m.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(f[3], m.CallId.ToString(d));
        Assert.Equal(f[4], m.CSeqNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(f[5], m.CSeqMethod.ToString(d));
        Assert.Equal(f[6], m.From.Tag.ToString(d));
        Assert.Equal(f[7], m.To.Tag.ToString(d));
        Assert.Equal(f[8], m.From.Uri.User.ToString(d));
        Assert.Equal(f[9], m.To.Uri.User.ToString(d));
        Assert.Equal(f[10], m.Via.Branch.ToString(d));
        Assert.Equal(f[11], m.ContentLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(m.Has(SipFlags.ContentLengthMismatch));
        if (f[12].Length > 0)
        {
            Assert.True(SdpParser.TryParse(d, m.Sdp, out var sdp, out _));
            Assert.Equal(f[12], sdp.Media[0].Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(f[13], sdp.Media[0].ConnectionAddress.ToString(d));
        }
    }
}
