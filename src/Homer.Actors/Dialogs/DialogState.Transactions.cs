using Homer.Actors.Contracts;
using static Homer.Actors.Dialogs.DialogEvents;

namespace Homer.Actors.Dialogs;

/// <summary>RFC 3261 transactions: which transaction a message belongs to and whether it is a retransmission.</summary>
public sealed partial record DialogState
{
    private static (Transaction? Tx, bool Retransmission) MatchTransaction(DialogState state, DialogCommands.RecordSipMessage m, string method)
    {
        var branch = m.ViaBranch ?? "";

        if (m.IsRequest)
        {
            if (method == "ACK")
            {
                // The ACK of a non-2xx final is part of the INVITE transaction (same branch, RFC 3261 17.1.1.3);
                // the ACK of a 2xx is a transaction of its own.
                var invite = state.Find(branch, m.CSeqNumber, "INVITE");
                if (invite is { FinalStatus: >= 300 })
                    return invite.Acked
                        ? (invite with { Requests = invite.Requests + 1 }, true)
                        : (invite with { Acked = true, State = TransactionState.Confirmed }, false);
            }

            if (state.Find(branch, m.CSeqNumber, method) is { } existing)
                return existing.Requests == 0
                    ? (existing with { Requests = 1, Initial = m.ToTag is null }, false)
                    : (existing with { Requests = existing.Requests + 1 }, true);
            return (new Transaction(method, m.CSeqNumber, branch, m.ToTag is null, m.TimestampMicros, 1, 0, null, null,
                method == "ACK" ? TransactionState.Terminated : TransactionState.Trying, false, [])
            {
                Client = Endpoint(state, m.SourceIp, m.SourcePort),
                Server = Endpoint(state, m.DestinationIp, m.DestinationPort),
            }, false);
        }

        // A response whose request was not captured still opens its transaction; before an answer it can only be initial.
        var tx = state.Find(branch, m.CSeqNumber, method) ?? new Transaction(method, m.CSeqNumber, branch,
            state.AnsweredMicros is null, m.TimestampMicros, 0, 0, null, null, TransactionState.Trying, false, [])
        {
            Client = Endpoint(state, m.DestinationIp, m.DestinationPort),
            Server = Endpoint(state, m.SourceIp, m.SourcePort),
        };
        var toTag = string.IsNullOrEmpty(m.ToTag) ? null : m.ToTag;
        if (HasSeen(tx.SeenResponses, m.StatusCode, toTag))
            return (tx, true);

        tx = tx with { Responses = tx.Responses + 1, SeenResponses = WithSeen(tx.SeenResponses, m.StatusCode, toTag) };
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

    /// <summary>
    /// The transaction of a message by the parts of its key: every SIP message looks its transaction up. Dialogs hold
    /// a handful of transactions, so a linear scan beats a dictionary's allocation.
    /// </summary>
    private Transaction? Find(string branch, long cseq, string method)
    {
        var transactions = Transactions;
        for (var i = 0; i < transactions.Count; i++)
            if (transactions[i].Is(branch, cseq, method))
                return transactions[i];
        return null;
    }

    private bool Holds(Transaction tx) => Find(tx.Branch, tx.CSeq, tx.Method) is not null;

    private static bool HasSeen(IReadOnlyList<SeenResponse> seen, int status, string? toTag)
    {
        for (var i = 0; i < seen.Count; i++)
            if (seen[i].Status == status && seen[i].ToTag == toTag)
                return true;
        return false;
    }

    /// <summary>
    /// The responses seen and this one, as one array; its To tag is an earlier response's string when equal (a 180 and
    /// the 200 of one callee carry the same tag), so a call keeps one copy of each tag.
    /// </summary>
    private static SeenResponse[] WithSeen(IReadOnlyList<SeenResponse> seen, int status, string? toTag)
    {
        var grown = new SeenResponse[seen.Count + 1];
        for (var i = 0; i < seen.Count; i++)
        {
            grown[i] = seen[i];
            if (toTag is not null && seen[i].ToTag == toTag)
                toTag = seen[i].ToTag;
        }
        grown[^1] = new SeenResponse(status, toTag);
        return grown;
    }

    private static Transaction[] Replace(IReadOnlyList<Transaction> list, Transaction tx)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].IsSameTransaction(tx))
                continue;
            var copy = list.ToArray();
            copy[i] = tx;
            return copy;
        }
        var grown = new Transaction[list.Count + 1];
        for (var i = 0; i < list.Count; i++)
            grown[i] = list[i];
        grown[^1] = tx;
        return grown;
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
}
