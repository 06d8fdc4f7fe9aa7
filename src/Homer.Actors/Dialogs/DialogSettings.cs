using System.Text.RegularExpressions;
using Homer.Sip;

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
    public Regex? LegSuffixRule { get; init; } = LegSuffixRuleOf(DefaultLegSuffixPattern);

    public const string DefaultLegSuffixPattern = @"^(?<root>.+)_b2b-\d+$";

    /// <summary>
    /// A suffix rule from its pattern, which must name a <c>root</c> group. It runs once per new Call-ID, so it is
    /// built without backtracking: a configured pattern cannot take more than linear time on a hostile Call-ID, and a
    /// busy node cannot make it time out (which a backtracking match with a timeout does when its thread is preempted).
    /// </summary>
    /// <exception cref="ArgumentException">The pattern does not parse, uses a construct that needs backtracking, or has no root group.</exception>
    public static Regex LegSuffixRuleOf(string pattern)
    {
        Regex rule;
        try
        {
            rule = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw new ArgumentException($"not a usable regular expression ({e.Message})", nameof(pattern), e);
        }
        if (!rule.GetGroupNames().Contains("root"))
            throw new ArgumentException("the pattern has no (?<root>...) group naming the call's root Call-ID", nameof(pattern));
        return rule;
    }

    /// <summary>
    /// The leg-correlation headers the ingest decoder reads (X-CID by default): a dialog caught up from the message
    /// store parses its messages with the same ones.
    /// </summary>
    public SipParserOptions SipParser { get; init; } = SipParserOptions.Default;

    public int MaxTransactions { get; init; } = 200;
    public int MaxLogText { get; init; } = 2048;

    public string? LegRootOf(string callId)
    {
        if (LegSuffixRule is null)
            return null;
        var match = LegSuffixRule.Match(callId);
        return match.Success && match.Groups["root"].Value is { Length: > 0 } root && root != callId ? root : null;
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
