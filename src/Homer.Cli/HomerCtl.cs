using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Homer.Cli.Commands;
using Spectre.Console;

namespace Homer.Cli;

/// <summary>
/// homerctl: the admin command palette of a Homer cluster, talking to any node's GraphQL API. Writers, reader and
/// environment are parameters so tests run it in-process.
/// </summary>
public sealed class HomerCtl(TextWriter stdout, TextWriter stderr, TextReader stdin, Func<string, string?> environment)
{
    public const string DefaultNode = "http://127.0.0.1:9080";

    internal readonly Option<string?> NodeOption = new("--node", "-n")
    {
        Description = "Node API address, e.g. http://homer-1:9080. Default: HOMER_NODE, the login config file, then " + DefaultNode + ".",
        Recursive = true,
    };
    internal readonly Option<string?> TokenOption = new("--token")
    {
        Description = "Bearer token (session or API token). Default: HOMER_TOKEN, then the token saved by 'homerctl login'.",
        Recursive = true,
    };
    internal readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print the result as JSON (for scripts) instead of tables.",
        Recursive = true,
    };
    internal readonly Option<double> TimeoutOption = new("--timeout")
    {
        Description = "Seconds to wait for the node (default 30).",
        DefaultValueFactory = _ => 30,
        Recursive = true,
    };

    internal TextWriter Out => stdout;
    internal TextWriter Error => stderr;
    internal TextReader In => stdin;
    internal Func<string, string?> Environment => environment;
    internal string ConfigPath => CliConfig.DefaultPath(environment);

    public async Task<int> RunAsync(string[] args, CancellationToken token = default)
    {
        var root = new RootCommand("homerctl: administer a Homer cluster through any node's API. " + ExitCodes.Help);
        root.Options.Add(NodeOption);
        root.Options.Add(TokenOption);
        root.Options.Add(JsonOption);
        root.Options.Add(TimeoutOption);
        root.Subcommands.Add(AccountCommands.Login(this));
        root.Subcommands.Add(AccountCommands.Logout(this));
        root.Subcommands.Add(ClusterCommands.Cluster(this));
        root.Subcommands.Add(ClusterCommands.Sharding(this));
        root.Subcommands.Add(ClusterCommands.Ingest(this));
        root.Subcommands.Add(ClusterCommands.Config(this));
        root.Subcommands.Add(DialogCommands.Dialog(this));
        root.Subcommands.Add(StorageCommands.Storage(this));
        root.Subcommands.Add(AccountCommands.Users(this));
        root.Subcommands.Add(AccountCommands.Tokens(this));
        root.Subcommands.Add(AlarmCommands.Alarms(this));
        root.Subcommands.Add(QuarantineCommands.Quarantine(this));
        root.Subcommands.Add(AgentCommands.Agents(this));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
                await stderr.WriteLineAsync($"homerctl: {e.Message}");
            await stderr.WriteLineAsync("Try 'homerctl --help'.");
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, token);
        }
        catch (Exception e)
        {
            await stderr.WriteLineAsync($"homerctl: unexpected failure: {e}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>A command group: without a subcommand it prints its help and exits with the usage code.</summary>
    internal Command Group(string name, string description, params Command[] children)
    {
        var group = new Command(name, description);
        foreach (var child in children)
            group.Subcommands.Add(child);
        group.SetAction(async r =>
        {
            await stderr.WriteLineAsync($"homerctl {name}: give one of: {string.Join(", ", children.Select(c => c.Name))}. Try 'homerctl {name} --help'.");
            return ExitCodes.Usage;
        });
        return group;
    }

    /// <summary>Runs a command body against the node with uniform error handling.</summary>
    internal void Action(Command command, Func<ParseResult, NodeClient, CancellationToken, Task<int>> body) =>
        command.SetAction(async (r, ct) =>
        {
            try
            {
                using var client = Client(r);
                return await body(r, client, ct);
            }
            catch (CliException e)
            {
                await stderr.WriteLineAsync("homerctl: " + e.Message);
                return e.ExitCode;
            }
        });

    internal NodeClient Client(ParseResult r)
    {
        var saved = CliConfig.Load(ConfigPath);
        var node = r.GetValue(NodeOption) ?? environment("HOMER_NODE") ?? saved.Node ?? DefaultNode;
        if (!Uri.TryCreate(node.Contains("://", StringComparison.Ordinal) ? node : "http://" + node, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https"))
            throw new CliException(ExitCodes.Usage, $"--node '{node}' is not an http(s) address such as http://homer-1:9080.");
        if (!uri.AbsolutePath.EndsWith('/'))
            uri = new Uri(uri + "/");
        // A token saved for another node is not sent to this one.
        var token = r.GetValue(TokenOption) ?? environment("HOMER_TOKEN")
            ?? (saved.Node is not null && SameNode(saved.Node, uri) ? saved.Token : null);
        var seconds = r.GetValue(TimeoutOption);
        if (seconds <= 0)
            throw new CliException(ExitCodes.Usage, "--timeout must be a positive number of seconds.");
        return new NodeClient(uri, token, TimeSpan.FromSeconds(seconds));
    }

    internal static bool SameNode(string saved, Uri uri) =>
        Uri.TryCreate(saved.EndsWith('/') ? saved : saved + "/", UriKind.Absolute, out var s) && Uri.Compare(s, uri, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    internal bool Json(ParseResult r) => r.GetValue(JsonOption);

    internal async Task<int> PrintJson(JsonNode? node)
    {
        await stdout.WriteLineAsync(node?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null");
        return ExitCodes.Ok;
    }

    /// <summary>A Spectre console on our stdout: plain text (no colours) when it is not a terminal, wide enough for tables.</summary>
    internal IAnsiConsole Console()
    {
        var terminal = ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
            console.Profile.Width = 200;
        return console;
    }

    /// <summary>A secret from --password, else a line of stdin (--password-stdin, or when stdin is not a terminal), else a prompt.</summary>
    internal async Task<string> ReadSecret(string? given, bool fromStdin, string prompt)
    {
        if (given is not null)
            return given;
        if (fromStdin || !ReferenceEquals(stdin, System.Console.In) || System.Console.IsInputRedirected)
            return (await stdin.ReadLineAsync())?.TrimEnd('\r', '\n') ?? throw new CliException(ExitCodes.Usage, "Expected the password on stdin.");
        return AnsiConsole.Prompt(new TextPrompt<string>(prompt).Secret());
    }
}
