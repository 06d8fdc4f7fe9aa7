using System.Text.Json;
using Homer.Agent.Cli;

namespace Homer.Agent.Tests;

/// <summary>Runs homer-agent in-process with captured stdout/stderr.</summary>
public sealed record AgentRun(int ExitCode, string Stdout, string Stderr)
{
    public static async Task<AgentRun> RunAsync(string[] args, string stdin = "", CancellationToken token = default)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await new AgentCli(stdout, stderr, new StringReader(stdin)).RunAsync(args, token);
        return new AgentRun(code, stdout.ToString(), stderr.ToString());
    }

    public JsonElement Summary => JsonDocument.Parse(Stdout).RootElement;

    public long Dropped(string reason) =>
        Summary.GetProperty("dropped").TryGetProperty(reason, out var v) ? v.GetInt64() : 0;

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
