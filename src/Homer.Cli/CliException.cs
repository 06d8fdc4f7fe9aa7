namespace Homer.Cli;

/// <summary>A failure with the exit code it maps to and a message fit for the terminal (no stack trace).</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
