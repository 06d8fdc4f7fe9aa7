using Homer.Sip.Rtcp;
using Homer.Sip.Sdp;

namespace Homer.Sip.Tests;

/// <summary>
/// Random and mutated inputs for every parser in Homer.Sip: never throw, every slice inside the input. Spans are
/// bounds-checked, so an out-of-range read would surface as an exception here.
/// </summary>
public class SipFuzzTests
{
    private static IEnumerable<byte[]> Corpus()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        foreach (var f in Directory.GetFiles(root, "*.sip", SearchOption.AllDirectories))
            yield return File.ReadAllBytes(f);
    }

    private static void InBounds(SipSlice s, int length)
    {
        Assert.InRange(s.Offset, 0, length);
        Assert.InRange(s.Length, 0, length - s.Offset);
    }

    private static void InBounds(SipUri u, int n)
    {
        foreach (var s in new[] { u.Scheme, u.User, u.Password, u.Host, u.Parameters, u.Headers, u.Raw })
            InBounds(s, n);
    }

    private static void InBounds(SipNameAddr a, int n)
    {
        foreach (var s in new[] { a.Display, a.Tag, a.Parameters, a.Raw })
            InBounds(s, n);
        InBounds(a.Uri, n);
    }

    private static void Check(byte[] d)
    {
        if (!SipParser.TryParse(d, out var m, out var error))
        {
            Assert.NotEqual(SipParseError.None, error);
            return;
        }

        var n = d.Length;
        foreach (var s in new[] { m.Method, m.ReasonPhrase, m.StartLine, m.CallId, m.CSeqMethod, m.UserAgent, m.Server,
                     m.AuthorizationUser, m.ContentType, m.Event, m.XCid, m.CorrelationId, m.RtpStat, m.Body, m.Sdp, m.Headers,
                     m.Via.Transport, m.Via.Host, m.Via.Branch, m.Via.Received, m.Via.Parameters, m.Via.Raw,
                     m.Reason.Protocol, m.Reason.Text, m.Reason.Raw })
            InBounds(s, n);
        InBounds(m.RequestUri, n);
        foreach (var a in new[] { m.From, m.To, m.Contact, m.PAssertedIdentity, m.Diversion })
            InBounds(a, n);
        _ = m.From.Display.ToString(d);

        if (!m.Sdp.IsEmpty && SdpParser.TryParse(d, m.Sdp, out var sdp, out _))
        {
            for (var i = 0; i < sdp.MediaCount; i++)
            {
                InBounds(sdp.Media[i].ConnectionAddress, n);
                for (var c = 0; c < sdp.Media[i].CodecCount; c++)
                    _ = sdp.Media[i].Codecs[c].Name(d);
            }
        }
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(7);
        byte[] alphabet = "INVITE SIP/2.0\r\n:;,<>\"@ =\t/0123456789abcdefv=m=c="u8.ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var d = new byte[random.Next(0, 300)];
            if (i % 2 == 0)
                random.NextBytes(d);
            else
                for (var j = 0; j < d.Length; j++)
                    d[j] = alphabet[random.Next(alphabet.Length)];
            Check(d);
            _ = SdpParser.TryParse(d, out _, out _);
            _ = RtcpParser.TryParse(d, out _, out _, out _);
            _ = VqReportParser.TryParse(d, out _);
        }
    }

    [Fact]
    public void Mutated_fixtures_never_throw()
    {
        var random = new Random(11);
        foreach (var original in Corpus())
        {
            for (var i = 0; i < 400; i++)
            {
                var d = (byte[])original.Clone();
                for (var k = random.Next(1, 6); k > 0 && d.Length > 0; k--)
                {
                    switch (random.Next(5))
                    {
                        case 0: d[random.Next(d.Length)] = (byte)random.Next(256); break;
                        case 1: d[random.Next(d.Length)] = "\r\n:;,<>\" "u8[random.Next(9)]; break;
                        case 2: Array.Resize(ref d, random.Next(d.Length + 1)); break;
                        case 3:
                            var at = random.Next(d.Length);
                            d = d[..at].Concat(d[random.Next(d.Length)..]).ToArray();
                            break;
                        default:
                            var cut = random.Next(d.Length);
                            d = d[..cut].Concat("\r\n "u8.ToArray()).Concat(d[cut..]).ToArray();
                            break;
                    }
                }

                Check(d);
            }
        }
    }

    [Fact]
    public void Mutated_rtcp_and_reports_never_throw()
    {
        var random = new Random(13);
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "rtcp");
        foreach (var f in Directory.GetFiles(dir).Where(f => !f.EndsWith(".py", StringComparison.Ordinal)))
        {
            var original = File.ReadAllBytes(f);
            for (var i = 0; i < 2_000; i++)
            {
                var d = (byte[])original.Clone();
                for (var k = random.Next(1, 4); k > 0 && d.Length > 0; k--)
                {
                    if (random.Next(4) == 0)
                        Array.Resize(ref d, random.Next(d.Length + 1));
                    else
                        d[random.Next(d.Length)] = (byte)random.Next(256);
                }

                _ = RtcpParser.TryParse(d, out _, out _, out _);
                _ = RtcpJsonParser.TryParse(d, out _, out _);
                _ = VqReportParser.TryParse(d, out _);
            }
        }
    }
}
