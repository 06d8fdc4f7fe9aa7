using System.Text.Json;

namespace Homer.Cli.Tests;

/// <summary>Runs homerctl in-process with its own config file and environment, capturing what it prints.</summary>
public sealed class CliRun(string configPath, IReadOnlyDictionary<string, string?>? environment = null)
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public JsonElement Json => JsonDocument.Parse(Out).RootElement;

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
    }

    public async Task<Result> RunWithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["HOMER_CLI_CONFIG"] = configPath };
        var code = await new HomerCtl(stdout, stderr, new StringReader(stdin), key => env.GetValueOrDefault(key)).RunAsync(args);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    public Task<Result> Run(params string[] args) => RunWithInput("", args);
}
