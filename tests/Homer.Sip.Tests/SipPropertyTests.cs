using System.Text;
using FsCheck.Xunit;

namespace Homer.Sip.Tests;

/// <summary>Messages assembled from random field values parse back to those values, whatever the header spelling.</summary>
public class SipPropertyTests
{
    private const string TokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";
    private static readonly string[] Methods = ["INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "UPDATE", "PRACK", "INFO"];

    private static string Token(Random r, int min = 1, int max = 24)
    {
        var chars = new char[r.Next(min, max)];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = TokenChars[r.Next(TokenChars.Length)];
        return new string(chars);
    }

    private static string Host(Random r) => r.Next(3) switch
    {
        0 => $"{r.Next(1, 255)}.{r.Next(256)}.{r.Next(256)}.{r.Next(1, 255)}",
        1 => $"[2001:db8::{r.Next(1, 0xffff):x}]",
        _ => $"h{r.Next(1000)}.example.com",
    };

    [Property(MaxTest = 500)]
    public bool Assembled_messages_parse_back(int seed, bool request, bool compact, bool folded, bool upper, uint cseq, ushort port)
    {
        var r = new Random(seed);
        var method = Methods[r.Next(Methods.Length)];
        var user = Token(r);
        var host = Host(r);
        var callId = Token(r, 5, 40) + "@" + Token(r, 1, 10);
        var fromTag = Token(r);
        var toTag = Token(r);
        var branch = "z9hG4bK" + Token(r);
        var display = Token(r, 1, 8) + " " + Token(r, 1, 8);
        var body = Token(r, 0, 50);
        var number = cseq % int.MaxValue;
        var viaPort = port == 0 ? 5060 : port;
        string Name(string full, string shortForm)
        {
            var name = compact ? shortForm : full;
            return upper ? name.ToUpperInvariant() : name;
        }

        var sep = folded ? "\r\n  " : " ";
        var sb = new StringBuilder();
        sb.Append(request ? $"{method} sip:{user}@{host} SIP/2.0\r\n" : "SIP/2.0 183 Session Progress\r\n");
        sb.Append($"{Name("Via", "v")}: SIP/2.0/UDP {host}:{viaPort};branch={branch}\r\n");
        sb.Append($"{Name("From", "f")}:{sep}\"{display}\" <sip:{user}@{host}>;tag={fromTag}\r\n");
        sb.Append($"{Name("To", "t")}: <sip:{user}@{host}>;tag={toTag}\r\n");
        sb.Append($"{Name("Call-ID", "i")}: {callId}\r\n");
        sb.Append($"CSeq: {number}{sep}{method}\r\n");
        sb.Append($"{Name("Content-Length", "l")}: {body.Length}\r\n\r\n{body}");
        var d = Encoding.ASCII.GetBytes(sb.ToString());

        if (!SipParser.TryParse(d, out var m, out _))
            return false;
        var bareHost = host.Trim('[', ']');
        return m.IsRequest == request
            && (!request || (m.Method.ToString(d) == method && m.RequestUri.User.ToString(d) == user
                && m.RequestUri.Host.ToString(d) == bareHost))
            && (request || m.StatusCode == 183)
            && m.CallId.ToString(d) == callId
            && m.From.Display.ToString(d) == display && m.From.Tag.ToString(d) == fromTag
            && m.From.Uri.User.ToString(d) == user && m.From.Uri.Host.ToString(d) == bareHost
            && m.To.Tag.ToString(d) == toTag
            && m.CSeqNumber == number && m.CSeqMethod.ToString(d) == method
            && m.Via.Host.ToString(d) == bareHost && m.Via.Port == viaPort && m.Via.Branch.ToString(d) == branch
            && m.Body.ToString(d) == body && m.ContentLength == body.Length
            && (m.Flags & ~(SipFlags.CompactForms | SipFlags.FoldedLines)) == SipFlags.None;
    }
}
