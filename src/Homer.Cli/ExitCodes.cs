namespace Homer.Cli;

/// <summary>Process exit codes of homerctl; listed in --help and docs/operations.md so scripts can branch on them.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;
    /// <summary>Unexpected failure: the node answered with an internal error, or homerctl has a bug.</summary>
    public const int Failure = 1;
    /// <summary>Bad command line (unknown command, missing argument, malformed value) or no node/token configured.</summary>
    public const int Usage = 2;
    /// <summary>The node could not be reached (connection refused, DNS, timeout) or is not a Homer node.</summary>
    public const int Unreachable = 3;
    /// <summary>The token is missing, refused (expired, revoked, unknown) or its role is too low for the command.</summary>
    public const int Unauthorized = 4;
    /// <summary>What the command names does not exist (member address, dialog, user, token, alarm).</summary>
    public const int NotFound = 5;
    /// <summary>The node refused the request as given (bad argument, conflict, a field this node does not serve).</summary>
    public const int Rejected = 6;

    public const string Help =
        "Exit codes: 0 ok; 1 unexpected failure; 2 bad usage; 3 node unreachable; 4 token missing, refused or not allowed; "
        + "5 not found; 6 refused by the node (bad argument, conflict, unsupported).";
}
