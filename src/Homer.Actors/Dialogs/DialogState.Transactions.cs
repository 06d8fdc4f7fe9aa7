using Homer.Actors.Contracts;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>RFC 3261 transactions: which transaction a message belongs to and whether it is a retransmission.</summary>
public sealed partial record DialogState
{
    private const string Rfc3261Cookie = "z9hG4bK";

    private static (Transaction? Tx, bool Retransmission) MatchTransaction(DialogState state, DialogCommands.RecordSipMessage m, string method)
    {
        var branch = m.ViaBranch ?? "";
        var rfc3261 = branch.StartsWith(Rfc3261Cookie, StringComparison.Ordinal);

        if (m.IsRequest)
        {
            if (method == "ACK")
            {
                // The ACK of a non-2xx final is part of the INVITE transaction (same branch, RFC 3261 17.1.1.3);
                // the ACK of a 2xx is a transaction of its own.
                var invite = state.Find(rfc3261, branch, m.CSeqNumber, "INVITE");
                if (invite is { FinalStatus: >= 300 })
                    return invite.Acked
                        ? (invite with { Requests = invite.Requests + 1 }, true)
                        : (invite with { Acked = true, State = TransactionState.Confirmed }, false);
            }

            if (state.Find(rfc3261, branch, m.CSeqNumber, method) is { } existing)
                return existing.Requests == 0
                    ? (existing with { Requests = 1, Initial = m.ToTag is null }, false)
                    : (existing with { Requests = existing.Requests + 1 }, true);
            return (new Transaction(KeyOf(rfc3261, branch, m.CSeqNumber, method), method, m.CSeqNumber, branch, m.ToTag is null, m.TimestampMicros, 1, 0, null, null,
                method == "ACK" ? TransactionState.Terminated : TransactionState.Trying, false, [])
            {
                Client = Endpoint(state, m.SourceIp, m.SourcePort),
                Server = Endpoint(state, m.DestinationIp, m.DestinationPort),
            }, false);
        }

        // A response whose request was not captured still opens its transaction; before an answer it can only be initial.
        var tx = state.Find(rfc3261, branch, m.CSeqNumber, method) ?? new Transaction(KeyOf(rfc3261, branch, m.CSeqNumber, method), method, m.CSeqNumber, branch,
            state.AnsweredMicros is null, m.TimestampMicros, 0, 0, null, null, TransactionState.Trying, false, [])
        {
            Client = Endpoint(state, m.DestinationIp, m.DestinationPort),
            Server = Endpoint(state, m.SourceIp, m.SourcePort),
        };
        if (HasSeen(tx.SeenResponses, m.StatusCode, m.ToTag))
            return (tx, true);

        tx = tx with { Responses = tx.Responses + 1, SeenResponses = [.. tx.SeenResponses, SeenKeyOf(m.StatusCode, m.ToTag)] };
        if (m.StatusCode < 200)
            return (tx.State == TransactionState.Trying ? tx with { State = TransactionState.Proceeding } : tx, false);
        if (tx.FinalStatus is not null)
            return (tx, false); // another fork's final response: the first one decided the transaction
        return (tx with
        {
            FinalStatus = m.StatusCode,
            FinalReason = m.ReasonPhrase,
            State = method == "INVITE" && m.StatusCode < 300 ? TransactionState.Terminated : TransactionState.Completed,
        }, false);
    }

    public Transaction? Find(string key)
    {
        // Dialogs hold a handful of transactions: a linear scan beats a dictionary's allocation.
        var transactions = Transactions;
        for (var i = 0; i < transactions.Count; i++)
            if (transactions[i].Key == key)
                return transactions[i];
        return null;
    }

    /// <summary>
    /// <see cref="Find(string)"/> by the parts of <see cref="KeyOf"/> without building the key: every SIP message looks
    /// its transaction up, and a key string per lookup was a tenth of the dialogs' allocations.
    /// </summary>
    private Transaction? Find(bool rfc3261, string branch, long cseq, string method)
    {
        var transactions = Transactions;
        for (var i = 0; i < transactions.Count; i++)
            if (IsKey(transactions[i].Key, rfc3261, branch, cseq, method))
                return transactions[i];
        return null;
    }

    private static bool IsKey(string key, bool rfc3261, string branch, long cseq, string method)
    {
        var k = key.AsSpan();
        if (!k.EndsWith(method, StringComparison.Ordinal) || k.Length <= method.Length || k[^(method.Length + 1)] != '|')
            return false;
        var head = k[..^(method.Length + 1)];
        if (rfc3261)
            return head.SequenceEqual(branch);
        Span<char> digits = stackalloc char[20];
        cseq.TryFormat(digits, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
        return head.Length == length + 1 && head[0] == '#' && head[1..].SequenceEqual(digits[..length]);
    }

    /// <summary>Whether a response with this status and To tag was seen (<see cref="SeenKeyOf"/>), without building the key.</summary>
    private static bool HasSeen(IReadOnlyList<string> seen, int status, string? toTag)
    {
        Span<char> digits = stackalloc char[11];
        status.TryFormat(digits, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
        ReadOnlySpan<char> code = digits[..length];
        var tag = toTag.AsSpan();
        for (var i = 0; i < seen.Count; i++)
        {
            var s = seen[i].AsSpan();
            if (s.Length == code.Length + 1 + tag.Length && s.StartsWith(code) && s[code.Length] == '/' && s[(code.Length + 1)..].SequenceEqual(tag))
                return true;
        }
        return false;
    }

    private static string SeenKeyOf(int status, string? toTag) => status + "/" + toTag;

    private static IReadOnlyList<Transaction> Replace(IReadOnlyList<Transaction> list, Transaction tx)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Key != tx.Key)
                continue;
            var copy = list.ToArray();
            copy[i] = tx;
            return copy;
        }
        return [.. list, tx];
    }

    /// <summary>
    /// "ip:port", the same string as an earlier transaction's when it names the same endpoint: a dialog keeps its
    /// transactions for its whole life (linger included), and most of them are between the same two endpoints.
    /// </summary>
    private static string? Endpoint(DialogState state, string? ip, int port)
    {
        if (ip is null)
            return null;
        var transactions = state.Transactions;
        for (var i = 0; i < transactions.Count; i++)
        {
            var t = transactions[i];
            if (IsEndpoint(t.Client, ip, port))
                return t.Client;
            if (IsEndpoint(t.Server, ip, port))
                return t.Server;
        }
        return ip + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsEndpoint(string? endpoint, string ip, int port) =>
        endpoint is not null && endpoint.Length > ip.Length + 1 && endpoint[ip.Length] == ':'
        && endpoint.StartsWith(ip, StringComparison.Ordinal)
        && int.TryParse(endpoint.AsSpan(ip.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p)
        && p == port;

    private static string KeyOf(bool rfc3261, string branch, long cseq, string method) =>
        rfc3261 ? branch + "|" + method : "#" + cseq.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|" + method;
}
