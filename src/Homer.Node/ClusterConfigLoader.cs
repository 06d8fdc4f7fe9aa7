using Akka.Configuration;

namespace Homer.Node;

/// <summary>
/// Reads cluster-config/ in its layering order (base → roles → environment; see cluster-config/README.md).
/// Later layers win.
/// </summary>
public static class ClusterConfigLoader
{
    public static (Config Config, IReadOnlyList<string> Files) Load(NodeSettings settings)
    {
        var root = settings.ClusterConfigPath ?? Path.Combine(AppContext.BaseDirectory, "cluster-config");
        if (!File.Exists(Path.Combine(root, "akka.conf")))
            throw new FileNotFoundException($"cluster-config not found: {root}/akka.conf is missing (set HOMER_CLUSTER_CONFIG).");

        var files = new List<string> { Path.Combine(root, "akka.conf") };
        files.AddRange(NodeSettings.AllRoles.Where(settings.Has).Select(r => Path.Combine(root, "roles", r + ".conf")).Where(File.Exists));
        var environmentFile = Path.Combine(root, "environments", settings.Environment + ".conf");
        if (!File.Exists(environmentFile))
            throw new FileNotFoundException($"No cluster-config layer for environment '{settings.Environment}': {environmentFile}");
        files.Add(environmentFile);

        var config = Config.Empty;
        foreach (var file in files)
            config = ConfigurationFactory.ParseString(File.ReadAllText(file)).WithFallback(config);
        return (config, files);
    }
}
