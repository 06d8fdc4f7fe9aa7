namespace Homer.Agent;

/// <summary>Process exit codes; documented in docs/agent.md and --help so scripts can branch on them.</summary>
public static class ExitCodes
{
    /// <summary>Input read to the end (or stopped by a signal) and every packet handed to its outputs.</summary>
    public const int Ok = 0;
    /// <summary>An unexpected failure (a bug or an environment problem such as a missing libpcap).</summary>
    public const int Failure = 1;
    /// <summary>Bad command line or configuration file.</summary>
    public const int Usage = 2;
    /// <summary>The input could not be opened or read (missing file, not a pcap, unknown interface, bad BPF filter).</summary>
    public const int InputError = 3;
    /// <summary>An output could not be set up, or packets were dropped or left undelivered when the run ended.</summary>
    public const int OutputError = 4;
}
