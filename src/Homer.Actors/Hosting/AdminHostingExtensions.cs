using Akka.Hosting;
using Homer.Actors.Admin;
using Homer.Actors.Contracts;

namespace Homer.Actors.Hosting;

/// <summary>Registry key of this node's <see cref="NodeAdminActor"/>.</summary>
public sealed class NodeAdminKey;

public static class AdminHostingExtensions
{
    /// <summary>
    /// The actor that answers the admin API about this node (ingest counters, effective configuration), started under
    /// a fixed name so the API on any member can reach it by address.
    /// </summary>
    public static AkkaConfigurationBuilder AddNodeAdmin(this AkkaConfigurationBuilder builder, NodeAdminOptions options) =>
        builder.WithActors((system, registry) =>
        {
            var actor = system.ActorOf(NodeAdminActor.Props(options), NodeAdmin.ActorName);
            registry.TryRegister<NodeAdminKey>(actor);
        });
}
