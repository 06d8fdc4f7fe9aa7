using System.Text.RegularExpressions;

namespace Homer.Actors.Dialogs;

/// <summary>Tunables of dialog tracking. The pure state reads them as an argument, never from global configuration.</summary>
public sealed record DialogSettings
{
    public static DialogSettings Default { get; } = new();

    /// <summary>How long an ended dialog stays alive for late retransmissions and late QoS. 64×T1 (Timer F) by default.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(32);
    /// <summary>An answered call with no traffic for this long is ended by timeout (a BYE was missed or never sent).</summary>
    public TimeSpan IdleAnswered { get; init; } = TimeSpan.FromHours(1);
    /// <summary>An unanswered attempt (or a challenged one that was never re-sent) is ended by timeout after this.</summary>
    public TimeSpan IdleUnanswered { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Added to a registration's expiry before it is declared expired.</summary>
    public TimeSpan RegistrationGrace { get; init; } = TimeSpan.FromSeconds(32);
    /// <summary>Expiry a REGISTER gets when neither request nor response names one (RFC 3261 10.2.1 suggests 3600).</summary>
    public int DefaultRegisterExpiresSeconds { get; init; } = 3600;
    /// <summary>
    /// How long a dialog gathers changes before it hands a checkpoint to its shard's ledger and the dialogs table. A
    /// crash loses at most this (plus the ledger's flush delay) of checkpoints, which the dialogs then catch up from
    /// the message store; it must stay well below <see cref="CatchUpSettings.Margin"/>.
    /// </summary>
    public TimeSpan CheckpointDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// How long a dialog keeps the keys of the messages it applied, in capture time behind the newest one: a message
    /// met again within it (from the store after a crash, or live and from the store) is applied once. It must cover
    /// how far apart in capture time a call's messages can be delivered twice (a held 200 after a BYE 13 s later).
    /// </summary>
    public TimeSpan AppliedKeyWindow { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ShortCall { get; init; } = TimeSpan.FromSeconds(2);
    public double BadMos { get; init; } = 3.0;
    public int RetransmissionStorm { get; init; } = 10;
    public IReadOnlyList<string> ScannerUserAgents { get; init; } =
        ["friendly-scanner", "sipvicious", "sipcli", "VaxSIPUserAgent", "sundayddr", "iWar", "sip-scan", "SIPScan", "pplsip"];

    /// <summary>
    /// The B2BUA suffix rule: a Call-ID matching it is a leg of the call whose Call-ID is the <c>root</c> group.
    /// The default fits Kamailio/SEMS-style "callid_b2b-1" legs; null turns the rule off.
    /// </summary>
    public Regex? LegSuffixRule { get; init; } = new(@"^(?<root>.+)_b2b-\d+$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(5));

    public int MaxTransactions { get; init; } = 200;
    public int MaxLogText { get; init; } = 2048;

    public string? LegRootOf(string callId)
    {
        if (LegSuffixRule is null)
            return null;
        try
        {
            var match = LegSuffixRule.Match(callId);
            return match.Success && match.Groups["root"].Value is { Length: > 0 } root && root != callId ? root : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    public bool IsScanner(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent))
            return false;
        foreach (var scanner in ScannerUserAgents)
            if (userAgent.Contains(scanner, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }
}
