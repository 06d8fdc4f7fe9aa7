using Homer.TestSupport;

namespace Homer.Cluster.Tests;

/// <summary>
/// What every multi-process cluster test holds: a throwaway database, its reader, and the node processes it started,
/// all ended when the test is over (nodes first, so none writes into a database being dropped).
/// </summary>
public abstract class ClusterTest : IAsyncLifetime
{
    protected TestDatabase Database { get; private set; } = null!;
    protected ClusterStore Store { get; private set; } = null!;
    protected List<NodeProcess> Nodes { get; } = [];

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Store = new ClusterStore(Database.ConnectionString);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var node in Nodes)
            node.Dispose();
        await Database.DisposeAsync();
    }
}
