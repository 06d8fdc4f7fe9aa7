namespace Homer.Node;

/// <summary>
/// The memory this node's managed heap may take: the GC's hard limit (homer-node.runtimeconfig.json sets
/// System.GC.HeapHardLimitPercent; DOTNET_GCHeapHardLimit or DOTNET_GCHeapHardLimitPercent override it), which the
/// runtime reports as the memory available to it. The node's own bounded buffers are sized from it.
/// </summary>
public static class MemoryEnvelope
{
    /// <summary>The heap's hard limit when one is set, else the memory of the machine or container.</summary>
    public static long HeapLimitBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>True when the GC runs with a hard heap limit (the runtime config's, an environment variable's or a container's).</summary>
    public static bool HasHardLimit =>
        GC.GetConfigurationVariables().TryGetValue("GCHeapHardLimit", out var limit) && Convert.ToUInt64(limit, System.Globalization.CultureInfo.InvariantCulture) > 0;

    /// <summary>Where the limit comes from, for the start-up log.</summary>
    public static string Source => HasHardLimit ? "GC heap hard limit" : "no GC heap hard limit: the machine's or container's memory";
}
