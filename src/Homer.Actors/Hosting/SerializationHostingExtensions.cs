using Akka.Hosting;
using Homer.Actors.Contracts;
using Homer.Actors.Serialization;

namespace Homer.Actors.Hosting;

public static class SerializationHostingExtensions
{
    /// <summary>Binds <see cref="IHomerSerializable"/> to <see cref="HomerSerializer"/>; nothing of ours goes through JSON.</summary>
    public static AkkaConfigurationBuilder AddHomerSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer("homer", [typeof(IHomerSerializable)], system => new HomerSerializer(system));
}
