using System.Text.Json;
using System.Text.Json.Serialization;

namespace Homer.Cli;

/// <summary>
/// What <c>homerctl login</c> remembers: the node and the session token. Stored as JSON, readable only by its owner,
/// at HOMER_CLI_CONFIG or ~/.config/homerctl/config.json.
/// </summary>
public sealed record CliConfig
{
    [JsonPropertyName("node")] public string? Node { get; init; }
    [JsonPropertyName("token")] public string? Token { get; init; }
    [JsonPropertyName("user")] public string? User { get; init; }
    [JsonPropertyName("expiresAt")] public string? ExpiresAt { get; init; }

    public static string DefaultPath(Func<string, string?> env)
    {
        if (env("HOMER_CLI_CONFIG") is { Length: > 0 } path)
            return path;
        var home = env("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(env("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(home, "homerctl", "config.json");
    }

    public static CliConfig Load(string path)
    {
        if (!File.Exists(path))
            return new CliConfig();
        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(path)) ?? new CliConfig();
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"The config file {path} is not valid JSON ({e.Message}); delete it and run 'homerctl login' again.");
        }
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        // Created private before the token is written, so there is no moment when others can read it.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        File.Delete(temp);
        using (var stream = new FileStream(temp, options))
            JsonSerializer.Serialize(stream, this, new JsonSerializerOptions { WriteIndented = true });
        File.Move(temp, path, overwrite: true);
    }
}
